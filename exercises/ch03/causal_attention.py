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
        # TODO: register a buffer "mask": ones above the diagonal of a context_length x context_length
        #       square (torch.triu(..., diagonal=1)), zeros on and below it.
        raise NotImplementedError('register a buffer "mask": ones above the diagonal of a context_length x context_length square (torch.triu(..., diagonal=1)), zeros on and below it.')

    def forward(self, x):
        # TODO: scores = queries @ keys.transpose(1, 2); fill the masked entries
        #       (self.mask[:num_tokens, :num_tokens]) with -inf; softmax over the last dim of scores / sqrt(d_k),
        #       d_k = keys.shape[-1]; dropout on the attention weights; return weights @ values.
        raise NotImplementedError('scores = queries @ keys.transpose(1, 2); fill the masked entries (self.mask[:num_tokens, :num_tokens]) with -inf; softmax over the last dim of scores / sqrt(d_k), d_k = keys.shape[-1]; dropout on the attention weights; return weights @ values.')
