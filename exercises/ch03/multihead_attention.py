"""Chapter 3.6: multi-head attention — a wrapper of causal heads, then one module that splits heads."""
import torch
import torch.nn as nn

from .causal_attention import CausalAttention


class MultiHeadAttentionWrapper(nn.Module):
    """num_heads CausalAttention heads side by side, outputs concatenated (section 3.6.1)."""

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        # TODO: create self.heads: num_heads separate CausalAttention heads, each d_in -> d_out with
        #       these context_length, dropout and qkv_bias, registered as submodules
        #       (section 3.6.1).
        raise NotImplementedError('MultiHeadAttentionWrapper: not written yet, see the TODO above')

    def forward(self, x):
        # TODO: x is (batch, num_tokens, d_in); return (batch, num_tokens, num_heads * d_out): the
        #       outputs of all heads side by side, the first head's d_out features first
        #       (section 3.6.1).
        raise NotImplementedError('MultiHeadAttentionWrapper: not written yet, see the TODO above')


def two_dimensional_wrapper(d_in, context_length, dropout=0.0):
    """Exercise 3.2: a MultiHeadAttentionWrapper with num_heads=2 whose context vectors have 2 dimensions.

    For the book's batch (2 copies of the 6 x 3 input) its output has shape [2, 6, 2]."""
    # TODO: return a MultiHeadAttentionWrapper for inputs of d_in features with num_heads=2 whose
    #       output has 2 features per token (exercise 3.2, section 3.6.1).
    raise NotImplementedError('two_dimensional_wrapper: not written yet, see the TODO above')


class MultiHeadAttention(nn.Module):
    """Causal multi-head attention with the heads split out of one projection (section 3.6.2)."""

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        assert d_out % num_heads == 0, "d_out must be divisible by num_heads"
        self.d_out = d_out
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads
        self.dropout = nn.Dropout(dropout)
        # TODO: create the projections self.W_query, self.W_key and self.W_value (d_in to d_out, with a
        #       bias only when qkv_bias is True) and self.out_proj (d_out to d_out, with a bias), and register the
        #       causal "mask" buffer as CausalAttention does (section 3.6.2).
        raise NotImplementedError('MultiHeadAttention: not written yet, see the TODO above')

    def forward(self, x):
        # TODO: x is (batch, num_tokens, d_in); return (batch, num_tokens, d_out): causal attention
        #       run by num_heads heads, each on its own head_dim slice of the projected queries,
        #       keys and values, the heads' outputs merged back in order and passed through
        #       self.out_proj (section 3.6.2).
        raise NotImplementedError('MultiHeadAttention: not written yet, see the TODO above')


def gpt2_sized_attention():
    """Exercise 3.3: a MultiHeadAttention the size of GPT-2 small's (768 -> 768, 12 heads, 1024 tokens,
    no dropout, qkv_bias=False)."""
    # TODO: return a new MultiHeadAttention with the sizes of the docstring (exercise 3.3).
    raise NotImplementedError('gpt2_sized_attention: not written yet, see the TODO above')


def count_parameters(model):
    """The number of trainable numbers (elements) in all of `model`'s parameters."""
    # TODO: return the total number of values (an int) in all of model's parameters; buffers such as
    #       the causal mask are not parameters (section 3.6.2).
    raise NotImplementedError('count_parameters: not written yet, see the TODO above')
