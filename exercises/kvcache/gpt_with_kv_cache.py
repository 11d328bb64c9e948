"""KV cache: chapter 4's GPT that keeps each layer's keys and values, so that generation feeds one token at a time."""
import torch
import torch.nn as nn

from ..ch03 import multihead_attention as chapter3
from ..ch04 import gpt as chapter4
from ..ch04.gpt import LayerNorm


class MultiHeadAttention(chapter3.MultiHeadAttention):
    """Chapter 3's causal multi-head attention (yours, from ch03/multihead_attention.py: its projections, its
    dropout and mask), able to keep the keys and values of the tokens it has seen."""

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__(d_in, d_out, context_length, dropout, num_heads, qkv_bias)
        # TODO: register two empty buffers (None for now), self.cache_k and self.cache_v, left out of
        #       the state_dict (non-persistent), and set self.ptr_current_pos, the number of tokens
        #       cached so far, to 0 (KV cache §1).
        raise NotImplementedError('MultiHeadAttention: not written yet, see the TODO above')

    def forward(self, x, use_cache=False):
        # TODO: x is (batch, num_tokens, d_in); return (batch, num_tokens, d_out). use_cache=False:
        #       chapter 3's causal attention over x alone, the cache left as it is. use_cache=True: add
        #       this call's keys and values to self.cache_k and self.cache_v after the tokens already
        #       there, and let each new token attend to every cached token and to the new tokens up to
        #       itself; self.ptr_current_pos then counts num_tokens more (KV cache §2).
        raise NotImplementedError('MultiHeadAttention: not written yet, see the TODO above')

    def reset_cache(self):
        # TODO: empty the cache, so that the next cached call starts a new sequence: both buffers back
        #       to None and the count of cached tokens back to 0 (KV cache §3).
        raise NotImplementedError('MultiHeadAttention: not written yet, see the TODO above')


class TransformerBlock(chapter4.TransformerBlock):
    """Chapter 4's transformer block (yours, from ch04/gpt.py), with use_cache passed on to its attention: the
    block's attention is replaced by this module's MultiHeadAttention, holding the same weights."""

    def __init__(self, cfg):
        super().__init__(cfg)
        with torch.random.fork_rng(devices=[]):   # no random numbers drawn: the weights are copied below
            att = MultiHeadAttention(cfg["emb_dim"], cfg["emb_dim"], cfg["context_length"], cfg["drop_rate"],
                                     cfg["n_heads"], qkv_bias=cfg["qkv_bias"])
        att.load_state_dict(self.att.state_dict())
        self.att = att

    def forward(self, x, use_cache=False):
        # TODO: x is (batch, num_tokens, emb_dim); return the same shape: chapter 4's block, whose
        #       attention is called with this use_cache (KV cache §4).
        raise NotImplementedError('TransformerBlock: not written yet, see the TODO above')


class GPTModel(nn.Module):
    """Chapter 4's GPT whose positions continue from one cached call to the next."""

    def __init__(self, cfg):
        super().__init__()
        # TODO: chapter 4's modules under the same names (so the same weights load), with
        #       self.trf_blocks a list of n_layers of this module's TransformerBlocks that forward can
        #       call one by one, and self.current_pos, the position of the next token, set to 0
        #       (KV cache §4).
        raise NotImplementedError('GPTModel: not written yet, see the TODO above')

    def forward(self, in_idx, use_cache=False):
        # TODO: in_idx is (batch, seq_len) token ids; return the logits, (batch, seq_len, vocab_size).
        #       use_cache=False: chapter 4's forward. use_cache=True: the tokens continue the cached
        #       sequence, so their positions start at self.current_pos (which then counts seq_len
        #       more), and every block is called with use_cache=True (KV cache §4).
        raise NotImplementedError('GPTModel: not written yet, see the TODO above')

    def reset_kv_cache(self):
        # TODO: forget the cached sequence: reset every block's attention cache and start the
        #       positions at 0 again (KV cache §4).
        raise NotImplementedError('GPTModel: not written yet, see the TODO above')


def generate_text_simple_cached(model, idx, max_new_tokens, context_size=None, use_cache=True):
    """Chapter 4's greedy generation with the cache: the prompt once, then each new token alone.

    idx is (batch, n_tokens); returns (batch, n_tokens + max_new_tokens). context_size defaults to the model's
    context length; use_cache=False generates as generate_text_simple does."""
    # TODO: greedy decoding, each next token the argmax of the last position's logits, without
    #       gradients and in eval mode. use_cache=True: empty the model's cache, feed the prompt (its last
    #       context_size tokens) once, then only the newly chosen token at each step. use_cache=False:
    #       feed the last context_size tokens at every step (KV cache §5).
    raise NotImplementedError('generate_text_simple_cached: not written yet, see the TODO above')


def generate_cached(model, idx, max_new_tokens, context_size=None, temperature=0.0, top_k=None, eos_id=None):
    """Chapter 5's generate (top-k, temperature, eos_id) with the cache: the prompt once, then each new token alone.

    idx is (1, n_tokens); returns (1, n_tokens + new tokens). context_size defaults to the model's context length."""
    # TODO: chapter 5's generate, choosing each token as it does (top-k filtering, then sampling
    #       from the softmax of the logits divided by the temperature, or the argmax at temperature 0;
    #       stop without appending when the token is eos_id), fed as generate_text_simple_cached feeds
    #       the model: the cache emptied, the last context_size tokens of the prompt once, then each
    #       chosen token alone. No gradients, eval mode (KV cache §5, section 5.3.3).
    raise NotImplementedError('generate_cached: not written yet, see the TODO above')
