"""KV cache, optimised: a cache allocated once and written in place, sliding over the last window_size tokens."""
import torch

from ..ch03 import multihead_attention as chapter3
from . import gpt_with_kv_cache as basic


class GPTModel(basic.GPTModel):
    """gpt_with_kv_cache's GPT whose blocks attend with this module's MultiHeadAttention (below), each cache
    cfg["kv_window_size"] tokens long (default: the context length). The weights are those gpt_with_kv_cache's
    GPTModel(cfg) gets."""

    def __init__(self, cfg):
        super().__init__(cfg)
        self.kv_window_size = cfg.get("kv_window_size", cfg["context_length"])
        for block in self.trf_blocks:
            with torch.random.fork_rng(devices=[]):   # draw no random numbers: the weights are copied below
                att = MultiHeadAttention(cfg["emb_dim"], cfg["emb_dim"], cfg["context_length"], cfg["drop_rate"],
                                         cfg["n_heads"], qkv_bias=cfg["qkv_bias"], window_size=self.kv_window_size)
            att.load_state_dict(block.att.state_dict(), strict=False)   # the same parameters and mask
            block.att = att


class MultiHeadAttention(chapter3.MultiHeadAttention):
    """Chapter 3's causal multi-head attention (yours: its projections and dropout) whose cache holds at most
    window_size tokens, in buffers allocated once."""

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False, max_seq_len=None,
                 window_size=None):
        super().__init__(d_in, d_out, context_length, dropout, num_heads, qkv_bias)
        # TODO: set self.max_seq_len (max_seq_len, or context_length when None) and self.window_size
        #       (window_size, or self.max_seq_len when None), register the non-persistent buffers
        #       self.cache_k and self.cache_v as None (allocated at the first cached call), and set
        #       self.ptr_cur, the next free slot of the cache, to 0 (optimizing the KV cache, tips 1-2).
        raise NotImplementedError('MultiHeadAttention: not written yet, see the TODO above')

    def forward(self, x, use_cache=False):
        # TODO: x is (batch, num_tokens, d_in); return (batch, num_tokens, d_out), the same values as
        #       gpt_with_kv_cache's MultiHeadAttention while at most window_size tokens are cached.
        #       use_cache=True: at the first call (or a new batch size) allocate self.cache_k and
        #       self.cache_v once, (batch, num_heads, window_size, head_dim) zeros, and from then on
        #       write each call's keys and values into them in place at self.ptr_cur. When they would
        #       not fit, drop the oldest tokens first (shift the rest to the front), so that the new
        #       tokens attend to the last window_size tokens only. A call of more than window_size
        #       tokens is an error (optimizing the KV cache, tips 1-2).
        raise NotImplementedError('MultiHeadAttention: not written yet, see the TODO above')

    def reset_cache(self):
        # TODO: empty the cache: both buffers back to None (optimizing the KV cache).
        raise NotImplementedError('MultiHeadAttention: not written yet, see the TODO above')


def generate_text_simple_cached(model, idx, max_new_tokens, context_size=None, use_cache=True):
    """gpt_with_kv_cache's generate_text_simple_cached for a cache of model.kv_window_size tokens.

    idx is (batch, n_tokens); returns (batch, n_tokens + new tokens), at most context_size - n_tokens new tokens
    with the cache (context_size defaults to the model's context length)."""
    # TODO: as gpt_with_kv_cache's generate_text_simple_cached, with two changes for use_cache=True:
    #       feed the prompt (its last context_size tokens) in chunks of at most model.kv_window_size
    #       tokens, and generate at most context_size minus the prompt's length new tokens, since
    #       later positions have no embedding (optimizing the KV cache).
    raise NotImplementedError('generate_text_simple_cached: not written yet, see the TODO above')
