"""Qwen3 from the Llama 3 parts: grouped-query attention with a free head size and QK-norm, the block and
Qwen3Model (the book repository's standalone-qwen3 notebook)."""
import torch
import torch.nn as nn

from .llama3 import FeedForward, RMSNorm, apply_rope, compute_rope_params


class GroupedQueryAttention(nn.Module):
    """Llama 3's grouped-query attention with head_dim set on its own and, optionally, RMSNorm on each
    query and key head before RoPE (QK-norm) (standalone-qwen3 §1)."""

    def __init__(self, d_in, num_heads, num_kv_groups, head_dim=None, qk_norm=False, dtype=None):
        super().__init__()
        assert num_heads % num_kv_groups == 0, "num_heads must be divisible by num_kv_groups"
        ### BEGIN SOLUTION: keep num_heads, num_kv_groups, group_size, head_dim (d_in // num_heads when None) and
        ### d_out = num_heads * head_dim. Create, without bias and in dtype: self.W_query (d_in -> d_out),
        ### self.W_key and self.W_value (d_in -> num_kv_groups * head_dim), self.out_proj (d_out -> d_in).
        ### With qk_norm, self.q_norm and self.k_norm are RMSNorms of head_dim with eps 1e-6; without,
        ### both are None (standalone-qwen3 §1).
        self.num_heads = num_heads
        self.num_kv_groups = num_kv_groups
        self.group_size = num_heads // num_kv_groups
        if head_dim is None:
            assert d_in % num_heads == 0, "d_in must be divisible by num_heads when head_dim is not set"
            head_dim = d_in // num_heads
        self.head_dim = head_dim
        self.d_out = num_heads * head_dim
        self.W_query = nn.Linear(d_in, self.d_out, bias=False, dtype=dtype)
        self.W_key = nn.Linear(d_in, num_kv_groups * head_dim, bias=False, dtype=dtype)
        self.W_value = nn.Linear(d_in, num_kv_groups * head_dim, bias=False, dtype=dtype)
        self.out_proj = nn.Linear(self.d_out, d_in, bias=False, dtype=dtype)
        if qk_norm:
            self.q_norm = RMSNorm(head_dim, eps=1e-6)
            self.k_norm = RMSNorm(head_dim, eps=1e-6)
        else:
            self.q_norm = self.k_norm = None
        ### END SOLUTION

    def forward(self, x, mask, cos, sin):
        ### BEGIN SOLUTION: x is (batch, num_tokens, d_in), mask, cos and sin as in Llama 3's attention; return
        ### (batch, num_tokens, d_in). As Llama 3's grouped-query attention, except that with QK-norm
        ### each query head's and each key head's head_dim-vector is RMS-normalized (q_norm, k_norm)
        ### after the split into heads and before RoPE (standalone-qwen3 §1).
        b, num_tokens, _ = x.shape
        queries = self.W_query(x).view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        keys = self.W_key(x).view(b, num_tokens, self.num_kv_groups, self.head_dim).transpose(1, 2)
        values = self.W_value(x).view(b, num_tokens, self.num_kv_groups, self.head_dim).transpose(1, 2)

        if self.q_norm is not None:   # over the last dimension: each head on its own
            queries = self.q_norm(queries)
        if self.k_norm is not None:
            keys = self.k_norm(keys)

        queries = apply_rope(queries, cos, sin)
        keys = apply_rope(keys, cos, sin)
        keys = keys.repeat_interleave(self.group_size, dim=1)
        values = values.repeat_interleave(self.group_size, dim=1)

        attn_scores = (queries @ keys.transpose(2, 3)).masked_fill(mask[:num_tokens, :num_tokens], -torch.inf)
        attn_weights = torch.softmax(attn_scores / self.head_dim**0.5, dim=-1)
        context = (attn_weights @ values).transpose(1, 2).reshape(b, num_tokens, self.d_out)
        return self.out_proj(context)
        ### END SOLUTION


