"""Chapter 3.4: self-attention with trainable weights — SelfAttention_v1, SelfAttention_v2, exercise 3.1."""
import torch
import torch.nn as nn


class SelfAttention_v1(nn.Module):
    """Scaled dot-product attention with the weight matrices as plain nn.Parameters (section 3.4.2)."""

    def __init__(self, d_in, d_out):
        super().__init__()
        ### BEGIN SOLUTION: three trainable (d_in, d_out) matrices, self.W_query, self.W_key and self.W_value:
        ### nn.Parameter(torch.rand(d_in, d_out)).
        self.W_query = nn.Parameter(torch.rand(d_in, d_out))
        self.W_key = nn.Parameter(torch.rand(d_in, d_out))
        self.W_value = nn.Parameter(torch.rand(d_in, d_out))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: keys, queries, values = x @ W; scores = queries @ keys.T; softmax over the
        ### last dim of scores / sqrt(d_k), d_k = keys.shape[-1]; return weights @ values.
        keys = x @ self.W_key
        queries = x @ self.W_query
        values = x @ self.W_value
        attn_scores = queries @ keys.T
        attn_weights = torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1)
        return attn_weights @ values
        ### END SOLUTION


class SelfAttention_v2(nn.Module):
    """The same attention with nn.Linear projections (section 3.4.2)."""

    def __init__(self, d_in, d_out, qkv_bias=False):
        super().__init__()
        ### BEGIN SOLUTION: three nn.Linear(d_in, d_out, bias=qkv_bias) layers: self.W_query, self.W_key, self.W_value.
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: as in v1, with keys = self.W_key(x) and so on.
        keys = self.W_key(x)
        queries = self.W_query(x)
        values = self.W_value(x)
        attn_scores = queries @ keys.T
        attn_weights = torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1)
        return attn_weights @ values
        ### END SOLUTION


def transfer_weights(sa_v2, sa_v1):
    """Exercise 3.1: copy sa_v2's three Linear weights into sa_v1's parameters so both give the same output.

    nn.Linear stores its weight as (d_out, d_in) and computes x @ weight.T; v1 computes x @ W
    with W of shape (d_in, d_out). Changes sa_v1 in place and returns it."""
    ### BEGIN SOLUTION: without tracking gradients, copy each W_*.weight of sa_v2, transposed, into the
    ### parameter of sa_v1 with the same name.
    with torch.no_grad():
        sa_v1.W_query.copy_(sa_v2.W_query.weight.T)
        sa_v1.W_key.copy_(sa_v2.W_key.weight.T)
        sa_v1.W_value.copy_(sa_v2.W_value.weight.T)
    return sa_v1
    ### END SOLUTION
