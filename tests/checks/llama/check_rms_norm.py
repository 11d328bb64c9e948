"""Checks for llama.rms_norm: RMSNorm(emb_dim, eps=1e-5) divides by the root mean square, eps inside the root,
times one trainable vector; no mean subtracted, no shift."""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail, fail_if_mistake, points, sibling
from grader.checks.weights import pattern

ref = sibling(__file__, "llama_reference")
TOL = dict(atol=1e-5, rtol=1e-4)
X = pattern((2, 3, 16), "rms.x", 1.5) + pattern((2, 3, 1), "rms.offset", 2.0)   # rows with nonzero means
TINY = pattern((6, 16), "rms.tiny", 1.0) * np.float32([1, 2, 3, 4, 6, 8])[:, None] / 1000   # mean squares ~1e-6
WEIGHT = ref.norm_weight(16, "rms.w")


def _run(learner, x, weight=None, **kwargs):
    import torch
    from grader.checks.weights import assign

    norm = learner.RMSNorm(x.shape[-1], **kwargs)
    if weight is not None:
        assign(norm, {"weight": weight})
    with torch.no_grad():
        return norm(torch.from_numpy(x))


@case
def parameters(learner):
    return {n: p.detach() for n, p in learner.RMSNorm(16).named_parameters()}


unit_weight = case(_run, X)
eps_1e5 = case(_run, TINY, eps=1e-5)
eps_1e6 = case(_run, TINY, eps=1e-6)
weighted = case(_run, X, WEIGHT)


@case
def other_shapes(learner):
    return [_run(learner, pattern((5,), "rms.1d", 2.0), ref.norm_weight(5, "rms.w5")),
            _run(learner, pattern((2, 2, 3, 8), "rms.4d", 2.0), ref.norm_weight(8, "rms.w8"))]


def test_one_trainable_vector(out):
    params = out["parameters"]
    if not params:
        fail("RMSNorm(16) has no trainable parameters: create self.weight = nn.Parameter(torch.ones(emb_dim))")
    shapes = {n: list(p.shape) for n, p in params.items()}
    if len(params) > 1:
        fail(f"RMSNorm(16) has the parameters {shapes}; expected one vector of size 16: RMSNorm scales but has no "
             "shift (bias), unlike LayerNorm")
    (name, value), = params.items()
    expect_shape(value, [16], f"RMSNorm(16).{name}")
    if not np.array_equal(value, np.ones(16, np.float32)):
        fail(f"RMSNorm(16).{name} starts at {value[:4]}...; it should start at ones (torch.ones(emb_dim))")


@points(2)
def test_divides_by_root_mean_square(out, snap):
    y = out["unit_weight"]
    what = "RMSNorm(16)(x) with weight 1, for x of shape [2, 3, 16] whose rows have nonzero means"
    expect_close(y, snap["unit_weight"], what, **TOL, mistakes={
        "you subtracted the mean (that is LayerNorm): RMSNorm divides x itself by sqrt(mean(x ** 2) + eps), "
        "so each row keeps its mean direction": ref.rms_norm(X, 1, 1e-5, "layer_norm"),
        "you divided by the mean square without its square root: use torch.rsqrt(mean_square + eps), or 1 / "
        "torch.sqrt(...)": X / ((X.astype(np.float64) ** 2).mean(-1, keepdims=True) + 1e-5),
        "you divided by the standard deviation (x.std): RMSNorm's denominator is the root of the mean of x ** 2, "
        "without subtracting the mean": X / X.astype(np.float64).std(-1, keepdims=True),
        "you took the mean square over the wrong dimension: reduce over the last one, dim=-1, keepdim=True":
            X / np.sqrt((X.astype(np.float64) ** 2).mean(0, keepdims=True) + 1e-5)})


def test_eps_inside_the_root(out, snap):
    what = "RMSNorm(16, eps=1e-5)(x) for rows whose mean square is 1e-6 to 6e-5 (where eps matters)"
    fail_if_mistake(out["eps_1e5"], {
        "eps is added outside the square root: add it to the mean square, x * torch.rsqrt(mean_square + eps)":
            ref.rms_norm(TINY, 1, 1e-5, "eps_outside"),
        "eps is missing: add it to the mean square before the square root": ref.rms_norm(TINY, 1, 0.0)},
        what, atol=1e-4, rtol=1e-3)
    expect_close(out["eps_1e5"], snap["eps_1e5"], what, atol=1e-4, rtol=1e-3)
    expect_close(out["eps_1e6"], snap["eps_1e6"], "RMSNorm(16, eps=1e-6) on the same rows", atol=1e-4, rtol=1e-3,
                 mistakes={"RMSNorm(16, eps=1e-6) ignores its eps argument: keep it as self.eps and use it":
                           ref.rms_norm(TINY, 1, 1e-5)})


@points(2)
def test_scales_by_the_weight(out, snap):
    expect_close(out["weighted"], snap["weighted"], "RMSNorm(16)(x) with a known weight", **TOL, mistakes={
        "the weight is missing from the output: multiply the normalized x by self.weight":
            ref.rms_norm(X, 1, 1e-5),
        "you added the weight instead of multiplying by it: RMSNorm scales, it has no shift":
            ref.rms_norm(X, 1, 1e-5) + WEIGHT})


def test_other_shapes(out, snap):
    whats = ("RMSNorm(5) on a vector of 5", "RMSNorm(8) on a [2, 2, 3, 8] input")
    for what, got, expected in zip(whats, out["other_shapes"], snap["other_shapes"], strict=False):
        expect_close(got, expected, what, **TOL)