class TransformerBlock(nn.Module):
    """Llama 3's block with Qwen3's attention and RMSNorm eps 1e-6 (standalone-qwen3 §1)."""

    def __init__(self, cfg):
        super().__init__()
        ### BEGIN SOLUTION: create self.att, your Qwen3 GroupedQueryAttention for emb_dim with n_heads, head_dim,
        ### n_kv_groups and qk_norm from cfg, in cfg["dtype"]; self.ff, a FeedForward; self.norm1 and
        ### self.norm2, RMSNorms of emb_dim with eps 1e-6 (standalone-qwen3 §1).
        self.att = GroupedQueryAttention(
            d_in=cfg["emb_dim"],
            num_heads=cfg["n_heads"],
            head_dim=cfg["head_dim"],
            num_kv_groups=cfg["n_kv_groups"],
            qk_norm=cfg["qk_norm"],
            dtype=cfg["dtype"],
        )
        self.ff = FeedForward(cfg)
        self.norm1 = RMSNorm(cfg["emb_dim"], eps=1e-6)
        self.norm2 = RMSNorm(cfg["emb_dim"], eps=1e-6)
        ### END SOLUTION

    def forward(self, x, mask, cos, sin):
        ### BEGIN SOLUTION: as Llama 3's block: x + att(norm1(x), mask, cos, sin), then that plus
        ### ff(norm2(...)); the same shape as x (standalone-qwen3 §1).
        x = x + self.att(self.norm1(x), mask, cos, sin)
        return x + self.ff(self.norm2(x))
        ### END SOLUTION


class Qwen3Model(nn.Module):
    """Llama3Model with Qwen3's blocks, RMSNorm eps 1e-6, its own head_dim and plain RoPE (standalone-qwen3 §1)."""

    def __init__(self, cfg):
        super().__init__()
        ### BEGIN SOLUTION: as Llama3Model: self.tok_emb, self.trf_blocks (an nn.ModuleList of n_layers Qwen3
        ### blocks), self.final_norm (RMSNorm of emb_dim, eps 1e-6), self.out_head, in cfg["dtype"]; the
        ### RoPE tables for cfg["head_dim"] (emb_dim // n_heads when None), rope_base and context_length,
        ### without frequency scaling, as non-persistent buffers self.cos and self.sin; keep cfg
        ### (standalone-qwen3 §1).
        self.tok_emb = nn.Embedding(cfg["vocab_size"], cfg["emb_dim"], dtype=cfg["dtype"])
        self.trf_blocks = nn.ModuleList([TransformerBlock(cfg) for _ in range(cfg["n_layers"])])
        self.final_norm = RMSNorm(cfg["emb_dim"], eps=1e-6)
        self.out_head = nn.Linear(cfg["emb_dim"], cfg["vocab_size"], bias=False, dtype=cfg["dtype"])
        head_dim = cfg["head_dim"] if cfg["head_dim"] is not None else cfg["emb_dim"] // cfg["n_heads"]
        cos, sin = compute_rope_params(head_dim=head_dim, theta_base=cfg["rope_base"],
                                       context_length=cfg["context_length"])
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        self.cfg = cfg
        ### END SOLUTION

    def forward(self, in_idx):
        ### BEGIN SOLUTION: as Llama3Model.forward: in_idx (batch, num_tokens) -> logits (batch, num_tokens,
        ### vocab_size), with one causal mask for every block (standalone-qwen3 §1).
        x = self.tok_emb(in_idx)
        num_tokens = x.shape[1]
        mask = torch.triu(torch.ones(num_tokens, num_tokens, device=x.device, dtype=torch.bool), diagonal=1)
        for block in self.trf_blocks:
            x = block(x, mask, self.cos, self.sin)
        return self.out_head(self.final_norm(x).to(self.cfg["dtype"]))
        ### END SOLUTION
