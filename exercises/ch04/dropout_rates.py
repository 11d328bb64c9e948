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
        # TODO: build the block as in gpt.TransformerBlock, with the two new dropout rates.
        #       MultiHeadAttention's dropout is cfg["drop_rate_attn"], drop_shortcut's is cfg["drop_rate_shortcut"].
        raise NotImplementedError('build the block as in gpt.TransformerBlock, with the two new dropout rates. MultiHeadAttention\'s dropout is cfg["drop_rate_attn"], drop_shortcut\'s is cfg["drop_rate_shortcut"].')

    def forward(self, x):
        # TODO: the forward pass of gpt.TransformerBlock.
        raise NotImplementedError('the forward pass of gpt.TransformerBlock.')


class GPTModel(nn.Module):
    """gpt.GPTModel built from this module's TransformerBlock, with cfg["drop_rate_emb"] after the embeddings."""

    def __init__(self, cfg):
        super().__init__()
        # TODO: build the model as in gpt.GPTModel, with this module's TransformerBlock.
        #       self.drop_emb = nn.Dropout(cfg["drop_rate_emb"]).
        raise NotImplementedError('build the model as in gpt.GPTModel, with this module\'s TransformerBlock. self.drop_emb = nn.Dropout(cfg["drop_rate_emb"]).')

    def forward(self, in_idx):
        # TODO: the forward pass of gpt.GPTModel.
        raise NotImplementedError('the forward pass of gpt.GPTModel.')
