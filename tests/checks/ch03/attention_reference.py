"""Shared by the chapter-3 checks (numpy only): deterministic weights and inputs, a reference attention
with the known learner bugs as variants, and readers for the dropout and causality probes.

Check modules load it with grader.checks.sibling, on both sides of the worker boundary.
"""
from __future__ import annotations

import numpy as np

from grader.checks import (dropout_probe, expect_close, expect_eval_repeatable, expect_shape, fail, gradient_sizes,
                           weighted_backward)
from grader.checks.weights import pattern

QKV = ("W_query", "W_key", "W_value")
# The book's six-token input ("Your journey starts with one step"), three dimensions per token.
TOY = np.array([[0.43, 0.15, 0.89], [0.55, 0.87, 0.66], [0.57, 0.85, 0.64],
                [0.22, 0.58, 0.33], [0.77, 0.25, 0.10], [0.05, 0.80, 0.55]], np.float32)

# What each known bug does, and what to change: shown when a learner's output matches that bug's output.
HINTS = {
    "no_scale": "the scores are not scaled: divide them by sqrt(d_k), d_k = keys.shape[-1], before the softmax",
    "scale_d_k": "the scores are divided by d_k itself: divide by its square root, keys.shape[-1] ** 0.5",
    "scale_d_out": "the scores are scaled by sqrt(d_out), but each head's keys have head_dim = d_out // num_heads "
                   "dimensions: divide by sqrt(head_dim) (keys.shape[-1] after the head split)",
    "diag0": "the mask hides each token from itself (torch.triu(..., diagonal=0)): use diagonal=1 so a token "
             "sees itself and the tokens before it",
    "diag2": "the mask lets each token see the next token (torch.triu(..., diagonal=2)): use diagonal=1",
    "no_mask": "the scores are not masked at all: is the result of masked_fill used? (masked_fill returns a new "
               "tensor; masked_fill_ works in place)",
    "mask_after_softmax": "the mask is applied after the softmax: fill the masked scores with -inf before the "
                          "softmax, so each row is normalised over the visible tokens only",
    "softmax_dim": "the softmax normalises over the wrong dimension: each query's row of scores must sum to 1, "
                   "so use dim=-1",
    "transposed_scores": "the scores are transposed (keys @ queries.T): compute queries @ keys.T, one row per query",
    "no_transpose": "the heads are split with a plain view/reshape to (b, num_heads, num_tokens, head_dim), which "
                    "mixes tokens and heads: view as (b, num_tokens, num_heads, head_dim), then .transpose(1, 2)",
    "no_out_proj": "the output projection is missing: apply self.out_proj to the combined heads",
}


def linear_weights(d_in, d_out, key, qkv_bias=False, out_proj=False):
    """Reference parameters in the book's names with nn.Linear layouts: W_*.weight is (d_out, d_in)."""
    ref = {}
    for name in QKV:
        ref[f"{name}.weight"] = pattern((d_out, d_in), f"{key}.{name}.weight")
        if qkv_bias:
            ref[f"{name}.bias"] = pattern((d_out,), f"{key}.{name}.bias", scale=0.5)
    if out_proj:
        ref["out_proj.weight"] = pattern((d_out, d_out), f"{key}.out_proj.weight")
        ref["out_proj.bias"] = pattern((d_out,), f"{key}.out_proj.bias", scale=0.5)
    return ref


def inputs(shape, key):
    return pattern(shape, f"{key}.inputs", scale=1.0)


