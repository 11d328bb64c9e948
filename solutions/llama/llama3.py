"""From GPT to Llama 3: RMSNorm, SiLU, the SwiGLU feed-forward, rotary position embeddings with Llama 3's
frequency scaling, grouped-query attention, the transformer block, Llama3Model and its weights by name."""
import torch
import torch.nn as nn


def assign(left, right, tensor_name="unknown"):
    """A copy of `right` shaped like the parameter `left`, or a ValueError naming the tensor."""
    if left.shape != right.shape:
        raise ValueError(f"Shape mismatch in tensor '{tensor_name}'. Left: {left.shape}, Right: {right.shape}")
    return nn.Parameter(torch.as_tensor(right, dtype=left.dtype, device=left.device).clone().detach())


class RMSNorm(nn.Module):
    """Divide each vector by its root mean square, then scale it by a trainable weight (gpt-to-llama2 §1.1)."""

    def __init__(self, emb_dim, eps=1e-5):
        super().__init__()
        ### BEGIN SOLUTION: keep self.eps and self.emb_dim, and create the trainable vector self.weight of size
        ### emb_dim, which starts at ones. RMSNorm has no shift (gpt-to-llama2 §1.1).
        self.eps = eps
        self.emb_dim = emb_dim
        self.weight = nn.Parameter(torch.ones(emb_dim))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: x is (..., emb_dim); return a tensor of x's shape and dtype: each vector along the
        ### last dimension divided by its root mean square (with self.eps added to the mean square),
        ### times self.weight. Unlike LayerNorm, nothing is subtracted (gpt-to-llama2 §1.1).
        mean_square = x.pow(2).mean(dim=-1, keepdim=True)
        normed = x * torch.rsqrt(mean_square + self.eps)
        return (normed * self.weight).to(dtype=x.dtype)
        ### END SOLUTION


class SiLU(nn.Module):
    """The SiLU (swish) activation that replaces GELU in Llama (gpt-to-llama2 §1.2)."""

    def forward(self, x):
        ### BEGIN SOLUTION: return SiLU(x) elementwise, a tensor of x's shape: x times the logistic sigmoid
        ### of x (gpt-to-llama2 §1.2).
        return x * torch.sigmoid(x)
        ### END SOLUTION


class FeedForward(nn.Module):
    """The SwiGLU feed-forward: a SiLU-gated branch times a linear branch, projected back (gpt-to-llama2 §1.3)."""

    def __init__(self, cfg):
        super().__init__()
        ### BEGIN SOLUTION: create three linear layers without bias, in cfg["dtype"]: self.fc1 and self.fc2
        ### from cfg["emb_dim"] to cfg["hidden_dim"] (the gate and the up projection), self.fc3 from
        ### cfg["hidden_dim"] back to cfg["emb_dim"]; and self.silu, your SiLU (gpt-to-llama2 §1.3).
        self.fc1 = nn.Linear(cfg["emb_dim"], cfg["hidden_dim"], dtype=cfg["dtype"], bias=False)
        self.fc2 = nn.Linear(cfg["emb_dim"], cfg["hidden_dim"], dtype=cfg["dtype"], bias=False)
        self.fc3 = nn.Linear(cfg["hidden_dim"], cfg["emb_dim"], dtype=cfg["dtype"], bias=False)
        self.silu = SiLU()
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: x is (..., emb_dim); return (..., emb_dim): fc3 of the gated hidden vector, which is
        ### SiLU of fc1's output multiplied elementwise by fc2's output (gpt-to-llama2 §1.3).
        gate = self.silu(self.fc1(x))   # (..., hidden_dim)
        return self.fc3(gate * self.fc2(x))
        ### END SOLUTION


