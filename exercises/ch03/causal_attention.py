"""Chapter 3.5: causal (masked) self-attention with dropout on the attention weights."""
import torch
import torch.nn as nn


class CausalAttention(nn.Module):
    """Self-attention where each token attends only to itself and the tokens before it (section 3.5.3)."""

    def __init__(self, d_in, d_out, context_length, dropout, qkv_bias=False):
        super().__init__()
        self.d_out = d_out
        self.dropout = nn.Dropout(dropout)
        # TODO: create self.W_query, self.W_key and self.W_value as in SelfAttention_v2 (linear layers
        #       from d_in to d_out features, with a bias only when qkv_bias is True), and register a buffer named
        #       "mask", (context_length, context_length), that marks with 1 each pair (query i, key j) where j comes
        #       after i, and holds 0 elsewhere (sections 3.4.2 and 3.5.3).
        raise NotImplementedError('CausalAttention: not written yet, see the TODO above')

    def forward(self, x):
        # TODO: x is (batch, num_tokens, d_in) with num_tokens <= context_length; return the context
        #       vectors, (batch, num_tokens, d_out): scaled dot-product attention in which no token
        #       attends to a later one, with self.dropout applied to the attention weights
        #       (sections 3.5.1 to 3.5.3).
        raise NotImplementedError('CausalAttention: not written yet, see the TODO above')