def _softmax(s, axis):
    with np.errstate(invalid="ignore"):
        e = np.exp(s - np.max(s, axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)


def attention(x, ref, num_heads=1, causal=True, variant="correct"):
    """float64 reference of (multi-head) attention on x (b, T, d_in) with `ref` from linear_weights,
    or with a known bug when `variant` names one of HINTS."""
    x = np.asarray(x, np.float64)
    b, T, _ = x.shape
    proj = {n: x @ ref[f"{n}.weight"].T.astype(np.float64) + ref.get(f"{n}.bias", 0.0) for n in QKV}
    d_out = proj["W_query"].shape[-1]
    hd = d_out // num_heads
    if variant == "no_transpose":
        q, k, v = (proj[n].reshape(b, num_heads, T, hd) for n in QKV)
    else:
        q, k, v = (proj[n].reshape(b, T, num_heads, hd).transpose(0, 2, 1, 3) for n in QKV)
    scores = q @ k.swapaxes(-1, -2)
    if variant == "transposed_scores":
        scores = scores.swapaxes(-1, -2)
    scale = {"no_scale": 1.0, "scale_d_k": hd, "scale_d_out": d_out ** 0.5}.get(variant, hd ** 0.5)
    mask = np.triu(np.ones((T, T), bool), k={"diag0": 0, "diag2": 2}.get(variant, 1))
    if causal and variant not in ("no_mask", "mask_after_softmax"):
        scores = np.where(mask, -np.inf, scores)
    weights = _softmax(scores / scale, axis=-2 if variant == "softmax_dim" else -1)
    if causal and variant == "mask_after_softmax":
        weights = np.where(mask, 0.0, weights)
    context = (weights @ v).transpose(0, 2, 1, 3).reshape(b, T, d_out)
    if "out_proj.weight" in ref and variant != "no_out_proj":
        context = context @ ref["out_proj.weight"].T + ref["out_proj.bias"]
    return context


def mistakes(x, ref, variants, num_heads=1, causal=True) -> dict:
    """{advice: the output of attention with that known bug} for the bugs named in `variants` (keys of HINTS)."""
    return {HINTS[name]: attention(x, ref, num_heads, causal, name) for name in variants}


def expect_attention(got, expected, what, x, ref, variants, num_heads=1, causal=True, atol=1e-5, rtol=1e-4):
    """expect_close against the snapshot, naming the known bug (of `variants`) whose output the values match."""
    expect_close(got, expected, what, atol=atol, rtol=rtol,
                 mistakes={advice: bug.reshape(np.shape(expected))
                           for advice, bug in mistakes(x, ref, variants, num_heads, causal).items()})


def first_leak(diffs, tol=1e-6):
    """diffs[p, t] = largest change of output t when only token p was edited. The first (p, t) with
    t < p that changed, in order of t, or None when no earlier position ever changes."""
    diffs = np.asarray(diffs, np.float64)
    T = diffs.shape[0]
    for t in range(T):
        for p in range(t + 1, T):
            if not diffs[p, t] <= tol:
                return p, t
    return None


def expect_causal(diffs, what, tol=1e-6):
    """Fail, naming the first position that leaked, when an output depends on a later token."""
    diffs = np.asarray(diffs, np.float64)
    if np.isnan(diffs).any():
        t = int(np.argwhere(np.isnan(diffs))[0][1])
        fail(f"{what}: the output at position {t} is NaN, so every score of its row was masked: "
             + HINTS["diag0"])
    leak = first_leak(diffs, tol)
    if leak is None:
        return
    p, t = leak
    T = diffs.shape[0]
    leaks = {(q, s) for q in range(T) for s in range(q) if not diffs[q, s] <= tol}
    message = (f"{what}: the output at position {t} changed (by {diffs[p, t]:.3g}) when only the later token "
               f"{p} was edited; the first position that leaked is {t}. ")
    if leaks == {(q, q - 1) for q in range(1, T)}:
        message += HINTS["diag2"]
    elif leaks == {(q, s) for q in range(T) for s in range(q)} and _all_rows(diffs, tol):
        message += ("no position is protected from later tokens: " + HINTS["no_mask"] + ", or the mask is applied "
                    "after the softmax (the normalisation then still includes future tokens)")
    else:
        message += ("mask every score above the diagonal with -inf before the softmax, and don't move data between "
                    "positions (a view/reshape of (b, num_tokens, ...) straight into (b, num_heads, num_tokens, ...) "
                    "mixes tokens)")
    fail(message)


def _all_rows(diffs, tol):
    return all(diffs[q, s] > tol for q in range(diffs.shape[0]) for s in range(q))


def read_dropout(train, evaluated, p, num_heads=1, tol=1e-5):
    """From the dropout probe (each head's values are two copies of the identity, so each head's output
    shows its attention weights twice): what dropout did in train mode, as findings for the checks."""
    T = np.shape(evaluated)[-2]
    train = np.asarray(train, np.float64).reshape(-1, T, num_heads, 2, T)
    evaluated = np.asarray(evaluated, np.float64).reshape(1, T, num_heads, 2, T)
    visible = np.broadcast_to(np.abs(evaluated) > 1e-4, train.shape)
    ratio = (train / np.where(np.abs(evaluated) > 1e-4, evaluated, 1.0))[visible]
    zeroed = np.abs(ratio) <= tol
    scaled = np.abs(ratio - 1.0 / (1.0 - p)) <= 1e-3
    return {
        "copies_equal": bool(np.allclose(train[..., 0, :], train[..., 1, :], atol=tol, equal_nan=True)),
        "rows_sum_to_one": bool(np.allclose(train[..., 0, :].sum(-1), 1.0, atol=1e-4)),
        "changed": bool(not np.allclose(train, evaluated, atol=tol)),
        "nan": bool(np.isnan(train).any() and not np.isnan(evaluated).any()),
        "eval_nan": bool(np.isnan(evaluated).any()),
        "zeroed_fraction": float(zeroed.mean()) if ratio.size else 0.0,
        "scaled_or_zeroed": bool(np.all(zeroed | scaled)),
        "kept_ratio": float(np.median(ratio[~zeroed])) if (~zeroed).any() else float("nan"),
    }


def expect_dropout_in_train_mode(f, p, what):
    """Some attention weights zeroed, every other one scaled by 1/(1-p)."""
    _expect_finite_eval(f, what)
    if not f["changed"]:
        fail(f"{what} in train mode with dropout={p} gives the same output as in eval mode: no attention weight "
             "was dropped. Apply self.dropout to the attention weights, after the softmax")
    if f["nan"]:
        fail(f"{what} in train mode gives NaN (eval mode does not): dropout multiplied the -inf of masked scores by "
             "0, so it ran before the softmax (on the scores). Apply self.dropout to the attention weights, after "
             "the softmax")
    if f["rows_sum_to_one"]:
        fail(f"{what} in train mode: every row of attention weights still sums to 1, so dropout ran before the "
             "softmax (on the scores). Apply self.dropout to the attention weights, after the softmax")
    if f["zeroed_fraction"] == 0.0 or not f["scaled_or_zeroed"]:
        kept = f["kept_ratio"]
        fail(f"{what} in train mode with dropout={p}: expected each attention weight to be either zeroed or "
             f"scaled by 1/(1-p) = {1 / (1 - p):g}; {f['zeroed_fraction']:.0%} were zeroed and the others were "
             f"scaled by about {kept:.3g}. Use nn.Dropout on the attention weights (it rescales for you)")


def _expect_finite_eval(f, what):
    if f["eval_nan"]:
        fail(f"{what} gives NaN even in eval mode (see the checks of the values), so its dropout cannot be checked")


def expect_dropout_on_weights(f, what):
    _expect_finite_eval(f, what)
    if not f["copies_equal"]:
        fail(f"{what} in train mode: dropout zeroed parts of the context vectors independently of the attention "
             "weights. Apply self.dropout to the attention weights (before multiplying by the values), not to the "
             "context vectors")


def expect_unbatched_attention(got, expected, what, x, ref, variants):
    """expect_attention without a mask for one sequence x (num_tokens, d_in) and its unbatched output."""
    expect_attention(got[None] if isinstance(got, np.ndarray) else got, expected[None], what, x[None], ref,
                     variants, causal=False)


def expect_any_length(out, what, d_out, lengths=(8, 3)):
    """The cases length_<n> (output_shape on n tokens) for context_length 8: each gave (2, n, d_out)."""
    for T in lengths:
        if T < max(lengths):   # the longest worked: the mask was not cut to the tokens there are
            out.error(f"length_{T}", {"Exception": f"{what} failed on {T} tokens — it works when num_tokens == "
                                                   "context_length, so slice the mask to "
                                                   "self.mask[:num_tokens, :num_tokens]"})
        expect_shape(np.zeros(out[f"length_{T}"]), [2, T, d_out],
                     f"the output for a batch of 2 sequences of {T} tokens")


def expect_eval_deterministic(probe, expected, probe_ref, p, variants, num_heads=1):
    """The dropout probe's eval-mode outputs (a batch of one): the same on two calls, and the attention's values."""
    expect_shape(probe["eval"], expected.shape, "the output in eval mode")
    expect_eval_repeatable(probe, "the attention", "self.dropout")
    T = np.shape(expected)[-2]
    expect_attention(probe["eval"], expected, f"the eval-mode output with dropout={p:g}",
                     np.eye(T, dtype=np.float32)[None], probe_ref, variants, num_heads=num_heads)


def probe_findings(probe, T, p, num_heads=1, batch=16):
    """read_dropout on the dropout probe, after checking the shape of its train-mode output."""
    expect_shape(probe["train"], [batch, T, 2 * T * num_heads], "the output in train mode")
    return read_dropout(probe["train"], probe["eval"][0], p, num_heads)


# ---- worker side (torch imported inside) ----

def probe_reference(T, num_heads, key, out_proj=False, prefix=""):
    """Weights that make each head's output show its attention weights twice: d_in = T, head_dim = 2T,
    each head's W_value two stacked identities; out_proj (if any) the identity."""
    d_out = 2 * T * num_heads
    ref = {f"{prefix}W_query.weight": pattern((d_out, T), f"{key}.probe.W_query", scale=1.5),
           f"{prefix}W_key.weight": pattern((d_out, T), f"{key}.probe.W_key", scale=1.5),
           f"{prefix}W_value.weight": np.tile(np.eye(T, dtype=np.float32), (2 * num_heads, 1))}
    if out_proj:
        ref[f"{prefix}out_proj.weight"] = np.eye(d_out, dtype=np.float32)
        ref[f"{prefix}out_proj.bias"] = np.zeros(d_out, np.float32)
    return ref


def run_dropout_probe(module, T, batch=16):
    """grader.checks.dropout_probe on x = the identity: eval mode on one copy, train mode on a batch of copies."""
    import torch

    x = torch.eye(T).expand(batch, T, T).contiguous()
    return dropout_probe(module, x[:1], x)


def gradients(module, x, key):
    """gradient_sizes after a fixed weighted sum of module(x) was backpropagated, in train mode."""
    import torch

    module.train()
    weighted_backward(module(torch.from_numpy(x)), f"{key}.loss")
    module.eval()
    return gradient_sizes(module)


def causality_diffs(module, x, other):
    """diffs[p, t]: the largest change of output position t when token p alone is replaced by other's."""
    import torch

    module.eval()
    x, other = torch.from_numpy(x), torch.from_numpy(other)
    T = x.shape[1]
    diffs = np.zeros((T, T))
    with torch.no_grad():
        base = module(x)
        for p in range(T):
            edited = x.clone()
            edited[:, p] = other[:, p]
            diffs[p] = (module(edited) - base).abs().amax(dim=(0, 2)).double().numpy()
    return diffs


def edit_each_token(module, key, d_in=4):
    """causality_diffs on a batch of 2 sequences of 6 tokens, with the inputs keyed by `key`."""
    return causality_diffs(module, inputs((2, 6, d_in), f"{key}.causal"), inputs((2, 6, d_in), f"{key}.edit"))


def output_shape(module, d_in, key, T):
    """The shape of the output for a batch of 2 sequences of T tokens (keyed inputs)."""
    import torch

    with torch.no_grad():
        return list(module(torch.from_numpy(inputs((2, T, d_in), key))).shape)