def compute_rope_params(head_dim, theta_base=10_000, context_length=4096, freq_config=None, dtype=torch.float32):
    """RoPE's cos and sin tables, each (context_length, head_dim); with freq_config, Llama 3's frequency
    scaling (gpt-to-llama2 §1.4, llama2-to-llama3 §1.2 and §6)."""
    assert head_dim % 2 == 0, "head_dim must be even: RoPE rotates pairs of dimensions"
    ### BEGIN SOLUTION: return (cos, sin), each (context_length, head_dim) in float32. Row p holds the angles
    ### p * inv_freq for the head_dim // 2 inverse frequencies theta_base ** (-2i / head_dim), i = 0, 1, ...,
    ### written twice side by side (the first and the second half of a head share them). With a
    ### freq_config dict (factor, low_freq_factor, high_freq_factor, original_context_length), first
    ### rescale inv_freq the Llama 3 way: frequencies whose wavelength exceeds
    ### original_context_length / low_freq_factor are divided by factor, those whose wavelength is
    ### below original_context_length / high_freq_factor stay, and the band between is a smooth
    ### blend of the two (gpt-to-llama2 §1.4, llama2-to-llama3 §1.2 and §6).
    inv_freq = 1.0 / theta_base ** (torch.arange(0, head_dim, 2, dtype=dtype).float() / head_dim)

    if freq_config is not None:
        factor, original = freq_config["factor"], freq_config["original_context_length"]
        low, high = freq_config["low_freq_factor"], freq_config["high_freq_factor"]
        wavelen = 2 * torch.pi / inv_freq
        # 0 for long wavelengths (divide by factor), 1 for short ones (keep), linear in between
        smooth = ((original / wavelen - low) / (high - low)).clamp(0.0, 1.0)
        inv_freq = (1 - smooth) * inv_freq / factor + smooth * inv_freq

    positions = torch.arange(context_length, dtype=dtype)
    angles = positions[:, None] * inv_freq[None, :]   # (context_length, head_dim // 2)
    angles = torch.cat([angles, angles], dim=1)       # (context_length, head_dim)
    return torch.cos(angles), torch.sin(angles)
    ### END SOLUTION


