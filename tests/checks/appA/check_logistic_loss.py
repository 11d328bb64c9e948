"""Checks for appA.logistic_loss: binary cross-entropy of sigmoid(x1 * w1 + b), checked against the formula."""
import numpy as np

from grader.checks import case, fail, fail_if_mistake

# (x1, w1, b, y); the first is the book's (section A.3), whose loss is 0.0852
INPUTS = [(1.1, 2.2, 0.0, 1.0), (-0.5, 1.5, 0.3, 0.0), (2.0, -1.0, 0.5, 1.0), (0.4, 0.2, -0.1, 0.0)]


@case
def losses(learner):
    import torch
    return [learner.logistic_loss(*(torch.tensor([v]) for v in args)) for args in INPUTS]


def _bce(a, y):
    return -(y * np.log(a) + (1 - y) * np.log(1 - a))


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _number(value, what):
    array = np.asarray(value, dtype=np.float64) if isinstance(value, (int, float, np.ndarray)) else None
    if array is None or array.size != 1:
        fail(f"{what} should be one number (a 0-dim tensor, as F.binary_cross_entropy returns), "
             f"got {'shape ' + str(list(array.shape)) if array is not None else type(value).__name__}")
    return float(array.reshape(-1)[0])


def test_matches_the_formula(out):
    """loss = -(y log a + (1 - y) log(1 - a)) with a = sigmoid(x1 * w1 + b); atol 1e-5."""
    got = out["losses"]
    for (x1, w1, b, y), value in zip(INPUTS, got):
        what = f"logistic_loss for x1={x1}, w1={w1}, b={b}, y={y}"
        loss = _number(value, what)
        a = _sigmoid(x1 * w1 + b)
        expected = _bce(a, y)
        if abs(loss - expected) <= 1e-5:
            continue
        fail_if_mistake(loss, {
            "applies the sigmoid twice: binary_cross_entropy_with_logits expects z, not the probability a; give "
            "F.binary_cross_entropy the probability a = sigmoid(z)": _bce(_sigmoid(a), y),
            f"{loss:.4f} is the negative of the loss: cross-entropy is -(y log a + (1 - y) log(1 - a))": -expected,
            "0: for a label y = 0 the loss is -log(1 - a), the (1 - y) log(1 - a) term": 0.0 if y == 0 else None,
        }, what, atol=1e-5, rtol=0)
        fail(f"{what} is {loss:.5f}, expected {expected:.5f}: the binary cross-entropy of "
             "a = sigmoid(x1 * w1 + b) against y")
