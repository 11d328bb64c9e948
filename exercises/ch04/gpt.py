"""Chapter 4.1–4.7: the GPT-2 configuration, its building blocks, GPTModel and greedy generation."""
import torch
import torch.nn as nn

from ..ch03.multihead_attention import MultiHeadAttention


# TODO: replace each `...` with the value of the smallest GPT-2 (124M parameters) from section 4.1:
#       ints for the sizes, a float for the dropout rate, a bool for qkv_bias. Keep the keys:
#       chapters 4 to 7 read them.
GPT_CONFIG_124M = {
    "vocab_size": ...,      # tokens in GPT-2's BPE vocabulary
    "context_length": ...,  # the most tokens the model reads at once
    "emb_dim": ...,         # size of each token's vector
    "n_heads": ...,         # attention heads in each block
    "n_layers": ...,        # transformer blocks
    "drop_rate": ...,       # fraction of values dropout zeroes in training
    "qkv_bias": ...,        # whether the query, key and value layers have a bias
}


class LayerNorm(nn.Module):
    """Normalize the last dimension to mean 0 and variance 1, then scale and shift (section 4.2)."""

    def __init__(self, emb_dim):
        super().__init__()
        # TODO: create self.eps, the small constant 1e-5 that keeps the division safe, and the
        #       trainable vectors self.scale and self.shift of size emb_dim, which start as the
        #       identity: scale 1, shift 0 (section 4.2).
        raise NotImplementedError('LayerNorm: not written yet, see the TODO above')

    def forward(self, x):
        # TODO: x is (..., emb_dim); return a tensor of the same shape: each vector along the last
        #       dimension normalized to mean 0 and variance 1 (the variance that divides by n, with
        #       self.eps added to it), then multiplied by self.scale and shifted by self.shift
        #       (section 4.2).
        raise NotImplementedError('LayerNorm: not written yet, see the TODO above')


class GELU(nn.Module):
    """The GELU activation in GPT-2's tanh approximation (section 4.3)."""

    def forward(self, x):
        # TODO: return GELU(x) elementwise, a tensor of x's shape, using the tanh approximation
        #       GPT-2 was trained with, not the exact form with erf (section 4.3).
        raise NotImplementedError('GELU: not written yet, see the TODO above')


class FeedForward(nn.Module):
    """Expand to 4 * emb_dim, apply GELU, project back to emb_dim (section 4.3)."""

    def __init__(self, cfg):
        super().__init__()
        # TODO: create self.layers, the network of the docstring as one nn.Sequential: a linear
        #       layer from cfg["emb_dim"] to four times as many features, your GELU, and a linear
        #       layer back (section 4.3).
        raise NotImplementedError('FeedForward: not written yet, see the TODO above')

    def forward(self, x):
        # TODO: x is (batch, num_tokens, emb_dim); return self.layers' output, the same shape.
        raise NotImplementedError('FeedForward: not written yet, see the TODO above')


class TransformerBlock(nn.Module):
    """Pre-LayerNorm attention and feed-forward, each wrapped in a shortcut connection (section 4.5)."""

    def __init__(self, cfg):
        super().__init__()
        # TODO: create the block's parts under the book's names, which chapter 5 loads weights by:
        #       self.att, your MultiHeadAttention from emb_dim to emb_dim set up by cfg; self.ff, a
        #       FeedForward; self.norm1 and self.norm2, two LayerNorms; self.drop_shortcut, dropout
        #       of cfg["drop_rate"] (section 4.5).
        raise NotImplementedError('TransformerBlock: not written yet, see the TODO above')

    def forward(self, x):
        # TODO: x is (batch, num_tokens, emb_dim); return the same shape: two pre-LayerNorm
        #       sublayers, attention (after norm1) then feed-forward (after norm2), each sublayer's
        #       output passed through self.drop_shortcut and wrapped in a shortcut connection
        #       (section 4.5).
        raise NotImplementedError('TransformerBlock: not written yet, see the TODO above')


class GPTModel(nn.Module):
    """Embeddings, n_layers transformer blocks, a final norm and the output head (section 4.6)."""

    def __init__(self, cfg):
        super().__init__()
        # TODO: create, in this order: self.tok_emb and self.pos_emb (token and position
        #       embeddings), self.drop_emb (dropout), self.trf_blocks (n_layers TransformerBlocks
        #       run one after the other), self.final_norm (a LayerNorm) and self.out_head (emb_dim
        #       -> vocab_size, no bias) (section 4.6).
        raise NotImplementedError('GPTModel: not written yet, see the TODO above')

    def forward(self, in_idx):
        # TODO: in_idx is (batch, seq_len) token ids, seq_len <= context_length; return the logits,
        #       (batch, seq_len, vocab_size): the input embeddings of chapter 2 through the modules
        #       above, in the order they were created (section 4.6).
        raise NotImplementedError('GPTModel: not written yet, see the TODO above')


def generate_text_simple(model, idx, max_new_tokens, context_size):
    """Append max_new_tokens greedily chosen tokens to idx, (batch, n_tokens) -> (batch, n_tokens + max_new_tokens)."""
    # TODO: return the ids of idx with max_new_tokens more appended to each row, chosen one at a
    #       time: each the id the model scores highest for the next position, given at most the last
    #       context_size ids. Compute no gradients (section 4.7).
    raise NotImplementedError('generate_text_simple: not written yet, see the TODO above')