def apply_rope(x, cos, sin):
    """Rotate the queries or keys x, (batch, num_heads, seq_len, head_dim), by their positions (gpt-to-llama2 §1.4)."""
    ### BEGIN SOLUTION: return x rotated, same shape and dtype. Dimension j of the first half and dimension j of
    ### the second half form a pair, rotated by the angle whose cos and sin stand at row p (the token's
    ### position, 0 to seq_len - 1) of the tables: x * cos plus sin times (-second half, first half)
    ### (gpt-to-llama2 §1.4).
    seq_len, head_dim = x.shape[-2], x.shape[-1]
    first, second = x[..., : head_dim // 2], x[..., head_dim // 2:]
    rotated = torch.cat((-second, first), dim=-1)
    cos, sin = cos[:seq_len, :], sin[:seq_len, :]   # (seq_len, head_dim), broadcast over batch and heads
    return (x * cos + rotated * sin).to(dtype=x.dtype)
    ### END SOLUTION


class GroupedQueryAttention(nn.Module):
    """Causal multi-head attention whose heads share num_kv_groups key and value projections, with RoPE on
    queries and keys (llama2-to-llama3 §1.3)."""

    def __init__(self, d_in, d_out, num_heads, num_kv_groups, dtype=None):
        super().__init__()
        assert d_out % num_heads == 0, "d_out must be divisible by num_heads"
        assert num_heads % num_kv_groups == 0, "num_heads must be divisible by num_kv_groups"
        ### BEGIN SOLUTION: keep d_out, num_heads, num_kv_groups, head_dim (d_out // num_heads) and group_size
        ### (the query heads per key-value group). Create, without bias and in dtype: self.W_query,
        ### d_in -> d_out; self.W_key and self.W_value, d_in -> num_kv_groups * head_dim; self.out_proj,
        ### d_out -> d_out (llama2-to-llama3 §1.3).
        self.d_out = d_out
        self.num_heads = num_heads
        self.num_kv_groups = num_kv_groups
        self.head_dim = d_out // num_heads
        self.group_size = num_heads // num_kv_groups
        self.W_query = nn.Linear(d_in, d_out, bias=False, dtype=dtype)
        self.W_key = nn.Linear(d_in, num_kv_groups * self.head_dim, bias=False, dtype=dtype)
        self.W_value = nn.Linear(d_in, num_kv_groups * self.head_dim, bias=False, dtype=dtype)
        self.out_proj = nn.Linear(d_out, d_out, bias=False, dtype=dtype)
        ### END SOLUTION

    def forward(self, x, mask, cos, sin):
        ### BEGIN SOLUTION: x is (batch, num_tokens, d_in); mask is (num_tokens, num_tokens), True where a query
        ### must not see a key (above the diagonal); cos and sin are RoPE's tables. Return (batch,
        ### num_tokens, d_out): queries in num_heads heads, keys and values in num_kv_groups heads, RoPE
        ### applied to queries and keys (not values), each key-value head serving group_size
        ### consecutive query heads, then scaled dot-product attention with the mask and out_proj
        ### (llama2-to-llama3 §1.3).
        b, num_tokens, _ = x.shape
        queries = self.W_query(x).view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        keys = self.W_key(x).view(b, num_tokens, self.num_kv_groups, self.head_dim).transpose(1, 2)
        values = self.W_value(x).view(b, num_tokens, self.num_kv_groups, self.head_dim).transpose(1, 2)

        queries = apply_rope(queries, cos, sin)
        keys = apply_rope(keys, cos, sin)

        # group g serves query heads g * group_size ... (g + 1) * group_size - 1: [K1, K1, K2, K2], not [K1, K2, K1, K2]
        keys = keys.repeat_interleave(self.group_size, dim=1)       # (b, num_heads, num_tokens, head_dim)
        values = values.repeat_interleave(self.group_size, dim=1)

        attn_scores = queries @ keys.transpose(2, 3)               # (b, num_heads, num_tokens, num_tokens)
        attn_scores = attn_scores.masked_fill(mask[:num_tokens, :num_tokens], -torch.inf)
        attn_weights = torch.softmax(attn_scores / self.head_dim**0.5, dim=-1)

        context = (attn_weights @ values).transpose(1, 2).reshape(b, num_tokens, self.d_out)
        return self.out_proj(context)
        ### END SOLUTION


class TransformerBlock(nn.Module):
    """Pre-RMSNorm grouped-query attention and SwiGLU feed-forward, each with a shortcut (llama2-to-llama3 §1.4)."""

    def __init__(self, cfg):
        super().__init__()
        ### BEGIN SOLUTION: create self.att, your GroupedQueryAttention from emb_dim to emb_dim with n_heads heads
        ### and n_kv_groups key-value groups in cfg["dtype"]; self.ff, a FeedForward; self.norm1 and
        ### self.norm2, RMSNorms of emb_dim with eps 1e-5. No dropout (llama2-to-llama3 §1.4).
        self.att = GroupedQueryAttention(
            d_in=cfg["emb_dim"],
            d_out=cfg["emb_dim"],
            num_heads=cfg["n_heads"],
            num_kv_groups=cfg["n_kv_groups"],
            dtype=cfg["dtype"],
        )
        self.ff = FeedForward(cfg)
        self.norm1 = RMSNorm(cfg["emb_dim"], eps=1e-5)
        self.norm2 = RMSNorm(cfg["emb_dim"], eps=1e-5)
        ### END SOLUTION

    def forward(self, x, mask, cos, sin):
        ### BEGIN SOLUTION: x is (batch, num_tokens, emb_dim); return the same shape: attention on norm1(x) with
        ### mask, cos and sin, added to x; then the feed-forward on norm2 of that, added to it
        ### (llama2-to-llama3 §1.4).
        x = x + self.att(self.norm1(x), mask, cos, sin)
        return x + self.ff(self.norm2(x))
        ### END SOLUTION


class Llama3Model(nn.Module):
    """Token embeddings, n_layers blocks sharing one RoPE table, a final RMSNorm and the output head
    (llama2-to-llama3 §1.5)."""

    def __init__(self, cfg):
        super().__init__()
        ### BEGIN SOLUTION: create self.tok_emb (vocab_size -> emb_dim, no position embedding), self.trf_blocks
        ### (n_layers TransformerBlocks in an nn.ModuleList), self.final_norm (RMSNorm, eps 1e-5) and
        ### self.out_head (emb_dim -> vocab_size, no bias), all in cfg["dtype"]; the RoPE tables for
        ### head_dim emb_dim // n_heads, rope_base, context_length and rope_freq as buffers self.cos
        ### and self.sin that are not saved with the weights; and keep cfg (llama2-to-llama3 §1.5).
        self.tok_emb = nn.Embedding(cfg["vocab_size"], cfg["emb_dim"], dtype=cfg["dtype"])
        self.trf_blocks = nn.ModuleList([TransformerBlock(cfg) for _ in range(cfg["n_layers"])])
        self.final_norm = RMSNorm(cfg["emb_dim"], eps=1e-5)
        self.out_head = nn.Linear(cfg["emb_dim"], cfg["vocab_size"], bias=False, dtype=cfg["dtype"])
        cos, sin = compute_rope_params(
            head_dim=cfg["emb_dim"] // cfg["n_heads"],
            theta_base=cfg["rope_base"],
            context_length=cfg["context_length"],
            freq_config=cfg["rope_freq"],
        )
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        self.cfg = cfg
        ### END SOLUTION

    def forward(self, in_idx):
        ### BEGIN SOLUTION: in_idx is (batch, num_tokens) token ids, num_tokens <= context_length; return the
        ### logits, (batch, num_tokens, vocab_size): the token embeddings through every block with one
        ### causal mask (True above the diagonal) and the RoPE tables, then final_norm and out_head
        ### (llama2-to-llama3 §1.5).
        x = self.tok_emb(in_idx)
        num_tokens = x.shape[1]
        mask = torch.triu(torch.ones(num_tokens, num_tokens, device=x.device, dtype=torch.bool), diagonal=1)
        for block in self.trf_blocks:
            x = block(x, mask, self.cos, self.sin)
        return self.out_head(self.final_norm(x).to(self.cfg["dtype"]))
        ### END SOLUTION


def load_weights_into_llama(model, param_config, params):
    """Copy a Hugging Face Llama checkpoint's tensors (params: name -> tensor) into model (llama2-to-llama3 §4)."""
    ### BEGIN SOLUTION: for each of param_config["n_layers"] blocks, give att's W_query, W_key, W_value and
    ### out_proj, ff's fc1, fc2 and fc3, and norm1 and norm2 the checkpoint's tensors of layer l
    ### (model.layers.{l}.self_attn.q_proj.weight, ...k_proj, ...v_proj, ...o_proj; mlp.gate_proj,
    ### mlp.up_proj, mlp.down_proj; input_layernorm, post_attention_layernorm); tok_emb gets
    ### model.embed_tokens.weight, final_norm model.norm.weight, out_head lm_head.weight, or, where the
    ### checkpoint has none (weight tying), the token embedding itself. Use assign(left, right, name)
    ### (llama2-to-llama3 §4).
    model.tok_emb.weight = assign(model.tok_emb.weight, params["model.embed_tokens.weight"],
                                  "model.embed_tokens.weight")
    parts = {"att.W_query": "self_attn.q_proj", "att.W_key": "self_attn.k_proj", "att.W_value": "self_attn.v_proj",
             "att.out_proj": "self_attn.o_proj", "ff.fc1": "mlp.gate_proj", "ff.fc2": "mlp.up_proj",
             "ff.fc3": "mlp.down_proj", "norm1": "input_layernorm", "norm2": "post_attention_layernorm"}
    for layer in range(param_config["n_layers"]):
        block = model.trf_blocks[layer]
        for ours, theirs in parts.items():
            owner = block.get_submodule(ours)
            name = f"model.layers.{layer}.{theirs}.weight"
            owner.weight = assign(owner.weight, params[name], name)
    model.final_norm.weight = assign(model.final_norm.weight, params["model.norm.weight"], "model.norm.weight")
    if "lm_head.weight" in params:
        model.out_head.weight = assign(model.out_head.weight, params["lm_head.weight"], "lm_head.weight")
    else:
        model.out_head.weight = model.tok_emb.weight   # weight tying, as in Llama 3.2 1B
    ### END SOLUTION
