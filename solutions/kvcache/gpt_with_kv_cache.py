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
        ### BEGIN SOLUTION: register two empty buffers (None for now), self.cache_k and self.cache_v, left out of
        ### the state_dict (non-persistent), and set self.ptr_current_pos, the number of tokens
        ### cached so far, to 0 (KV cache §1).
        self.register_buffer("cache_k", None, persistent=False)
        self.register_buffer("cache_v", None, persistent=False)
        self.ptr_current_pos = 0
        ### END SOLUTION

    def forward(self, x, use_cache=False):
        ### BEGIN SOLUTION: x is (batch, num_tokens, d_in); return (batch, num_tokens, d_out). use_cache=False:
        ### chapter 3's causal attention over x alone, the cache left as it is. use_cache=True: add
        ### this call's keys and values to self.cache_k and self.cache_v after the tokens already
        ### there, and let each new token attend to every cached token and to the new tokens up to
        ### itself; self.ptr_current_pos then counts num_tokens more (KV cache §2).
        b, num_tokens, _ = x.shape
        keys_new = self.W_key(x).view(b, num_tokens, self.num_heads, self.head_dim)
        values_new = self.W_value(x).view(b, num_tokens, self.num_heads, self.head_dim)
        queries = self.W_query(x).view(b, num_tokens, self.num_heads, self.head_dim)

        if use_cache:
            if self.cache_k is None:
                self.cache_k, self.cache_v = keys_new, values_new
            else:
                self.cache_k = torch.cat([self.cache_k, keys_new], dim=1)   # (b, cached + num_tokens, heads, head_dim)
                self.cache_v = torch.cat([self.cache_v, values_new], dim=1)
            keys, values = self.cache_k, self.cache_v
        else:
            keys, values = keys_new, values_new

        keys, values, queries = keys.transpose(1, 2), values.transpose(1, 2), queries.transpose(1, 2)
        attn_scores = queries @ keys.transpose(2, 3)   # (b, heads, num_tokens, all keys)
        num_keys = keys.shape[-2]
        if use_cache:
            # the new tokens are rows ptr_current_pos... of the full causal mask
            mask_bool = self.mask.bool()[self.ptr_current_pos:self.ptr_current_pos + num_tokens, :num_keys]
            self.ptr_current_pos += num_tokens
        else:
            mask_bool = self.mask.bool()[:num_tokens, :num_keys]
        attn_scores.masked_fill_(mask_bool, -torch.inf)
        attn_weights = torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1)
        attn_weights = self.dropout(attn_weights)
        context_vec = (attn_weights @ values).transpose(1, 2)   # (b, num_tokens, heads, head_dim)
        context_vec = context_vec.contiguous().view(b, num_tokens, self.d_out)
        return self.out_proj(context_vec)
        ### END SOLUTION

    def reset_cache(self):
        ### BEGIN SOLUTION: empty the cache, so that the next cached call starts a new sequence: both buffers back
        ### to None and the count of cached tokens back to 0 (KV cache §3).
        self.cache_k, self.cache_v = None, None
        self.ptr_current_pos = 0
        ### END SOLUTION


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
        ### BEGIN SOLUTION: x is (batch, num_tokens, emb_dim); return the same shape: chapter 4's block, whose
        ### attention is called with this use_cache (KV cache §4).
        shortcut = x
        x = self.norm1(x)
        x = self.att(x, use_cache=use_cache)
        x = self.drop_shortcut(x)
        x = x + shortcut

        shortcut = x
        x = self.norm2(x)
        x = self.ff(x)
        x = self.drop_shortcut(x)
        return x + shortcut
        ### END SOLUTION


