"""Chapter 4.1–4.7: the GPT-2 configuration, its building blocks, GPTModel and greedy generation."""
import torch
import torch.nn as nn

from ..ch03.multihead_attention import MultiHeadAttention


### BEGIN SOLUTION: replace each `...` with the value of the smallest GPT-2 (124M parameters) from section 4.1:
### ints for the sizes, a float for the dropout rate, a bool for qkv_bias. Keep the keys:
### chapters 4 to 7 read them.
GPT_CONFIG_124M = {
    "vocab_size": 50257,     # tokens in GPT-2's BPE vocabulary
    "context_length": 1024,  # the most tokens the model reads at once
    "emb_dim": 768,          # size of each token's vector
    "n_heads": 12,           # attention heads in each block
    "n_layers": 12,          # transformer blocks
    "drop_rate": 0.1,        # fraction of values dropout zeroes in training
    "qkv_bias": False,       # whether the query, key and value layers have a bias
}
### STUB
# GPT_CONFIG_124M = {
#     "vocab_size": ...,      # tokens in GPT-2's BPE vocabulary
#     "context_length": ...,  # the most tokens the model reads at once
#     "emb_dim": ...,         # size of each token's vector
#     "n_heads": ...,         # attention heads in each block
#     "n_layers": ...,        # transformer blocks
#     "drop_rate": ...,       # fraction of values dropout zeroes in training
#     "qkv_bias": ...,        # whether the query, key and value layers have a bias
# }
### END SOLUTION


class LayerNorm(nn.Module):
    """Normalize the last dimension to mean 0 and variance 1, then scale and shift (section 4.2)."""

    def __init__(self, emb_dim):
        super().__init__()
        ### BEGIN SOLUTION: create self.eps, the small constant 1e-5 that keeps the division safe, and the
        ### trainable vectors self.scale and self.shift of size emb_dim, which start as the
        ### identity: scale 1, shift 0 (section 4.2).
        self.eps = 1e-5
        self.scale = nn.Parameter(torch.ones(emb_dim))
        self.shift = nn.Parameter(torch.zeros(emb_dim))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: x is (..., emb_dim); return a tensor of the same shape: each vector along the last
        ### dimension normalized to mean 0 and variance 1 (the variance that divides by n, with
        ### self.eps added to it), then multiplied by self.scale and shifted by self.shift
        ### (section 4.2).
        mean = x.mean(dim=-1, keepdim=True)
        var = x.var(dim=-1, keepdim=True, unbiased=False)
        norm_x = (x - mean) / torch.sqrt(var + self.eps)
        return self.scale * norm_x + self.shift
        ### END SOLUTION


class GELU(nn.Module):
    """The GELU activation in GPT-2's tanh approximation (section 4.3)."""

    def forward(self, x):
        ### BEGIN SOLUTION: return GELU(x) elementwise, a tensor of x's shape, using the tanh approximation
        ### GPT-2 was trained with, not the exact form with erf (section 4.3).
        return 0.5 * x * (1 + torch.tanh(
            torch.sqrt(torch.tensor(2.0 / torch.pi)) * (x + 0.044715 * torch.pow(x, 3))
        ))
        ### END SOLUTION


class FeedForward(nn.Module):
    """Expand to 4 * emb_dim, apply GELU, project back to emb_dim (section 4.3)."""

    def __init__(self, cfg):
        super().__init__()
        ### BEGIN SOLUTION: create self.layers, the network of the docstring as one nn.Sequential: a linear
        ### layer from cfg["emb_dim"] to four times as many features, your GELU, and a linear
        ### layer back (section 4.3).
        self.layers = nn.Sequential(
            nn.Linear(cfg["emb_dim"], 4 * cfg["emb_dim"]),
            GELU(),
            nn.Linear(4 * cfg["emb_dim"], cfg["emb_dim"]),
        )
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: x is (batch, num_tokens, emb_dim); return self.layers' output, the same shape.
        return self.layers(x)
        ### END SOLUTION


