"""Chapter 3.4: self-attention with trainable weights — SelfAttention_v1, SelfAttention_v2, exercise 3.1."""
import torch
import torch.nn as nn


class SelfAttention_v1(nn.Module):
    """Scaled dot-product attention with the weight matrices as plain nn.Parameters (section 3.4.2)."""

    def __init__(self, d_in, d_out):
        super().__init__()
        ### BEGIN SOLUTION: create self.W_query, self.W_key and self.W_value: three trainable (d_in, d_out)
        ### matrices that the module registers as parameters, with random starting values
        ### (section 3.4.2).
        self.W_query = nn.Parameter(torch.rand(d_in, d_out))
        self.W_key = nn.Parameter(torch.rand(d_in, d_out))
        self.W_value = nn.Parameter(torch.rand(d_in, d_out))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: x is (num_tokens, d_in); return the context vectors, (num_tokens, d_out): scaled
        ### dot-product attention of every token to every token, through the three weight
        ### matrices (section 3.4).
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
        ### BEGIN SOLUTION: create self.W_query, self.W_key and self.W_value as linear layers from d_in to d_out
        ### features, with a bias only when qkv_bias is True (section 3.4.2).
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: x is (num_tokens, d_in); return the context vectors, (num_tokens, d_out), computed
        ### as in SelfAttention_v1 but with the three linear layers (section 3.4.2).
        keys = self.W_key(x)
        queries = self.W_query(x)
        values = self.W_value(x)
        attn_scores = queries @ keys.T
        attn_weights = torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1)
        return attn_weights @ values
        ### END SOLUTION


def transfer_weights(sa_v2, sa_v1):
    """Exercise 3.1: give sa_v1 the weights of sa_v2 (a SelfAttention_v2 without bias) so that both compute
    the same output for any input. Changes sa_v1 in place and returns it."""
    ### BEGIN SOLUTION: set the values of sa_v1's parameters W_query, W_key and W_value from sa_v2's layers of
    ### the same names so that sa_v1(x) equals sa_v2(x) for any x; hand back sa_v1
    ### (exercise 3.1, section 3.4.2).
    with torch.no_grad():
        sa_v1.W_query.copy_(sa_v2.W_query.weight.T)
        sa_v1.W_key.copy_(sa_v2.W_key.weight.T)
        sa_v1.W_value.copy_(sa_v2.W_value.weight.T)
    return sa_v1
    ### END SOLUTION
