"""Checks for ch04.layer_norm: LayerNorm(emb_dim) with `scale`, `shift`, eps 1e-5 and the biased variance."""
import numpy as np

from grader.checks import case, expect_close, expect_names, expect_shape, fail, fail_if_mistake, points
from grader.checks.weights import pattern

EPS = 1e-5


def _rows(shape, key, spread, offset):
    """Inputs whose rows have different means (up to +-offset) and spreads."""
    return pattern(shape, key, spread) + pattern(tuple(shape[:-1]) + (1,), key + ".offset", offset)


def _affine(d, key):
    return {"scale": 1 + pattern((d,), key + ".scale", 0.5), "shift": pattern((d,), key + ".shift", 0.5)}


def _run(learner, d, x, weights):
    import torch
    from grader.checks.weights import assign

    ln = learner.LayerNorm(d)
    assign(ln, weights)
    return ln(torch.from_numpy(x))


@case
def parameters(learner):
    return dict(learner.LayerNorm(16).named_parameters())


def plain(learner, x):
    """LayerNorm(16) with scale 1 and shift 0: the normalized x alone."""
    return {"x": x, "y": _run(learner, 16, x, {"scale": np.ones(16, np.float32), "shift": np.zeros(16, np.float32)})}


normalized = case(plain, _rows((2, 3, 16), "ln.x", 1.5, 2.0))
tiny_variance = case(plain, pattern((6, 16), "ln.tiny", 1.0) * np.float32([1, 2, 3, 4, 6, 8])[:, None] / 1000)


@case
def affine(learner):
    return _run(learner, 16, _rows((2, 4, 16), "ln.affine", 1.0, 1.0), _affine(16, "ln"))


@case
def other_shapes(learner):
    return [_run(learner, 5, _rows((2, 5), "ln.book", 1.0, 0.5), _affine(5, "ln5")),
            _run(learner, 8, _rows((3, 2, 4, 8), "ln.4d", 2.0, 1.0), _affine(8, "ln8"))]


def _normalize(x):
    x = x.astype(np.float64)
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + EPS)


def test_parameters(out, snap):
    params = out["parameters"]
    expect_names(params, snap["parameters"], "the trainable parameters of LayerNorm(16) (chapter 5 loads "
                 "GPT-2's weights by these names; use nn.Parameter so they train)", "parameter")
    for name in ("scale", "shift"):
        expect_shape(params[name], [16], f"LayerNorm(16).{name}")
        expect_close(params[name], snap["parameters"][name], f"LayerNorm(16).{name} right after construction "
                     "(scale starts at ones, shift at zeros)", atol=0)


@points(2)
def test_normalizes_last_dimension(out, snap):
    x, y = out["normalized"]["x"], out["normalized"]["y"]
    expect_shape(y, x.shape, "LayerNorm(16)(x) for x of shape [2, 3, 16]")
    mean, var = y.astype(np.float64).mean(-1), y.astype(np.float64).var(-1)
    if np.abs(mean).max() > 1e-4:
        worst = mean.flat[np.abs(mean).argmax()]
        fail(f"with scale 1 and shift 0 every row should have mean 0, but one has mean {worst:.4g}: "
             "take the mean and variance over the last dimension (dim=-1, keepdim=True)")
    n = x.shape[-1]
    fail_if_mistake(var, {"you used the unbiased variance (dividing by n-1); layer norm uses the biased one, "
                          "x.var(dim=-1, keepdim=True, unbiased=False)": np.full(var.shape, (n - 1) / n)},
                    f"every row has variance {var.mean():.4f} = (n-1)/n instead of 1", atol=2e-3, rtol=0)
    if not np.allclose(var, 1, atol=2e-3):
        worst = var.flat[np.abs(var - 1).argmax()]
        fail(f"with scale 1 and shift 0 every row should have variance 1, but one has {worst:.4g}: "
             "divide (x - mean) by torch.sqrt(var + eps)")
    expect_close(y, snap["normalized"]["y"], "LayerNorm(16)(x) with scale 1 and shift 0", atol=1e-5, rtol=1e-4)


def test_eps(out, snap):
    x, y = out["tiny_variance"]["x"].astype(np.float64), out["tiny_variance"]["y"]
    expect_shape(y, x.shape, "LayerNorm(16)(x) for x of shape [6, 16]")
    var, s2 = x.var(-1), y.astype(np.float64).var(-1)
    estimate = float(np.median(var * (1 / np.maximum(s2, 1e-12) - 1)))
    if not 0.8 * EPS < estimate < 1.25 * EPS:
        fail(f"for rows of tiny variance (1e-6 to 6e-5) your output corresponds to eps = {estimate:.2g}, expected "
             "1e-5: add self.eps = 1e-5 to the variance inside the square root, torch.sqrt(var + self.eps)")
    expect_close(y, snap["tiny_variance"]["y"], "LayerNorm(16)(x) for rows of tiny variance", atol=1e-4, rtol=1e-3)


@points(2)
def test_scale_and_shift(out, snap):
    y, expected = out["affine"], snap["affine"]
    expect_shape(y, expected.shape, "LayerNorm(16)(x) for x of shape [2, 4, 16]")
    norm = _normalize(_rows((2, 4, 16), "ln.affine", 1.0, 1.0))
    weights = _affine(16, "ln")
    expect_close(y, expected, "LayerNorm(16)(x) with scale and shift set", atol=1e-5, rtol=1e-4, mistakes={
        "your output is scale * normalized without the shift: add self.shift after scaling": norm * weights["scale"],
        "your output is normalized + shift without the scale: multiply the normalized values by self.scale before "
        "adding the shift": norm + weights["shift"],
        "your output ignores scale and shift: multiply the normalized values by self.scale, then add self.shift": norm})


def test_other_shapes(out, snap):
    got, expected = out["other_shapes"], snap["other_shapes"]
    whats = ("LayerNorm(5) on a [2, 5] input (the book's example)", "LayerNorm(8) on a [3, 2, 4, 8] input")
    for what, g, e in zip(whats, got, expected):
        expect_close(g, e, what, atol=1e-5, rtol=1e-4)
