"""Checks for ch04.gelu: GPT-2's tanh approximation of GELU."""
import math

import numpy as np

from grader.checks import case, expect_close, expect_dtype, expect_shape, points

GRID = np.linspace(-5, 5, 101, dtype=np.float32)


SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


def _tanh_gelu(x, c=0.044715, k=SQRT_2_OVER_PI):
    x = x.astype(np.float64)
    return 0.5 * x * (1 + np.tanh(k * (x + c * x ** 3)))


# How GPT-2's GELU goes wrong, and what GELU()(GRID) is then.
MISTAKES = {
    "this is the exact GELU, x * Phi(x) with erf; GPT-2 uses the tanh approximation "
    "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))":
        GRID.astype(np.float64) * 0.5 * (1 + np.vectorize(math.erf)(GRID.astype(np.float64) / math.sqrt(2))),
    "the cubic term's constant is 0.044715, not 0.44715": _tanh_gelu(GRID, c=0.44715),
    "the cubic term's constant is 0.044715, not 0.0044715": _tanh_gelu(GRID, c=0.0044715),
    "the sum x + 0.044715 * x**3 is multiplied by sqrt(2 / pi) inside the tanh": _tanh_gelu(GRID, k=1.0),
    "the factor inside the tanh is the square root of 2 / pi, torch.sqrt(torch.tensor(2.0 / torch.pi)), not 2 / pi "
    "itself": _tanh_gelu(GRID, k=2 / math.pi),
    "the formula starts with 0.5 * x": 2 * _tanh_gelu(GRID),
    "this is ReLU; GELU lets small negative values through": np.maximum(GRID, 0).astype(np.float64),
}


def run(learner, x):
    import torch
    return learner.GELU()(torch.from_numpy(x))


grid = case(run, GRID)
batch = case(run, GRID[:24].reshape(2, 3, 4))


def test_shape_and_dtype(out):
    y = out["batch"]
    expect_shape(y, [2, 3, 4], "GELU()(x) for x of shape [2, 3, 4] (GELU works element by element)")
    expect_dtype(y, "torch.float32", "GELU()(x) for a float32 x")


@points(2)
def test_values(out, snap):
    y = out["grid"]
    expect_shape(y, GRID.shape, "GELU()(x) for 101 values from -5 to 5")
    expect_close(y, snap["grid"], "GELU()(x) for x from -5 to 5", atol=1e-5, rtol=1e-4, mistakes=MISTAKES)
