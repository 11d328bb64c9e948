"""Chapter 4.1–4.7: the GPT-2 configuration, its building blocks, GPTModel and greedy generation."""
import torch
import torch.nn as nn

from ..ch03.multihead_attention import MultiHeadAttention


def gpt_config_124m():
    """The configuration of the smallest GPT-2, 124M parameters (section 4.1), as a new dict.

    Import it as GPT_CONFIG_124M, like the book: `from exercises.ch04.gpt import GPT_CONFIG_124M`."""
    # TODO: return the book's GPT_CONFIG_124M dict (section 4.1).
    #       Its keys: vocab_size, context_length, emb_dim, n_heads, n_layers, drop_rate, qkv_bias.
    raise NotImplementedError("return the book's GPT_CONFIG_124M dict (section 4.1). Its keys: vocab_size, context_length, emb_dim, n_heads, n_layers, drop_rate, qkv_bias.")


def __getattr__(name):
    # GPT_CONFIG_124M is built when first used, so this module imports while the function is a stub.
    if name == "GPT_CONFIG_124M":
        return gpt_config_124m()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class LayerNorm(nn.Module):
    """Normalize the last dimension to mean 0 and variance 1, then scale and shift (section 4.2)."""

    def __init__(self, emb_dim):
        super().__init__()
        # TODO: set self.eps = 1e-5, self.scale (ones) and self.shift (zeros).
        #       scale and shift are trainable nn.Parameter vectors of size emb_dim.
        raise NotImplementedError('set self.eps = 1e-5, self.scale (ones) and self.shift (zeros). scale and shift are trainable nn.Parameter vectors of size emb_dim.')

    def forward(self, x):
        # TODO: normalize over the last dimension, then return scale * normalized + shift.
        #       (x - mean) / sqrt(var + eps), with the biased variance (unbiased=False).
        raise NotImplementedError('normalize over the last dimension, then return scale * normalized + shift. (x - mean) / sqrt(var + eps), with the biased variance (unbiased=False).')


class GELU(nn.Module):
    """The GELU activation in GPT-2's tanh approximation (section 4.3)."""

    def forward(self, x):
        # TODO: return 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3))).
        raise NotImplementedError('return 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3))).')


class FeedForward(nn.Module):
    """Expand to 4 * emb_dim, apply GELU, project back to emb_dim (section 4.3)."""

    def __init__(self, cfg):
        super().__init__()
        # TODO: self.layers = nn.Sequential of Linear(d, 4 * d), GELU(), Linear(4 * d, d).
        #       d is cfg["emb_dim"].
        raise NotImplementedError('self.layers = nn.Sequential of Linear(d, 4 * d), GELU(), Linear(4 * d, d). d is cfg["emb_dim"].')

    def forward(self, x):
        # TODO: run x through self.layers.
        raise NotImplementedError('run x through self.layers.')


class TransformerBlock(nn.Module):
    """Pre-LayerNorm attention and feed-forward, each wrapped in a shortcut connection (section 4.5)."""

    def __init__(self, cfg):
        super().__init__()
        # TODO: create self.att, self.ff, self.norm1, self.norm2 and self.drop_shortcut.
        #       att: your chapter-3 MultiHeadAttention with d_in = d_out = emb_dim, context_length,
        #       dropout = drop_rate, num_heads = n_heads and qkv_bias; ff: FeedForward(cfg);
        #       norm1, norm2: LayerNorm(emb_dim); drop_shortcut: nn.Dropout(drop_rate).
        raise NotImplementedError('create self.att, self.ff, self.norm1, self.norm2 and self.drop_shortcut. att: your chapter-3 MultiHeadAttention with d_in = d_out = emb_dim, context_length, dropout = drop_rate, num_heads = n_heads and qkv_bias; ff: FeedForward(cfg); norm1, norm2: LayerNorm(emb_dim); drop_shortcut: nn.Dropout(drop_rate).')

    def forward(self, x):
        # TODO: x = x + drop_shortcut(att(norm1(x))), then x = x + drop_shortcut(ff(norm2(x))).
        raise NotImplementedError('x = x + drop_shortcut(att(norm1(x))), then x = x + drop_shortcut(ff(norm2(x))).')


class GPTModel(nn.Module):
    """Token and position embeddings, n_layers transformer blocks, a final norm and the output head (4.6)."""

    def __init__(self, cfg):
        super().__init__()
        # TODO: create tok_emb, pos_emb, drop_emb, trf_blocks, final_norm and out_head, in this order.
        #       tok_emb: Embedding(vocab_size, emb_dim); pos_emb: Embedding(context_length, emb_dim);
        #       trf_blocks: nn.Sequential of n_layers TransformerBlocks; final_norm: LayerNorm;
        #       out_head: Linear(emb_dim, vocab_size, bias=False).
        raise NotImplementedError('create tok_emb, pos_emb, drop_emb, trf_blocks, final_norm and out_head, in this order. tok_emb: Embedding(vocab_size, emb_dim); pos_emb: Embedding(context_length, emb_dim); trf_blocks: nn.Sequential of n_layers TransformerBlocks; final_norm: LayerNorm; out_head: Linear(emb_dim, vocab_size, bias=False).')

    def forward(self, in_idx):
        # TODO: return the logits, (batch, seq_len, vocab_size).
        #       x = tok_emb(in_idx) + pos_emb(torch.arange(seq_len)); then drop_emb, trf_blocks,
        #       final_norm and out_head.
        raise NotImplementedError('return the logits, (batch, seq_len, vocab_size). x = tok_emb(in_idx) + pos_emb(torch.arange(seq_len)); then drop_emb, trf_blocks, final_norm and out_head.')


def generate_text_simple(model, idx, max_new_tokens, context_size):
    """Append max_new_tokens greedily chosen tokens to idx, (batch, n_tokens) -> (batch, n_tokens + max_new_tokens)."""
    # TODO: append max_new_tokens tokens, each the argmax of the model's last position.
    #       Each step: crop idx to its last context_size tokens, get the logits under torch.no_grad(),
    #       keep the last position, take the argmax over the vocabulary (dim=-1, keepdim=True) and
    #       append it with torch.cat(..., dim=1).
    raise NotImplementedError("append max_new_tokens tokens, each the argmax of the model's last position. Each step: crop idx to its last context_size tokens, get the logits under torch.no_grad(), keep the last position, take the argmax over the vocabulary (dim=-1, keepdim=True) and append it with torch.cat(..., dim=1).")
