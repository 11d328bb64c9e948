"""Chapter 3.5: causal (masked) self-attention with dropout on the attention weights."""
import torch
import torch.nn as nn


class CausalAttention(nn.Module):
    """Self-attention where each token attends only to itself and the tokens before it (section 3.5.3)."""

    def __init__(self, d_in, d_out, context_length, dropout, qkv_bias=False):
        super().__init__()
        self.d_out = d_out
        self.dropout = nn.Dropout(dropout)
        ### BEGIN SOLUTION: create self.W_query, self.W_key and self.W_value as in SelfAttention_v2 (linear layers
        ### from d_in to d_out features, with a bias only when qkv_bias is True), and register a buffer named
        ### "mask", (context_length, context_length), that marks with 1 each pair (query i, key j) where j comes
        ### after i, and holds 0 elsewhere (sections 3.4.2 and 3.5.3).
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), diagonal=1))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: x is (batch, num_tokens, d_in) with num_tokens <= context_length; return the context
        ### vectors, (batch, num_tokens, d_out): scaled dot-product attention in which no token
        ### attends to a later one, with self.dropout applied to the attention weights
        ### (sections 3.5.1 to 3.5.3).
        b, num_tokens, d_in = x.shape
        keys = self.W_key(x)
        queries = self.W_query(x)
        values = self.W_value(x)
        attn_scores = queries @ keys.transpose(1, 2)
        attn_scores.masked_fill_(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)
        attn_weights = torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1)
        attn_weights = self.dropout(attn_weights)
        return attn_weights @ values
        ### END SOLUTION
