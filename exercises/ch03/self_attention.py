"""Chapter 3.4: self-attention with trainable weights — SelfAttention_v1, SelfAttention_v2, exercise 3.1."""
import torch
import torch.nn as nn


class SelfAttention_v1(nn.Module):
    """Scaled dot-product attention with the weight matrices as plain nn.Parameters (section 3.4.2)."""

    def __init__(self, d_in, d_out):
        super().__init__()
        # TODO: three trainable (d_in, d_out) matrices, self.W_query, self.W_key and self.W_value:
        #       nn.Parameter(torch.rand(d_in, d_out)).
        raise NotImplementedError('three trainable (d_in, d_out) matrices, self.W_query, self.W_key and self.W_value: nn.Parameter(torch.rand(d_in, d_out)).')

    def forward(self, x):
        # TODO: keys, queries, values = x @ W; scores = queries @ keys.T; softmax over the
        #       last dim of scores / sqrt(d_k), d_k = keys.shape[-1]; return weights @ values.
        raise NotImplementedError('keys, queries, values = x @ W; scores = queries @ keys.T; softmax over the last dim of scores / sqrt(d_k), d_k = keys.shape[-1]; return weights @ values.')


class SelfAttention_v2(nn.Module):
    """The same attention with nn.Linear projections (section 3.4.2)."""

    def __init__(self, d_in, d_out, qkv_bias=False):
        super().__init__()
        # TODO: three nn.Linear(d_in, d_out, bias=qkv_bias) layers: self.W_query, self.W_key, self.W_value.
        raise NotImplementedError('three nn.Linear(d_in, d_out, bias=qkv_bias) layers: self.W_query, self.W_key, self.W_value.')

    def forward(self, x):
        # TODO: as in v1, with keys = self.W_key(x) and so on.
        raise NotImplementedError('as in v1, with keys = self.W_key(x) and so on.')


def transfer_weights(sa_v2, sa_v1):
    """Exercise 3.1: copy sa_v2's three Linear weights into sa_v1's parameters so both give the same output.

    nn.Linear stores its weight as (d_out, d_in) and computes x @ weight.T; v1 computes x @ W
    with W of shape (d_in, d_out). Changes sa_v1 in place and returns it."""
    # TODO: without tracking gradients, copy each W_*.weight of sa_v2, transposed, into the
    #       parameter of sa_v1 with the same name.
    raise NotImplementedError('without tracking gradients, copy each W_*.weight of sa_v2, transposed, into the parameter of sa_v1 with the same name.')
