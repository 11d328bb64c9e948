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
        # TODO: keep num_heads, num_kv_groups, group_size, head_dim (d_in // num_heads when None) and
        #       d_out = num_heads * head_dim. Create, without bias and in dtype: self.W_query (d_in -> d_out),
        #       self.W_key and self.W_value (d_in -> num_kv_groups * head_dim), self.out_proj (d_out -> d_in).
        #       With qk_norm, self.q_norm and self.k_norm are RMSNorms of head_dim with eps 1e-6; without,
        #       both are None (standalone-qwen3 §1).
        raise NotImplementedError('GroupedQueryAttention: not written yet, see the TODO above')

    def forward(self, x, mask, cos, sin):
        # TODO: x is (batch, num_tokens, d_in), mask, cos and sin as in Llama 3's attention; return
        #       (batch, num_tokens, d_in). As Llama 3's grouped-query attention, except that with QK-norm
        #       each query head's and each key head's head_dim-vector is RMS-normalized (q_norm, k_norm)
        #       after the split into heads and before RoPE (standalone-qwen3 §1).
        raise NotImplementedError('GroupedQueryAttention: not written yet, see the TODO above')


class TransformerBlock(nn.Module):
    """Llama 3's block with Qwen3's attention and RMSNorm eps 1e-6 (standalone-qwen3 §1)."""

    def __init__(self, cfg):
        super().__init__()
        # TODO: create self.att, your Qwen3 GroupedQueryAttention for emb_dim with n_heads, head_dim,
        #       n_kv_groups and qk_norm from cfg, in cfg["dtype"]; self.ff, a FeedForward; self.norm1 and
        #       self.norm2, RMSNorms of emb_dim with eps 1e-6 (standalone-qwen3 §1).
        raise NotImplementedError('TransformerBlock: not written yet, see the TODO above')

    def forward(self, x, mask, cos, sin):
        # TODO: as Llama 3's block: x + att(norm1(x), mask, cos, sin), then that plus
        #       ff(norm2(...)); the same shape as x (standalone-qwen3 §1).
        raise NotImplementedError('TransformerBlock: not written yet, see the TODO above')


class Qwen3Model(nn.Module):
    """Llama3Model with Qwen3's blocks, RMSNorm eps 1e-6, its own head_dim and plain RoPE (standalone-qwen3 §1)."""

    def __init__(self, cfg):
        super().__init__()
        # TODO: as Llama3Model: self.tok_emb, self.trf_blocks (an nn.ModuleList of n_layers Qwen3
        #       blocks), self.final_norm (RMSNorm of emb_dim, eps 1e-6), self.out_head, in cfg["dtype"]; the
        #       RoPE tables for cfg["head_dim"] (emb_dim // n_heads when None), rope_base and context_length,
        #       without frequency scaling, as non-persistent buffers self.cos and self.sin; keep cfg
        #       (standalone-qwen3 §1).
        raise NotImplementedError('Qwen3Model: not written yet, see the TODO above')

    def forward(self, in_idx):
        # TODO: as Llama3Model.forward: in_idx (batch, num_tokens) -> logits (batch, num_tokens,
        #       vocab_size), with one causal mask for every block (standalone-qwen3 §1).
        raise NotImplementedError('Qwen3Model: not written yet, see the TODO above')
