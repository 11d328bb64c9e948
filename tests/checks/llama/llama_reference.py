"""Shared by the llama chapter's checks: tiny configurations, known weights by the notebooks' names, a float64
numpy reference of every part (with the usual mistakes as options), and adapters for the two attention APIs
the notebooks have had (RoPE tables and mask as buffers of the attention, forward(x); or passed in by the
model, forward(x, mask, cos, sin)).

Loaded with grader.checks.sibling on both sides of the worker boundary: numpy at import, torch inside.
"""
from __future__ import annotations

import inspect

import numpy as np

from grader.checks import fail
from grader.checks.weights import pattern

# Tiny float32 models: a whole forward pass takes milliseconds. head_dim 8 with rope_base 10,000 and an original
# context of 100 puts one RoPE frequency in each of Llama 3's three bands (kept, blended, divided by factor).
LLAMA = {"vocab_size": 50, "context_length": 128, "emb_dim": 32, "n_heads": 4, "n_layers": 2, "hidden_dim": 48,
         "n_kv_groups": 2, "rope_base": 10_000.0,
         "rope_freq": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_context_length": 100}}
QWEN = {"vocab_size": 50, "context_length": 128, "emb_dim": 32, "n_heads": 4, "n_layers": 2, "hidden_dim": 48,
        "head_dim": 12, "qk_norm": True, "n_kv_groups": 2, "rope_base": 1_000_000.0}
LLAMA_EPS, QWEN_EPS = 1e-5, 1e-6
SHORT, LONG = (2, 8), (1, 120)   # token batches; LONG runs past rope_freq's original_context_length (100)


def with_dtype(cfg: dict, dtype: str = "float32") -> dict:
    """Worker side: cfg with its "dtype" entry, a torch dtype."""
    import torch
    return {**cfg, "dtype": getattr(torch, dtype)}


def token_ids(shape, key: str, vocab: int = 50) -> np.ndarray:
    return ((pattern(shape, key, 1.0) + 1) * vocab / 2).astype(np.int64).clip(0, vocab - 1)


# ---------------------------------------------------------------- known weights, by the notebooks' names
def norm_weight(d: int, key: str) -> np.ndarray:
    return 1 + pattern((d,), key, 0.5)


def attention_weights(d_in, num_heads, head_dim, kv_groups, key, prefix="", qk_norm=False) -> dict:
    d_out = num_heads * head_dim
    w = {prefix + "W_query.weight": pattern((d_out, d_in), key + prefix + "q"),
         prefix + "W_key.weight": pattern((kv_groups * head_dim, d_in), key + prefix + "k"),
         prefix + "W_value.weight": pattern((kv_groups * head_dim, d_in), key + prefix + "v"),
         prefix + "out_proj.weight": pattern((d_in, d_out), key + prefix + "o")}
    if qk_norm:
        w[prefix + "q_norm.weight"] = norm_weight(head_dim, key + prefix + "qn")
        w[prefix + "k_norm.weight"] = norm_weight(head_dim, key + prefix + "kn")
    return w


def ff_weights(emb, hidden, key, prefix="") -> dict:
    return {prefix + "fc1.weight": pattern((hidden, emb), key + prefix + "fc1"),
            prefix + "fc2.weight": pattern((hidden, emb), key + prefix + "fc2"),
            prefix + "fc3.weight": pattern((emb, hidden), key + prefix + "fc3")}


def head_dim_of(cfg) -> int:
    return cfg.get("head_dim") or cfg["emb_dim"] // cfg["n_heads"]


def block_weights(cfg, key, prefix="") -> dict:
    d = cfg["emb_dim"]
    w = attention_weights(d, cfg["n_heads"], head_dim_of(cfg), cfg["n_kv_groups"], key, prefix + "att.",
                          cfg.get("qk_norm", False))
    w.update(ff_weights(d, cfg["hidden_dim"], key, prefix + "ff."))
    w[prefix + "norm1.weight"] = norm_weight(d, key + prefix + "norm1")
    w[prefix + "norm2.weight"] = norm_weight(d, key + prefix + "norm2")
    return w


def model_weights(cfg, key) -> dict:
    v, d = cfg["vocab_size"], cfg["emb_dim"]
    w = {"tok_emb.weight": pattern((v, d), key + "tok", 1.0)}
    for i in range(cfg["n_layers"]):
        w.update(block_weights(cfg, key, f"trf_blocks.{i}."))
    w["final_norm.weight"] = norm_weight(d, key + "final_norm")
    w["out_head.weight"] = pattern((v, d), key + "head")
    return w


# ---------------------------------------------------------------- the float64 reference
def rope_tables(head_dim, theta_base, context_length, freq_config=None, mistake=None):
    """(cos, sin), each (context_length, head_dim); `mistake` gives what a known wrong version returns."""
    inv = 1.0 / theta_base ** (np.arange(0, head_dim, 2) / head_dim)
    if mistake == "exponent_i":
        inv = 1.0 / theta_base ** (np.arange(head_dim // 2) / head_dim)
    if freq_config is not None and mistake != "no_scaling":
        f = freq_config
        periods = f["original_context_length"] * inv / (2 * np.pi)   # turns within the original context
        keep = np.clip((periods - f["low_freq_factor"]) / (f["high_freq_factor"] - f["low_freq_factor"]), 0, 1)
        if mistake == "wrong_band":
            keep = 1 - keep
        if mistake == "hard_threshold":
            keep = (periods > f["low_freq_factor"]).astype(np.float64)
        stretched = inv * f["factor"] if mistake == "times_factor" else inv / f["factor"]
        inv = keep * inv + (1 - keep) * stretched
    angles = np.arange(context_length)[:, None] * inv[None, :]
    angles = np.repeat(angles, 2, axis=1) if mistake == "interleaved" else np.concatenate([angles, angles], 1)
    return np.cos(angles), np.sin(angles)


def apply_rope(x, cos, sin, mistake=None):
    """x (..., seq_len, head_dim) rotated by the first seq_len rows of the tables."""
    n, h = x.shape[-2], x.shape[-1]
    cos, sin = cos[:n], sin[:n]
    first, second = x[..., : h // 2], x[..., h // 2:]
    rotated = np.concatenate([-second, first], -1)
    if mistake == "wrong_way":
        rotated = -rotated
    if mistake == "swapped":
        cos, sin = sin, cos
    if mistake == "pairs":   # even/odd dimensions as pairs, with the halves' tables
        even, odd = x[..., 0::2], x[..., 1::2]
        c, s = cos[..., : h // 2], sin[..., : h // 2]
        return np.stack([even * c - odd * s, even * s + odd * c], -1).reshape(x.shape)
    return x * cos + rotated * sin


def rms_norm(x, weight, eps, mistake=None):
    if mistake == "layer_norm":
        x = x - x.mean(-1, keepdims=True)
    ms = (x ** 2).mean(-1, keepdims=True)
    if mistake == "eps_outside":
        return x / (np.sqrt(ms) + eps) * weight
    return x / np.sqrt(ms + eps) * weight


def silu(x):
    return x / (1 + np.exp(-x))


def feed_forward(x, w, prefix="", mistake=None):
    gate, up = x @ w[prefix + "fc1.weight"].T, x @ w[prefix + "fc2.weight"].T
    if mistake == "gate_on_up":
        gate, up = up, gate
    hidden = {"no_gate": silu(gate), "silu_after": silu(gate * up), "sum": silu(gate) + up}.get(mistake,
                                                                                                  silu(gate) * up)
    return hidden @ w[prefix + "fc3.weight"].T


def attention(x, w, num_heads, kv_groups, head_dim, cos, sin, prefix="", qk_norm=False, mistake=None):
    """Causal grouped-query attention on x (b, n, d_in); `mistake` one of the names in ATTENTION_MISTAKES."""
    b, n, _ = x.shape

    def heads(name, count):
        return (x @ w[prefix + name].T).reshape(b, n, count, head_dim).transpose(0, 2, 1, 3)

    q, k, v = heads("W_query.weight", num_heads), heads("W_key.weight", kv_groups), heads("W_value.weight", kv_groups)
    if qk_norm and mistake != "qk_norm_after_rope":
        q = rms_norm(q, w[prefix + "q_norm.weight"], QWEN_EPS)
        k = k if mistake == "only_q_norm" else rms_norm(k, w[prefix + "k_norm.weight"], QWEN_EPS)
    if mistake != "no_rope":
        q = q if mistake == "rope_keys_only" else apply_rope(q, cos, sin)
        k = k if mistake == "rope_queries_only" else apply_rope(k, cos, sin)
        v = apply_rope(v, cos, sin) if mistake == "rope_values" else v
    if qk_norm and mistake == "qk_norm_after_rope":
        q = rms_norm(q, w[prefix + "q_norm.weight"], QWEN_EPS)
        k = rms_norm(k, w[prefix + "k_norm.weight"], QWEN_EPS)
    expand = (lambda t: np.tile(t, (1, num_heads // kv_groups, 1, 1))) if mistake == "repeat" else \
        (lambda t: np.repeat(t, num_heads // kv_groups, axis=1))
    k, v = expand(k), expand(v)
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(num_heads * head_dim if mistake == "scale_d_out" else head_dim)
    if mistake != "no_mask":
        scores = np.where(np.triu(np.ones((n, n), bool), 1), -np.inf, scores)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    context = (weights @ v).transpose(0, 2, 1, 3).reshape(b, n, num_heads * head_dim)
    return context @ w[prefix + "out_proj.weight"].T


def plain_mha(x, wq, wk, wv, wo, num_heads, cos, sin):
    """Causal multi-head attention with RoPE as chapter 3 computes it, one head at a time: every head has
    its own query, key and value slices of the (d_out, d_in) matrices."""
    b, n, _ = x.shape
    head_dim = wq.shape[0] // num_heads
    outputs = []
    for h in range(num_heads):
        rows = slice(h * head_dim, (h + 1) * head_dim)
        q = apply_rope(x @ wq[rows].T, cos, sin)
        k = apply_rope(x @ wk[rows].T, cos, sin)
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(head_dim)
        scores = np.where(np.triu(np.ones((n, n), bool), 1), -np.inf, scores)
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        outputs.append(weights / weights.sum(-1, keepdims=True) @ (x @ wv[rows].T))
    return np.concatenate(outputs, -1) @ wo.T


def block(x, w, cfg, cos, sin, eps, prefix="", mistake=None):
    """One transformer block; `mistake` an attention mistake or "post_norm", "no_shortcuts", "norms_swapped"."""
    def att(h):
        return attention(h, w, cfg["n_heads"], cfg["n_kv_groups"], head_dim_of(cfg), cos, sin, prefix + "att.",
                         cfg.get("qk_norm", False), mistake)

    def norm(h, which):
        if mistake == "norms_swapped":
            which = {"norm1": "norm2", "norm2": "norm1"}[which]
        return rms_norm(h, w[f"{prefix}{which}.weight"], eps)

    def ff(h):
        return feed_forward(h, w, prefix + "ff.")

    if mistake == "post_norm":
        h = norm(x + att(x), "norm1")
        return norm(h + ff(h), "norm2")
    if mistake == "no_shortcuts":
        return ff(norm(att(norm(x, "norm1")), "norm2"))
    h = x + att(norm(x, "norm1"))
    return h + ff(norm(h, "norm2"))


def model_logits(ids, w, cfg, eps, rope_freq=None, mistake=None, final_eps=None):
    """Logits of Llama3Model (rope_freq) or Qwen3Model on ids (b, n); `mistake` as for block, or "no_final_norm",
    "no_rope_scaling"; final_eps, when given, is final_norm's eps in place of eps."""
    cos, sin = rope_tables(head_dim_of(cfg), cfg["rope_base"], cfg["context_length"],
                           None if mistake == "no_rope_scaling" else rope_freq)
    x = w["tok_emb.weight"][ids].astype(np.float64)
    for i in range(cfg["n_layers"]):
        x = block(x, w, cfg, cos, sin, eps, f"trf_blocks.{i}.", mistake)
    if mistake != "no_final_norm":
        x = rms_norm(x, w["final_norm.weight"], eps if final_eps is None else final_eps)
    return x @ w["out_head.weight"].T


# ---------------------------------------------------------------- worker side: the two attention APIs
def takes(function, name: str) -> bool:
    parameters = inspect.signature(function).parameters
    return name in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def build_attention(cls, context_length, rope_base, rope_config=None, **kwargs):
    """cls(**kwargs), plus context_length, rope_base and rope_config where its __init__ asks for them (the
    notebooks' first versions, whose attention kept the RoPE tables and the mask as buffers)."""
    if takes(cls.__init__, "context_length"):
        kwargs.update(context_length=context_length, rope_base=rope_base, rope_config=rope_config)
    return cls(**kwargs)


def call(module, x, mask, cos, sin):
    """module(x, mask, cos, sin), or module(x) where forward takes x alone (tables kept as buffers)."""
    positional = [p for p in inspect.signature(module.forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    if len(positional) == 1 and positional[0].kind is not positional[0].VAR_POSITIONAL:
        return module(x)
    return module(x, mask, cos, sin)


def tables_and_mask(head_dim, theta_base, context_length, num_tokens, freq_config=None):
    """Worker side: the reference RoPE tables (float32 tensors) and the causal mask (bool, True above the
    diagonal) the model would pass to its blocks."""
    import torch
    cos, sin = rope_tables(head_dim, theta_base, context_length, freq_config)
    mask = torch.triu(torch.ones(num_tokens, num_tokens, dtype=torch.bool), diagonal=1)
    return mask, torch.from_numpy(cos.astype(np.float32)), torch.from_numpy(sin.astype(np.float32))


# ---------------------------------------------------------------- trusted side
def expect_rope_rows(got, expected, what: str, base_atol: float = 1e-5, mistakes: dict | None = None,
                     mistake_atol: float = 1e-4):
    """RoPE tables compared row by row: row p within base_atol + 2.5e-7 * p (a float32 angle p * inv_freq is
    exact to about one part in 1e7 of p, so tables computed in another correct order differ by that much)."""
    from grader.checks import expect_shape, which_mistake
    expect_shape(got, np.asarray(expected).shape, what)
    positions = np.arange(got.shape[0])[:, None]
    diff = np.abs(got.astype(np.float64) - np.asarray(expected, np.float64))
    bad = diff > base_atol + 2.5e-7 * positions
    if not bad.any():
        return
    row, col = (int(i) for i in np.argwhere(bad)[0])
    advice = which_mistake(got, mistakes, mistake_atol + 2.5e-7 * got.shape[0], 0)
    text = (f"{what} differs from the expected values: max |difference| = {diff.max():.4g} (tolerance "
            f"{base_atol:g} + 2.5e-7 * position); first at position {row}, dimension {col}: expected "
            f"{np.asarray(expected)[row, col]:.6g}, got {got[row, col]:.6g}")
    fail(f"{advice}\n{text}" if advice else text)


# ---------------------------------------------------------------- Hugging Face's names
HF_BLOCK = {**{f"att.{ours}": f"self_attn.{theirs}" for ours, theirs in (
                ("W_query", "q_proj"), ("W_key", "k_proj"), ("W_value", "v_proj"), ("out_proj", "o_proj"),
                ("q_norm", "q_norm"), ("k_norm", "k_norm"))},
            **{f"ff.{ours}": f"mlp.{theirs}" for ours, theirs in (("fc1", "gate_proj"), ("fc2", "up_proj"),
                                                                  ("fc3", "down_proj"))},
            "norm1": "input_layernorm", "norm2": "post_attention_layernorm"}


def hf_name(ours: str) -> str:
    """The Hugging Face (LlamaForCausalLM, Qwen3ForCausalLM) name of one of the notebooks' parameter names."""
    top = {"tok_emb.weight": "model.embed_tokens.weight", "final_norm.weight": "model.norm.weight",
           "out_head.weight": "lm_head.weight"}
    if ours in top:
        return top[ours]
    _, layer, rest = ours.split(".", 2)
    part = rest.rsplit(".", 1)[0]
    return f"model.layers.{layer}.{HF_BLOCK[part]}.weight"


def standin_llama(cfg):
    """Worker side: an untrained module tree with the notebook's names and shapes (every weight zero), for
    load_weights_into_llama to fill; no forward."""
    import torch.nn as nn

    def linear(n_in, n_out):
        layer = nn.Linear(n_in, n_out, bias=False)
        nn.init.zeros_(layer.weight)
        return layer

    def norm(d):
        layer = nn.RMSNorm(d)
        nn.init.zeros_(layer.weight)
        return layer

    d, h, kv = cfg["emb_dim"], cfg["hidden_dim"], cfg["n_kv_groups"] * head_dim_of(cfg)
    model = nn.Module()
    model.tok_emb = nn.Embedding(cfg["vocab_size"], d)
    nn.init.zeros_(model.tok_emb.weight)
    blocks = []
    for _ in range(cfg["n_layers"]):
        block = nn.Module()
        block.att, block.ff = nn.Module(), nn.Module()
        block.att.W_query, block.att.W_key, block.att.W_value = linear(d, d), linear(d, kv), linear(d, kv)
        block.att.out_proj = linear(d, d)
        block.ff.fc1, block.ff.fc2, block.ff.fc3 = linear(d, h), linear(d, h), linear(h, d)
        block.norm1, block.norm2 = norm(d), norm(d)
        blocks.append(block)
    model.trf_blocks = nn.ModuleList(blocks)
    model.final_norm = norm(d)
    model.out_head = linear(d, cfg["vocab_size"])
    return model


# ---------------------------------------------------------------- code that runs in bfloat16 only
# converting-llama2-to-llama3 §1.4 prints a block that casts to torch.bfloat16 whatever cfg["dtype"] says; its own
# (bfloat16) models run, a float32 one stops at the first matrix product. Such code is graded in bfloat16.
BF16_TOL = dict(atol=0.05, rtol=0.02)   # bfloat16 keeps 8 bits of mantissa: about 0.4% per rounding


def bfloat16_only(error) -> bool:
    """Whether a float32 run failed because the code cast to bfloat16 on its own."""
    message = str((error or {}).get("message", ""))
    return "BFloat16" in message and "dtype" in message


def bfloat16_advice(what: str) -> str:
    return (f"{what} casts to torch.bfloat16 whatever cfg['dtype'] says (as converting-llama2-to-llama3 §1.4 prints "
            "it): fine for the notebook's bfloat16 Llama, but a float32 model stops with a dtype error; leave x's "
            "dtype as it is (or cast to cfg['dtype']). Graded in bfloat16 meanwhile.")
