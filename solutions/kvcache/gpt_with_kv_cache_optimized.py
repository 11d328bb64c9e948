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
        ### BEGIN SOLUTION: set self.max_seq_len (max_seq_len, or context_length when None) and self.window_size
        ### (window_size, or self.max_seq_len when None), register the non-persistent buffers
        ### self.cache_k and self.cache_v as None (allocated at the first cached call), and set
        ### self.ptr_cur, the next free slot of the cache, to 0 (optimizing the KV cache, tips 1-2).
        self.max_seq_len = max_seq_len or context_length
        self.window_size = window_size or self.max_seq_len
        self.register_buffer("cache_k", None, persistent=False)
        self.register_buffer("cache_v", None, persistent=False)
        self.ptr_cur = 0
        ### END SOLUTION

    def forward(self, x, use_cache=False):
        ### BEGIN SOLUTION: x is (batch, num_tokens, d_in); return (batch, num_tokens, d_out), the same values as
        ### gpt_with_kv_cache's MultiHeadAttention while at most window_size tokens are cached.
        ### use_cache=True: at the first call (or a new batch size) allocate self.cache_k and
        ### self.cache_v once, (batch, num_heads, window_size, head_dim) zeros, and from then on
        ### write each call's keys and values into them in place at self.ptr_cur. When they would
        ### not fit, drop the oldest tokens first (shift the rest to the front), so that the new
        ### tokens attend to the last window_size tokens only. A call of more than window_size
        ### tokens is an error (optimizing the KV cache, tips 1-2).
        b, num_tokens, _ = x.shape
        if use_cache and num_tokens > self.window_size:
            raise ValueError(f"{num_tokens} tokens in one call do not fit a cache of {self.window_size}: "
                             "feed them in chunks of at most window_size tokens")
        keys_new = self.W_key(x).view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        values_new = self.W_value(x).view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        queries = self.W_query(x).view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)

        if use_cache:
            if self.cache_k is None or self.cache_k.shape[0] != b:
                self.cache_k = torch.zeros(b, self.num_heads, self.window_size, self.head_dim,
                                           dtype=keys_new.dtype, device=x.device)
                self.cache_v = torch.zeros_like(self.cache_k)
                self.ptr_cur = 0
            overflow = self.ptr_cur + num_tokens - self.window_size
            if overflow > 0:   # slide: the oldest `overflow` tokens leave, the rest move to the front
                self.cache_k[:, :, :-overflow] = self.cache_k[:, :, overflow:].clone()
                self.cache_v[:, :, :-overflow] = self.cache_v[:, :, overflow:].clone()
                self.ptr_cur -= overflow
            self.cache_k[:, :, self.ptr_cur:self.ptr_cur + num_tokens] = keys_new
            self.cache_v[:, :, self.ptr_cur:self.ptr_cur + num_tokens] = values_new
            self.ptr_cur += num_tokens
            keys, values = self.cache_k[:, :, :self.ptr_cur], self.cache_v[:, :, :self.ptr_cur]
        else:
            keys, values = keys_new, values_new

        attn_scores = queries @ keys.transpose(2, 3)   # (b, heads, num_tokens, num_keys)
        num_keys = keys.shape[-2]
        if num_tokens > 1:   # new token i sits at key num_keys - num_tokens + i and sees the keys up to it
            offset = num_keys - num_tokens
            rows = torch.arange(num_tokens, device=x.device)[:, None]
            cols = torch.arange(num_keys, device=x.device)[None, :]
            attn_scores.masked_fill_(cols > rows + offset, -torch.inf)
        attn_weights = torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1)
        attn_weights = self.dropout(attn_weights)
        context_vec = (attn_weights @ values).transpose(1, 2)   # (b, num_tokens, heads, head_dim)
        context_vec = context_vec.contiguous().view(b, num_tokens, self.d_out)
        return self.out_proj(context_vec)
        ### END SOLUTION

    def reset_cache(self):
        ### BEGIN SOLUTION: empty the cache: both buffers back to None (optimizing the KV cache).
        self.cache_k, self.cache_v = None, None
        self.ptr_cur = 0
        ### END SOLUTION


def generate_text_simple_cached(model, idx, max_new_tokens, context_size=None, use_cache=True):
    """gpt_with_kv_cache's generate_text_simple_cached for a cache of model.kv_window_size tokens.

    idx is (batch, n_tokens); returns (batch, n_tokens + new tokens), at most context_size - n_tokens new tokens
    with the cache (context_size defaults to the model's context length)."""
    ### BEGIN SOLUTION: as gpt_with_kv_cache's generate_text_simple_cached, with two changes for use_cache=True:
    ### feed the prompt (its last context_size tokens) in chunks of at most model.kv_window_size
    ### tokens, and generate at most context_size minus the prompt's length new tokens, since
    ### later positions have no embedding (optimizing the KV cache).
    model.eval()
    ctx_len = context_size or model.pos_emb.num_embeddings
    with torch.no_grad():
        if use_cache:
            model.reset_kv_cache()
            prompt = idx[:, -ctx_len:]
            window = model.kv_window_size
            for start in range(0, prompt.shape[1], window):
                logits = model(prompt[:, start:start + window], use_cache=True)
            for _ in range(min(max_new_tokens, ctx_len - prompt.shape[1])):
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