class TransformerBlock(nn.Module):
    """Pre-LayerNorm attention and feed-forward, each wrapped in a shortcut connection (section 4.5)."""

    def __init__(self, cfg):
        super().__init__()
        ### BEGIN SOLUTION: create the block's parts under the book's names, which chapter 5 loads weights by:
        ### self.att, your MultiHeadAttention from emb_dim to emb_dim set up by cfg; self.ff, a
        ### FeedForward; self.norm1 and self.norm2, two LayerNorms; self.drop_shortcut, dropout
        ### of cfg["drop_rate"] (section 4.5).
        self.att = MultiHeadAttention(
            d_in=cfg["emb_dim"],
            d_out=cfg["emb_dim"],
            context_length=cfg["context_length"],
            dropout=cfg["drop_rate"],
            num_heads=cfg["n_heads"],
            qkv_bias=cfg["qkv_bias"],
        )
        self.ff = FeedForward(cfg)
        self.norm1 = LayerNorm(cfg["emb_dim"])
        self.norm2 = LayerNorm(cfg["emb_dim"])
        self.drop_shortcut = nn.Dropout(cfg["drop_rate"])
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: x is (batch, num_tokens, emb_dim); return the same shape: two pre-LayerNorm
        ### sublayers, attention (after norm1) then feed-forward (after norm2), each sublayer's
        ### output passed through self.drop_shortcut and wrapped in a shortcut connection
        ### (section 4.5).
        shortcut = x
        x = self.norm1(x)
        x = self.att(x)   # (batch, num_tokens, emb_dim)
        x = self.drop_shortcut(x)
        x = x + shortcut

        shortcut = x
        x = self.norm2(x)
        x = self.ff(x)
        x = self.drop_shortcut(x)
        x = x + shortcut
        return x
        ### END SOLUTION


class GPTModel(nn.Module):
    """Embeddings, n_layers transformer blocks, a final norm and the output head (section 4.6)."""

    def __init__(self, cfg):
        super().__init__()
        ### BEGIN SOLUTION: create, in this order: self.tok_emb and self.pos_emb (token and position
        ### embeddings), self.drop_emb (dropout), self.trf_blocks (n_layers TransformerBlocks
        ### run one after the other), self.final_norm (a LayerNorm) and self.out_head (emb_dim
        ### -> vocab_size, no bias) (section 4.6).
        self.tok_emb = nn.Embedding(cfg["vocab_size"], cfg["emb_dim"])
        self.pos_emb = nn.Embedding(cfg["context_length"], cfg["emb_dim"])
        self.drop_emb = nn.Dropout(cfg["drop_rate"])
        self.trf_blocks = nn.Sequential(*[TransformerBlock(cfg) for _ in range(cfg["n_layers"])])
        self.final_norm = LayerNorm(cfg["emb_dim"])
        self.out_head = nn.Linear(cfg["emb_dim"], cfg["vocab_size"], bias=False)
        ### END SOLUTION

    def forward(self, in_idx):
        ### BEGIN SOLUTION: in_idx is (batch, seq_len) token ids, seq_len <= context_length; return the logits,
        ### (batch, seq_len, vocab_size): the input embeddings of chapter 2 through the modules
        ### above, in the order they were created (section 4.6).
        batch_size, seq_len = in_idx.shape
        tok_embeds = self.tok_emb(in_idx)
        pos_embeds = self.pos_emb(torch.arange(seq_len, device=in_idx.device))
        x = tok_embeds + pos_embeds   # (batch, seq_len, emb_dim)
        x = self.drop_emb(x)
        x = self.trf_blocks(x)
        x = self.final_norm(x)
        return self.out_head(x)
        ### END SOLUTION


def generate_text_simple(model, idx, max_new_tokens, context_size):
    """Append max_new_tokens greedily chosen tokens to idx, (batch, n_tokens) -> (batch, n_tokens + max_new_tokens)."""
    ### BEGIN SOLUTION: return the ids of idx with max_new_tokens more appended to each row, chosen one at a
    ### time: each the id the model scores highest for the next position, given at most the last
    ### context_size ids. Compute no gradients (section 4.7).
    for _ in range(max_new_tokens):
        idx_cond = idx[:, -context_size:]
        with torch.no_grad():
            logits = model(idx_cond)
        logits = logits[:, -1, :]   # (batch, vocab_size): the last position only
        probas = torch.softmax(logits, dim=-1)
        idx_next = torch.argmax(probas, dim=-1, keepdim=True)
        idx = torch.cat((idx, idx_next), dim=1)
    return idx
    ### END SOLUTION
