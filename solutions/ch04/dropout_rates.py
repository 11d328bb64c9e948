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
        ### BEGIN SOLUTION: build the block as in gpt.TransformerBlock, with the two new dropout rates.
        ### MultiHeadAttention's dropout is cfg["drop_rate_attn"], drop_shortcut's is cfg["drop_rate_shortcut"].
        self.att = MultiHeadAttention(
            d_in=cfg["emb_dim"],
            d_out=cfg["emb_dim"],
            context_length=cfg["context_length"],
            dropout=cfg["drop_rate_attn"],
            num_heads=cfg["n_heads"],
            qkv_bias=cfg["qkv_bias"],
        )
        self.ff = FeedForward(cfg)
        self.norm1 = LayerNorm(cfg["emb_dim"])
        self.norm2 = LayerNorm(cfg["emb_dim"])
        self.drop_shortcut = nn.Dropout(cfg["drop_rate_shortcut"])
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: the forward pass of gpt.TransformerBlock.
        x = x + self.drop_shortcut(self.att(self.norm1(x)))
        return x + self.drop_shortcut(self.ff(self.norm2(x)))
        ### END SOLUTION


class GPTModel(nn.Module):
    """gpt.GPTModel built from this module's TransformerBlock, with cfg["drop_rate_emb"] after the embeddings."""

    def __init__(self, cfg):
        super().__init__()
        ### BEGIN SOLUTION: build the model as in gpt.GPTModel, with this module's TransformerBlock.
        ### self.drop_emb = nn.Dropout(cfg["drop_rate_emb"]).
        self.tok_emb = nn.Embedding(cfg["vocab_size"], cfg["emb_dim"])
        self.pos_emb = nn.Embedding(cfg["context_length"], cfg["emb_dim"])
        self.drop_emb = nn.Dropout(cfg["drop_rate_emb"])
        self.trf_blocks = nn.Sequential(*[TransformerBlock(cfg) for _ in range(cfg["n_layers"])])
        self.final_norm = LayerNorm(cfg["emb_dim"])
        self.out_head = nn.Linear(cfg["emb_dim"], cfg["vocab_size"], bias=False)
        ### END SOLUTION

    def forward(self, in_idx):
        ### BEGIN SOLUTION: the forward pass of gpt.GPTModel.
        seq_len = in_idx.shape[1]
        x = self.tok_emb(in_idx) + self.pos_emb(torch.arange(seq_len, device=in_idx.device))
        x = self.trf_blocks(self.drop_emb(x))
        return self.out_head(self.final_norm(x))
        ### END SOLUTION
