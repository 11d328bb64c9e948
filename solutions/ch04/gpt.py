"""Chapter 4.1–4.7: the GPT-2 configuration, its building blocks, GPTModel and greedy generation."""
import torch
import torch.nn as nn

from ..ch03.multihead_attention import MultiHeadAttention


def gpt_config_124m():
    """The configuration of the smallest GPT-2, 124M parameters (section 4.1), as a new dict.

    Import it as GPT_CONFIG_124M, like the book: `from exercises.ch04.gpt import GPT_CONFIG_124M`."""
    ### BEGIN SOLUTION: return the book's GPT_CONFIG_124M dict (section 4.1).
    ### Its keys: vocab_size, context_length, emb_dim, n_heads, n_layers, drop_rate, qkv_bias.
    return {
        "vocab_size": 50257,     # the GPT-2 BPE vocabulary
        "context_length": 1024,  # most tokens the model sees at once
        "emb_dim": 768,
        "n_heads": 12,
        "n_layers": 12,
        "drop_rate": 0.1,
        "qkv_bias": False,
    }
    ### END SOLUTION


def __getattr__(name):
    # GPT_CONFIG_124M is built when first used, so this module imports while the function is a stub.
    if name == "GPT_CONFIG_124M":
        return gpt_config_124m()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class LayerNorm(nn.Module):
    """Normalize the last dimension to mean 0 and variance 1, then scale and shift (section 4.2)."""

    def __init__(self, emb_dim):
        super().__init__()
        ### BEGIN SOLUTION: set self.eps = 1e-5, self.scale (ones) and self.shift (zeros).
        ### scale and shift are trainable nn.Parameter vectors of size emb_dim.
        self.eps = 1e-5
        self.scale = nn.Parameter(torch.ones(emb_dim))
        self.shift = nn.Parameter(torch.zeros(emb_dim))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: normalize over the last dimension, then return scale * normalized + shift.
        ### (x - mean) / sqrt(var + eps), with the biased variance (unbiased=False).
        mean = x.mean(dim=-1, keepdim=True)
        var = x.var(dim=-1, keepdim=True, unbiased=False)
        norm_x = (x - mean) / torch.sqrt(var + self.eps)
        return self.scale * norm_x + self.shift
        ### END SOLUTION


class GELU(nn.Module):
    """The GELU activation in GPT-2's tanh approximation (section 4.3)."""

    def forward(self, x):
        ### BEGIN SOLUTION: return 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3))).
        return 0.5 * x * (1 + torch.tanh(
            torch.sqrt(torch.tensor(2.0 / torch.pi)) * (x + 0.044715 * torch.pow(x, 3))
        ))
        ### END SOLUTION


class FeedForward(nn.Module):
    """Expand to 4 * emb_dim, apply GELU, project back to emb_dim (section 4.3)."""

    def __init__(self, cfg):
        super().__init__()
        ### BEGIN SOLUTION: self.layers = nn.Sequential of Linear(d, 4 * d), GELU(), Linear(4 * d, d).
        ### d is cfg["emb_dim"].
        self.layers = nn.Sequential(
            nn.Linear(cfg["emb_dim"], 4 * cfg["emb_dim"]),
            GELU(),
            nn.Linear(4 * cfg["emb_dim"], cfg["emb_dim"]),
        )
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: run x through self.layers.
        return self.layers(x)
        ### END SOLUTION


class TransformerBlock(nn.Module):
    """Pre-LayerNorm attention and feed-forward, each wrapped in a shortcut connection (section 4.5)."""

    def __init__(self, cfg):
        super().__init__()
        ### BEGIN SOLUTION: create self.att, self.ff, self.norm1, self.norm2 and self.drop_shortcut.
        ### att: your chapter-3 MultiHeadAttention with d_in = d_out = emb_dim, context_length,
        ### dropout = drop_rate, num_heads = n_heads and qkv_bias; ff: FeedForward(cfg);
        ### norm1, norm2: LayerNorm(emb_dim); drop_shortcut: nn.Dropout(drop_rate).
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
        ### BEGIN SOLUTION: x = x + drop_shortcut(att(norm1(x))), then x = x + drop_shortcut(ff(norm2(x))).
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
    """Token and position embeddings, n_layers transformer blocks, a final norm and the output head (4.6)."""

    def __init__(self, cfg):
        super().__init__()
        ### BEGIN SOLUTION: create tok_emb, pos_emb, drop_emb, trf_blocks, final_norm and out_head, in this order.
        ### tok_emb: Embedding(vocab_size, emb_dim); pos_emb: Embedding(context_length, emb_dim);
        ### trf_blocks: nn.Sequential of n_layers TransformerBlocks; final_norm: LayerNorm;
        ### out_head: Linear(emb_dim, vocab_size, bias=False).
        self.tok_emb = nn.Embedding(cfg["vocab_size"], cfg["emb_dim"])
        self.pos_emb = nn.Embedding(cfg["context_length"], cfg["emb_dim"])
        self.drop_emb = nn.Dropout(cfg["drop_rate"])
        self.trf_blocks = nn.Sequential(*[TransformerBlock(cfg) for _ in range(cfg["n_layers"])])
        self.final_norm = LayerNorm(cfg["emb_dim"])
        self.out_head = nn.Linear(cfg["emb_dim"], cfg["vocab_size"], bias=False)
        ### END SOLUTION

    def forward(self, in_idx):
        ### BEGIN SOLUTION: return the logits, (batch, seq_len, vocab_size).
        ### x = tok_emb(in_idx) + pos_emb(torch.arange(seq_len)); then drop_emb, trf_blocks,
        ### final_norm and out_head.
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
    ### BEGIN SOLUTION: append max_new_tokens tokens, each the argmax of the model's last position.
    ### Each step: crop idx to its last context_size tokens, get the logits under torch.no_grad(),
    ### keep the last position, take the argmax over the vocabulary (dim=-1, keepdim=True) and
    ### append it with torch.cat(..., dim=1).
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
