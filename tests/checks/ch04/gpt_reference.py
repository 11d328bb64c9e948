"""Shared by the chapter-4 checks (numpy only): the small test configuration and known weights for
TransformerBlock and GPTModel, named as in the book so that grader.checks.weights.assign matches them by name.

Check modules load it with grader.checks.sibling, on both sides of the worker boundary.
"""
from __future__ import annotations


from grader.checks import expect_close, expect_eval_repeatable, expect_train_random
from grader.checks.weights import pattern

# vocab 60, context 8, emb 16, 2 heads, 2 layers: every check runs in milliseconds.
SMALL = {"vocab_size": 60, "context_length": 8, "emb_dim": 16, "n_heads": 2, "n_layers": 2,
         "drop_rate": 0.0, "qkv_bias": False}
GPT_124M = {"vocab_size": 50257, "context_length": 1024, "emb_dim": 768, "n_heads": 12, "n_layers": 12,
            "drop_rate": 0.1, "qkv_bias": False}


def norm_weights(d: int, key: str, prefix: str) -> dict:
    """LayerNorm's scale near 1 and shift near 0, so that wrong wirings still give distinct outputs."""
    return {prefix + "scale": 1 + pattern((d,), key + prefix + "scale", 0.5),
            prefix + "shift": pattern((d,), key + prefix + "shift", 0.5)}


def block_weights(d: int, key: str, prefix: str = "") -> dict:
    """Every parameter of TransformerBlock (qkv_bias False), by the book's names."""
    weights = {f"{prefix}att.{n}.weight": pattern((d, d), f"{key}{prefix}{n}")
               for n in ("W_query", "W_key", "W_value", "out_proj")}
    weights[prefix + "att.out_proj.bias"] = pattern((d,), key + prefix + "out_proj.bias", 0.3)
    for i, shape in ((0, (4 * d, d)), (2, (d, 4 * d))):
        name = f"{prefix}ff.layers.{i}."
        weights[name + "weight"] = pattern(shape, key + name + "weight")
        weights[name + "bias"] = pattern(shape[:1], key + name + "bias", 0.3)
    for norm in ("norm1.", "norm2."):
        weights.update(norm_weights(d, key, prefix + norm))
    return weights


def model_weights(cfg: dict, key: str) -> dict:
    """Every parameter of GPTModel(cfg), by the book's names."""
    v, c, d = cfg["vocab_size"], cfg["context_length"], cfg["emb_dim"]
    weights = {"tok_emb.weight": pattern((v, d), key + "tok", 1.0), "pos_emb.weight": pattern((c, d), key + "pos", 1.0),
               "out_head.weight": pattern((v, d), key + "head")}
    weights.update(norm_weights(d, key, "final_norm."))
    for i in range(cfg["n_layers"]):
        weights.update(block_weights(d, key, f"trf_blocks.{i}."))
    return weights


def expect_dropout_only_in_train_mode(probe, expected_eval, what, atol, dropout_module, train_advice):
    """`probe` from grader.checks.dropout_probe: eval mode repeatable and as expected (`what`, atol, rtol 1e-4),
    train mode random; `dropout_module` names the module to use, `train_advice` says what to do when it isn't."""
    expect_eval_repeatable(probe, what, dropout_module)
    expect_close(probe["eval"], expected_eval, what, atol=atol, rtol=1e-4)
    expect_train_random(probe, what, train_advice)
