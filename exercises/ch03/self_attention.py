"""Chapter 3.4: self-attention with trainable weights — SelfAttention_v1, SelfAttention_v2, exercise 3.1."""
import torch
import torch.nn as nn


class SelfAttention_v1(nn.Module):
    """Scaled dot-product attention with the weight matrices as plain nn.Parameters (section 3.4.2)."""

    def __init__(self, d_in, d_out):
        super().__init__()
        # TODO: create self.W_query, self.W_key and self.W_value: three trainable (d_in, d_out)
        #       matrices that the module registers as parameters, with random starting values
        #       (section 3.4.2).
        raise NotImplementedError('SelfAttention_v1: not written yet, see the TODO above')

    def forward(self, x):
        # TODO: x is (num_tokens, d_in); return the context vectors, (num_tokens, d_out): scaled
        #       dot-product attention of every token to every token, through the three weight
        #       matrices (section 3.4).
        raise NotImplementedError('SelfAttention_v1: not written yet, see the TODO above')


class SelfAttention_v2(nn.Module):
    """The same attention with nn.Linear projections (section 3.4.2)."""

    def __init__(self, d_in, d_out, qkv_bias=False):
        super().__init__()
        # TODO: create self.W_query, self.W_key and self.W_value as linear layers from d_in to d_out
        #       features, with a bias only when qkv_bias is True (section 3.4.2).
        raise NotImplementedError('SelfAttention_v2: not written yet, see the TODO above')

    def forward(self, x):
        # TODO: x is (num_tokens, d_in); return the context vectors, (num_tokens, d_out), computed
        #       as in SelfAttention_v1 but with the three linear layers (section 3.4.2).
        raise NotImplementedError('SelfAttention_v2: not written yet, see the TODO above')


def transfer_weights(sa_v2, sa_v1):
    """Exercise 3.1: give sa_v1 the weights of sa_v2 (a SelfAttention_v2 without bias) so that both compute
    the same output for any input. Changes sa_v1 in place and returns it."""
    # TODO: set the values of sa_v1's parameters W_query, W_key and W_value from sa_v2's layers of
    #       the same names so that sa_v1(x) equals sa_v2(x) for any x; hand back sa_v1
    #       (exercise 3.1, section 3.4.2).
    raise NotImplementedError('transfer_weights: not written yet, see the TODO above')
