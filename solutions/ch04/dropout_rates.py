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
        ### BEGIN SOLUTION: create the parts of gpt.TransformerBlock under the same names, with the attention
        ### weights dropped at cfg["drop_rate_attn"] and the shortcut paths at
        ### cfg["drop_rate_shortcut"] (exercise 4.3).
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
        ### BEGIN SOLUTION: x is (batch, num_tokens, emb_dim); return what gpt.TransformerBlock returns.
        x = x + self.drop_shortcut(self.att(self.norm1(x)))
        return x + self.drop_shortcut(self.ff(self.norm2(x)))
        ### END SOLUTION


class GPTModel(nn.Module):
    """gpt.GPTModel built from this module's TransformerBlock, with cfg["drop_rate_emb"] after the embeddings."""

    def __init__(self, cfg):
        super().__init__()
        ### BEGIN SOLUTION: create the parts of gpt.GPTModel under the same names and in the same order, with
        ### this module's TransformerBlock and the embeddings dropped at cfg["drop_rate_emb"]
        ### (exercise 4.3).
        self.tok_emb = nn.Embedding(cfg["vocab_size"], cfg["emb_dim"])
        self.pos_emb = nn.Embedding(cfg["context_length"], cfg["emb_dim"])
        self.drop_emb = nn.Dropout(cfg["drop_rate_emb"])
        self.trf_blocks = nn.Sequential(*[TransformerBlock(cfg) for _ in range(cfg["n_layers"])])
        self.final_norm = LayerNorm(cfg["emb_dim"])
        self.out_head = nn.Linear(cfg["emb_dim"], cfg["vocab_size"], bias=False)
        ### END SOLUTION

    def forward(self, in_idx):
        ### BEGIN SOLUTION: in_idx is (batch, seq_len) token ids; return the logits as gpt.GPTModel does,
        ### (batch, seq_len, vocab_size).
        seq_len = in_idx.shape[1]
        x = self.tok_emb(in_idx) + self.pos_emb(torch.arange(seq_len, device=in_idx.device))
        x = self.trf_blocks(self.drop_emb(x))
        return self.out_head(self.final_norm(x))
        ### END SOLUTION
