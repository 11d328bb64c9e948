"""Chapter 3.5: causal (masked) self-attention with dropout on the attention weights."""
import torch
import torch.nn as nn


class CausalAttention(nn.Module):
    """Self-attention where each token attends only to itself and the tokens before it (section 3.5.3)."""

    def __init__(self, d_in, d_out, context_length, dropout, qkv_bias=False):
        super().__init__()
        self.d_out = d_out
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.dropout = nn.Dropout(dropout)
        ### BEGIN SOLUTION: register a buffer "mask": ones above the diagonal of a context_length x context_length
        ### square (torch.triu(..., diagonal=1)), zeros on and below it.
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), diagonal=1))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: scores = queries @ keys.transpose(1, 2); fill the masked entries
        ### (self.mask[:num_tokens, :num_tokens]) with -inf; softmax over the last dim of scores / sqrt(d_k),
        ### d_k = keys.shape[-1]; dropout on the attention weights; return weights @ values.
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
