"""Exercise 4.3: GPTModel with separate dropout rates for embeddings, attention and shortcuts.

The config has three keys in place of drop_rate: drop_rate_emb (after the embeddings),
drop_rate_attn (on the attention weights) and drop_rate_shortcut (before each shortcut addition).
Module names are those of gpt.GPTModel, so the same weights load into either."""
import torch
import torch.nn as nn

from ..ch03.multihead_attention import MultiHeadAttention
from .gpt import FeedForward, LayerNorm

GPT_CONFIG_124M_DROPOUTS = {
    "vocab_size": 50257,
    "context_length": 1024,
    "emb_dim": 768,
    "n_heads": 12,
    "n_layers": 12,
    "drop_rate_emb": 0.1,
    "drop_rate_attn": 0.1,
    "drop_rate_shortcut": 0.1,
    "qkv_bias": False,
}


class TransformerBlock(nn.Module):
    """gpt.TransformerBlock with cfg["drop_rate_attn"] in the attention, cfg["drop_rate_shortcut"] on the shortcuts."""

    def __init__(self, cfg):
        super().__init__()
        # TODO: create the parts of gpt.TransformerBlock under the same names, with the attention
        #       weights dropped at cfg["drop_rate_attn"] and the shortcut paths at
        #       cfg["drop_rate_shortcut"] (exercise 4.3).
        raise NotImplementedError('TransformerBlock: not written yet, see the TODO above')

    def forward(self, x):
        # TODO: x is (batch, num_tokens, emb_dim); return what gpt.TransformerBlock returns.
        raise NotImplementedError('TransformerBlock: not written yet, see the TODO above')


class GPTModel(nn.Module):
    """gpt.GPTModel built from this module's TransformerBlock, with cfg["drop_rate_emb"] after the embeddings."""

    def __init__(self, cfg):
        super().__init__()
        # TODO: create the parts of gpt.GPTModel under the same names and in the same order, with
        #       this module's TransformerBlock and the embeddings dropped at cfg["drop_rate_emb"]
        #       (exercise 4.3).
        raise NotImplementedError('GPTModel: not written yet, see the TODO above')

    def forward(self, in_idx):
        # TODO: in_idx is (batch, seq_len) token ids; return the logits as gpt.GPTModel does,
        #       (batch, seq_len, vocab_size).
        raise NotImplementedError('GPTModel: not written yet, see the TODO above')
