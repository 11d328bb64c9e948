"""Chapter 3.6: multi-head attention — a wrapper of causal heads, then one module that splits heads."""
import torch
import torch.nn as nn

from .causal_attention import CausalAttention


class MultiHeadAttentionWrapper(nn.Module):
    """num_heads CausalAttention heads side by side, outputs concatenated (section 3.6.1)."""

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        ### BEGIN SOLUTION: create self.heads: num_heads separate CausalAttention heads, each d_in -> d_out with
        ### these context_length, dropout and qkv_bias, registered as submodules
        ### (section 3.6.1).
        self.heads = nn.ModuleList(
            [CausalAttention(d_in, d_out, context_length, dropout, qkv_bias) for _ in range(num_heads)]
        )
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: x is (batch, num_tokens, d_in); return (batch, num_tokens, num_heads * d_out): the
        ### outputs of all heads side by side, the first head's d_out features first
        ### (section 3.6.1).
        return torch.cat([head(x) for head in self.heads], dim=-1)
        ### END SOLUTION


def two_dimensional_wrapper(d_in, context_length, dropout=0.0):
    """Exercise 3.2: a MultiHeadAttentionWrapper with num_heads=2 whose context vectors have 2 dimensions.

    For the book's batch (2 copies of the 6 x 3 input) its output has shape [2, 6, 2]."""
    ### BEGIN SOLUTION: return a MultiHeadAttentionWrapper for inputs of d_in features with num_heads=2 whose
    ### output has 2 features per token (exercise 3.2, section 3.6.1).
    return MultiHeadAttentionWrapper(d_in, 1, context_length, dropout, num_heads=2)
    ### END SOLUTION


class MultiHeadAttention(nn.Module):
    """Causal multi-head attention with the heads split out of one projection (section 3.6.2)."""

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        assert d_out % num_heads == 0, "d_out must be divisible by num_heads"
        self.d_out = d_out
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads
        self.dropout = nn.Dropout(dropout)
        ### BEGIN SOLUTION: create the projections self.W_query, self.W_key and self.W_value (d_in to d_out, with a
        ### bias only when qkv_bias is True) and self.out_proj (d_out to d_out, with a bias), and register the
        ### causal "mask" buffer as CausalAttention does (section 3.6.2).
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), diagonal=1))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: x is (batch, num_tokens, d_in); return (batch, num_tokens, d_out): causal attention
        ### run by num_heads heads, each on its own head_dim slice of the projected queries,
        ### keys and values, the heads' outputs merged back in order and passed through
        ### self.out_proj (section 3.6.2).
        b, num_tokens, d_in = x.shape
        keys = self.W_key(x)
        queries = self.W_query(x)
        values = self.W_value(x)
        keys = keys.view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        queries = queries.view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        values = values.view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        attn_scores = queries @ keys.transpose(2, 3)  # (b, num_heads, num_tokens, num_tokens)
        attn_scores.masked_fill_(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)
        attn_weights = torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1)
        attn_weights = self.dropout(attn_weights)
        context_vec = (attn_weights @ values).transpose(1, 2)  # (b, num_tokens, num_heads, head_dim)
        context_vec = context_vec.contiguous().view(b, num_tokens, self.d_out)
        return self.out_proj(context_vec)
        ### END SOLUTION


def gpt2_sized_attention():
    """Exercise 3.3: a MultiHeadAttention the size of GPT-2 small's (768 -> 768, 12 heads, 1024 tokens,
    no dropout, qkv_bias=False)."""
    ### BEGIN SOLUTION: return a new MultiHeadAttention with the sizes of the docstring (exercise 3.3).
    return MultiHeadAttention(768, 768, context_length=1024, dropout=0.0, num_heads=12)
    ### END SOLUTION


def count_parameters(model):
    """The number of trainable numbers (elements) in all of `model`'s parameters."""
    ### BEGIN SOLUTION: return the total number of values (an int) in all of model's parameters; buffers such as
    ### the causal mask are not parameters (section 3.6.2).
    return sum(p.numel() for p in model.parameters())
    ### END SOLUTION
