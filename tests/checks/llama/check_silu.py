"""Checks for llama.silu: SiLU(x) = x * sigmoid(x), elementwise, any shape."""
import numpy as np

from grader.checks import case, expect_close, points
from grader.checks.weights import pattern

GRID = np.linspace(-8, 8, 33, dtype=np.float32)
BATCH = pattern((2, 3, 4), "silu.x", 3.0)


def _run(learner, x):
    import torch
    with torch.no_grad():
        return learner.SiLU()(torch.from_numpy(x))


grid = case(_run, GRID)
batch = case(_run, BATCH)


@points(2)
def test_values(out, snap):
    x = GRID.astype(np.float64)
    expect_close(out["grid"], snap["grid"], "SiLU()(x) for x from -8 to 8", atol=1e-5, rtol=1e-4, mistakes={
        "you returned sigmoid(x) alone: SiLU multiplies it by x, x * torch.sigmoid(x)": 1 / (1 + np.exp(-x)),
        "you used tanh: SiLU is x times the logistic sigmoid, x * torch.sigmoid(x)": x * np.tanh(x),
        "you used sigmoid(-x): SiLU is x * torch.sigmoid(x), close to x for large x": x / (1 + np.exp(x)),
        "that is GELU (chapter 4's activation); Llama uses SiLU, x * torch.sigmoid(x)":
            0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))),
        "that is ReLU: SiLU is smooth and slightly negative below 0, x * torch.sigmoid(x)": np.maximum(x, 0)})


def test_keeps_the_shape(out, snap):
    expect_close(out["batch"], snap["batch"], "SiLU()(x) for x of shape [2, 3, 4], elementwise", atol=1e-5, rtol=1e-4)