class GPTModel(nn.Module):
    """Chapter 4's GPT whose positions continue from one cached call to the next."""

    def __init__(self, cfg):
        super().__init__()
        ### BEGIN SOLUTION: chapter 4's modules under the same names (so the same weights load), with
        ### self.trf_blocks a list of n_layers of this module's TransformerBlocks that forward can
        ### call one by one, and self.current_pos, the position of the next token, set to 0
        ### (KV cache §4).
        self.tok_emb = nn.Embedding(cfg["vocab_size"], cfg["emb_dim"])
        self.pos_emb = nn.Embedding(cfg["context_length"], cfg["emb_dim"])
        self.drop_emb = nn.Dropout(cfg["drop_rate"])
        self.trf_blocks = nn.ModuleList([TransformerBlock(cfg) for _ in range(cfg["n_layers"])])
        self.current_pos = 0
        self.final_norm = LayerNorm(cfg["emb_dim"])
        self.out_head = nn.Linear(cfg["emb_dim"], cfg["vocab_size"], bias=False)
        ### END SOLUTION

    def forward(self, in_idx, use_cache=False):
        ### BEGIN SOLUTION: in_idx is (batch, seq_len) token ids; return the logits, (batch, seq_len, vocab_size).
        ### use_cache=False: chapter 4's forward. use_cache=True: the tokens continue the cached
        ### sequence, so their positions start at self.current_pos (which then counts seq_len
        ### more), and every block is called with use_cache=True (KV cache §4).
        seq_len = in_idx.shape[1]
        tok_embeds = self.tok_emb(in_idx)
        if use_cache:
            pos_ids = torch.arange(self.current_pos, self.current_pos + seq_len, device=in_idx.device)
            self.current_pos += seq_len
        else:
            pos_ids = torch.arange(seq_len, device=in_idx.device)
        x = tok_embeds + self.pos_emb(pos_ids)   # (batch, seq_len, emb_dim)
        x = self.drop_emb(x)
        for block in self.trf_blocks:
            x = block(x, use_cache=use_cache)
        x = self.final_norm(x)
        return self.out_head(x)
        ### END SOLUTION

    def reset_kv_cache(self):
        ### BEGIN SOLUTION: forget the cached sequence: reset every block's attention cache and start the
        ### positions at 0 again (KV cache §4).
        for block in self.trf_blocks:
            block.att.reset_cache()
        self.current_pos = 0
        ### END SOLUTION


def generate_text_simple_cached(model, idx, max_new_tokens, context_size=None, use_cache=True):
    """Chapter 4's greedy generation with the cache: the prompt once, then each new token alone.

    idx is (batch, n_tokens); returns (batch, n_tokens + max_new_tokens). context_size defaults to the model's
    context length; use_cache=False generates as generate_text_simple does."""
    ### BEGIN SOLUTION: greedy decoding, each next token the argmax of the last position's logits, without
    ### gradients and in eval mode. use_cache=True: empty the model's cache, feed the prompt (its last
    ### context_size tokens) once, then only the newly chosen token at each step. use_cache=False:
    ### feed the last context_size tokens at every step (KV cache §5).
    model.eval()
    ctx_len = context_size or model.pos_emb.num_embeddings
    with torch.no_grad():
        if use_cache:
            model.reset_kv_cache()
            logits = model(idx[:, -ctx_len:], use_cache=True)
            for _ in range(max_new_tokens):
                next_idx = logits[:, -1].argmax(dim=-1, keepdim=True)   # (batch, 1)
                idx = torch.cat([idx, next_idx], dim=1)
                logits = model(next_idx, use_cache=True)
        else:
            for _ in range(max_new_tokens):
                logits = model(idx[:, -ctx_len:], use_cache=False)
                next_idx = logits[:, -1].argmax(dim=-1, keepdim=True)
                idx = torch.cat([idx, next_idx], dim=1)
    return idx
    ### END SOLUTION


def generate_cached(model, idx, max_new_tokens, context_size=None, temperature=0.0, top_k=None, eos_id=None):
    """Chapter 5's generate (top-k, temperature, eos_id) with the cache: the prompt once, then each new token alone.

    idx is (1, n_tokens); returns (1, n_tokens + new tokens). context_size defaults to the model's context length."""
    ### BEGIN SOLUTION: chapter 5's generate, choosing each token as it does (top-k filtering, then sampling
    ### from the softmax of the logits divided by the temperature, or the argmax at temperature 0;
    ### stop without appending when the token is eos_id), fed as generate_text_simple_cached feeds
    ### the model: the cache emptied, the last context_size tokens of the prompt once, then each
    ### chosen token alone. No gradients, eval mode (KV cache §5, section 5.3.3).
    model.eval()
    ctx_len = context_size or model.pos_emb.num_embeddings
    with torch.no_grad():
        model.reset_kv_cache()
        logits = model(idx[:, -ctx_len:], use_cache=True)
        for _ in range(max_new_tokens):
            logits = logits[:, -1, :]
            if top_k is not None:
                top_logits, _ = torch.topk(logits, top_k)
                logits = torch.where(logits < top_logits[:, -1:], torch.tensor(float("-inf")), logits)
            if temperature > 0.0:
                probs = torch.softmax(logits / temperature, dim=-1)
                idx_next = torch.multinomial(probs, num_samples=1)   # (1, 1)
            else:
                idx_next = torch.argmax(logits, dim=-1, keepdim=True)
            if idx_next == eos_id:
                break
            idx = torch.cat((idx, idx_next), dim=1)
            logits = model(idx_next, use_cache=True)
    return idx
    ### END SOLUTION
