"""Checks for llama.apply_rope: x (batch, heads, seq_len, head_dim) rotated pair by pair (dimension j with j +
head_dim / 2) by the first seq_len rows of the tables, keeping each vector's length, shape and dtype."""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail, points, sibling
from grader.checks.weights import pattern

ref = sibling(__file__, "llama_reference")
COS, SIN = ref.rope_tables(16, 10_000, 32)
X = pattern((2, 3, 10, 16), "rope.x", 1.0)
FULL = pattern((1, 2, 32, 16), "rope.full", 1.0)


def _run(learner, x, dtype="float32"):
    import torch
    tables = [torch.from_numpy(t.astype(np.float32)) for t in (COS, SIN)]
    return learner.apply_rope(torch.from_numpy(x).to(getattr(torch, dtype)), *tables)


ten_tokens = case(_run, X)
whole_table = case(_run, FULL)
bfloat16 = case(_run, X, "bfloat16")


def _mistakes(x):
    x = x.astype(np.float64)
    return {
        "the rotation goes the wrong way: rotate (first, second) halves into (-second, first), so that the result "
        "is x * cos + torch.cat((-x2, x1), dim=-1) * sin": ref.apply_rope(x, COS, SIN, "wrong_way"),
        "cos and sin are swapped: x is multiplied by cos, the rotated halves by sin": ref.apply_rope(x, COS, SIN,
                                                                                                   "swapped"),
        "you paired even and odd dimensions (the interleaved form); the tables of compute_rope_params pair "
        "dimension j with dimension j + head_dim // 2: split x into its first and second half":
            ref.apply_rope(x, COS, SIN, "pairs"),
        "every position got the angle of position 0 (no rotation): take row p of cos and sin for the token at "
        "position p, cos[:seq_len] and sin[:seq_len]": x,
    }


@points(3)
def test_rotates_by_position(out, snap):
    what = "apply_rope(x, cos, sin) for x of shape [2, 3, 10, 16] and tables of 32 positions"
    out.error("ten_tokens", {
        "RuntimeError: at non-singleton dimension 2": "the tables have more rows than x has positions: use the first "
                                                      "seq_len rows, cos[:seq_len, :] and sin[:seq_len, :]",
        "RuntimeError: at non-singleton dimension 3": "apply_rope takes (x, cos, sin) with tables of (context_length, "
        "head_dim), as compute_rope_params returns them (the angles twice side by side); tables of head_dim // 2 "
        "and the order (x, sin, cos) belong to the interleaved form of the notebook's first weeks, replaced since"})
    got = out["ten_tokens"]
    expect_shape(got, list(X.shape), what)
    expect_close(got, snap["ten_tokens"], what, atol=1e-5, rtol=1e-4, mistakes=_mistakes(X))


def test_keeps_lengths(out):
    got = out["whole_table"].astype(np.float64)
    expect_shape(got, list(FULL.shape), "apply_rope on x of shape [1, 2, 32, 16]")
    pairs_in = FULL[..., :8].astype(np.float64) ** 2 + FULL[..., 8:].astype(np.float64) ** 2
    pairs_out = got[..., :8] ** 2 + got[..., 8:] ** 2
    worst = np.abs(pairs_out - pairs_in).max()
    if worst > 1e-4:
        fail(f"apply_rope changed the length of a pair (dimension j, dimension j + 8) by up to {worst:.3g} (squared): "
             "a rotation keeps it; use cos for x itself and sin for the rotated halves, x * cos + rotated * sin")


def test_whole_table(out, snap):
    expect_close(out["whole_table"], snap["whole_table"], "apply_rope on 32 positions, as many as the tables hold",
                 atol=1e-5, rtol=1e-4, mistakes=_mistakes(FULL))


def test_keeps_the_dtype(out):
    out.error("bfloat16", {"RuntimeError": "apply_rope failed on a bfloat16 x with float32 tables: compute in the "
                                           "tables' precision and cast the result back, .to(dtype=x.dtype)"})
    got = out["bfloat16"]
    if getattr(got, "torch_dtype", "") != "torch.bfloat16":
        fail(f"apply_rope on a bfloat16 x returned {getattr(got, 'torch_dtype', type(got).__name__)}: return x's "
             "dtype, x_rotated.to(dtype=x.dtype) (the notebooks keep the model in bfloat16)")
