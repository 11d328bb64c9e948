"""Shared by the chapter-4 checks (numpy only): the small test configuration and known weights for
TransformerBlock and GPTModel, named as in the book so that grader.weights.assign matches them by name.

Check modules load this file by path (`load_reference()` in each), on both sides of the worker boundary.
"""
from __future__ import annotations

import numpy as np

from grader.checks import expect_close, fail
from grader.weights import pattern

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


def matching_variant(got, variants: dict, atol: float, rtol: float):
    """The name of the first of `variants` (name -> output of a known wrong wiring) that `got` matches, or None."""
    for name, value in variants.items():
        if np.allclose(got, value, atol=atol, rtol=rtol):
            return name
    return None


def expect_dropout_only_in_train_mode(got, expected_eval, what, atol, dropout_module, train_advice):
    """`got` from dropout_behaviour: eval mode repeatable and as expected (`what`, atol, rtol 1e-4), train
    mode random; `dropout_module` names the module to use, `train_advice` says what to do when train mode isn't."""
    if not got["eval_repeats"]:
        fail("in eval mode (model.eval()) two calls on the same input differ: use nn.Dropout modules "
             f"({dropout_module}), which switch off in eval mode, not F.dropout(x, p)")
    expect_close(got["eval"], expected_eval, what, atol=atol, rtol=1e-4)
    if not (got["train_changes"] and got["train_vs_eval"]):
        fail(train_advice)


# ---- worker side (torch imported inside) ----

def with_weights(module, weights: dict):
    """The module with `weights` assigned by name (grader.weights.assign)."""
    from grader.weights import assign

    assign(module, weights)
    return module


def eval_outputs(module, make_input, shapes: dict, variants):
    """In eval mode, without gradients: {name: module(make_input(shape))} for `shapes`, and under "variants"
    variants(module, make_input(shapes["main"])), or {} when the learner's submodules are missing or broken."""
    import torch

    module.eval()
    with torch.no_grad():
        result = {k: module(make_input(s)) for k, s in shapes.items()}
        try:
            result["variants"] = variants(module, make_input(shapes["main"]))
        except Exception:  # the checks say what is missing or broken elsewhere
            result["variants"] = {}
    return result


def dropout_behaviour(module, x):
    """module(x) twice in eval mode and twice in train mode, without gradients: what changed."""
    import torch

    with torch.no_grad():
        module.eval()
        eval_1, eval_2 = module(x), module(x)
        module.train()
        train_1, train_2 = module(x), module(x)
    return {"eval_repeats": bool(torch.equal(eval_1, eval_2)), "eval": eval_1,
            "train_changes": not torch.equal(train_1, train_2), "train_vs_eval": not torch.allclose(train_1, eval_1)}


def gradients_reached(module) -> dict:
    """After backward(): {parameter name: whether a nonzero gradient reached it}."""
    return {n: (p.grad is not None and bool(p.grad.abs().sum() > 0)) for n, p in module.named_parameters()}
