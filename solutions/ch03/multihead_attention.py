"""Chapter 3.6: multi-head attention — a wrapper of causal heads, then one module that splits heads."""
import torch
import torch.nn as nn

from .causal_attention import CausalAttention


class MultiHeadAttentionWrapper(nn.Module):
    """num_heads CausalAttention heads side by side, outputs concatenated (section 3.6.1)."""

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        ### BEGIN SOLUTION: self.heads = an nn.ModuleList of num_heads
        ### CausalAttention(d_in, d_out, context_length, dropout, qkv_bias) modules.
        self.heads = nn.ModuleList(
            [CausalAttention(d_in, d_out, context_length, dropout, qkv_bias) for _ in range(num_heads)]
        )
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: run every head on x and concatenate the outputs on the last dimension.
        return torch.cat([head(x) for head in self.heads], dim=-1)
        ### END SOLUTION


def two_dimensional_wrapper(d_in, context_length, dropout=0.0):
    """Exercise 3.2: a MultiHeadAttentionWrapper with num_heads=2 whose context vectors have 2 dimensions.

    For the book's batch (2 copies of the 6 x 3 input) its output has shape [2, 6, 2]."""
    ### BEGIN SOLUTION: keep num_heads=2 and choose d_out so the concatenated output has 2 dimensions.
    return MultiHeadAttentionWrapper(d_in, 1, context_length, dropout, num_heads=2)
    ### END SOLUTION


class MultiHeadAttention(nn.Module):
    """Causal multi-head attention with the heads split out of one projection (section 3.6.2)."""

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        assert d_out % num_heads == 0, "d_out must be divisible by num_heads"
        self.d_out = d_out
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), diagonal=1))

    def forward(self, x):
        ### BEGIN SOLUTION: project x to keys, queries and values; split each into heads with
        ### .view(b, num_tokens, num_heads, head_dim).transpose(1, 2); causal-masked, scaled (by sqrt(head_dim))
        ### softmax attention per head with dropout on the weights; transpose back, merge the heads with
        ### .contiguous().view(b, num_tokens, d_out), and apply self.out_proj.
        b, num_tokens, d_in = x.shape
        keys = self.W_key(x)
        queries = self.W_query(x)
        values = self.W_value(x)
        keys = keys.view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        queries = queries.view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        values = values.view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        attn_scores = queries @ keys.transpose(2, 3)  # (b, num_heads, num_tokens, num_tokens)
        attn_scores.masked_fill_(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)
        attn_weights = torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1)
        attn_weights = self.dropout(attn_weights)
        context_vec = (attn_weights @ values).transpose(1, 2)  # (b, num_tokens, num_heads, head_dim)
        context_vec = context_vec.contiguous().view(b, num_tokens, self.d_out)
        return self.out_proj(context_vec)
        ### END SOLUTION


def gpt2_sized_attention():
    """Exercise 3.3: a MultiHeadAttention the size of GPT-2 small's (768 -> 768, 12 heads, 1024 tokens,
    no dropout, qkv_bias=False)."""
    ### BEGIN SOLUTION: construct MultiHeadAttention with GPT-2 small's sizes.
    return MultiHeadAttention(768, 768, context_length=1024, dropout=0.0, num_heads=12)
    ### END SOLUTION


def count_parameters(model):
    """The number of trainable numbers (elements) in all of `model`'s parameters."""
    ### BEGIN SOLUTION: add up p.numel() over model.parameters().
    return sum(p.numel() for p in model.parameters())
    ### END SOLUTION
