"""Chapter 3.6: multi-head attention — a wrapper of causal heads, then one module that splits heads."""
import torch
import torch.nn as nn

from .causal_attention import CausalAttention


class MultiHeadAttentionWrapper(nn.Module):
    """num_heads CausalAttention heads side by side, outputs concatenated (section 3.6.1)."""

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        # TODO: self.heads = an nn.ModuleList of num_heads
        #       CausalAttention(d_in, d_out, context_length, dropout, qkv_bias) modules.
        raise NotImplementedError('self.heads = an nn.ModuleList of num_heads CausalAttention(d_in, d_out, context_length, dropout, qkv_bias) modules.')

    def forward(self, x):
        # TODO: run every head on x and concatenate the outputs on the last dimension.
        raise NotImplementedError('run every head on x and concatenate the outputs on the last dimension.')


def two_dimensional_wrapper(d_in, context_length, dropout=0.0):
    """Exercise 3.2: a MultiHeadAttentionWrapper with num_heads=2 whose context vectors have 2 dimensions.

    For the book's batch (2 copies of the 6 x 3 input) its output has shape [2, 6, 2]."""
    # TODO: keep num_heads=2 and choose d_out so the concatenated output has 2 dimensions.
    raise NotImplementedError('keep num_heads=2 and choose d_out so the concatenated output has 2 dimensions.')


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
        # TODO: project x to keys, queries and values; split each into heads with
        #       .view(b, num_tokens, num_heads, head_dim).transpose(1, 2); causal-masked, scaled (by sqrt(head_dim))
        #       softmax attention per head with dropout on the weights; transpose back, merge the heads with
        #       .contiguous().view(b, num_tokens, d_out), and apply self.out_proj.
        raise NotImplementedError('project x to keys, queries and values; split each into heads with .view(b, num_tokens, num_heads, head_dim).transpose(1, 2); causal-masked, scaled (by sqrt(head_dim)) softmax attention per head with dropout on the weights; transpose back, merge the heads with .contiguous().view(b, num_tokens, d_out), and apply self.out_proj.')


def gpt2_sized_attention():
    """Exercise 3.3: a MultiHeadAttention the size of GPT-2 small's (768 -> 768, 12 heads, 1024 tokens,
    no dropout, qkv_bias=False)."""
    # TODO: construct MultiHeadAttention with GPT-2 small's sizes.
    raise NotImplementedError("construct MultiHeadAttention with GPT-2 small's sizes.")


def count_parameters(model):
    """The number of trainable numbers (elements) in all of `model`'s parameters."""
    # TODO: add up p.numel() over model.parameters().
    raise NotImplementedError('add up p.numel() over model.parameters().')
