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
        # TODO: register a buffer named "mask", (context_length, context_length), that marks with 1
        #       each pair (query i, key j) where j comes after i, and holds 0 elsewhere
        #       (section 3.5.3).
        raise NotImplementedError('CausalAttention: not written yet, see the TODO above')

    def forward(self, x):
        # TODO: x is (batch, num_tokens, d_in) with num_tokens <= context_length; return the context
        #       vectors, (batch, num_tokens, d_out): scaled dot-product attention in which no token
        #       attends to a later one, with self.dropout applied to the attention weights
        #       (sections 3.5.1 to 3.5.3).
        raise NotImplementedError('CausalAttention: not written yet, see the TODO above')
