"""Checks for appA.loss_gradients: autograd's dloss/dw1 and dloss/db against the hand-derived
(a - y) * x1 and a - y, twice on the same tensors (gradients must not pile up in .grad)."""
import numpy as np

from grader.checks import case, fail, fail_if_mistake

# (x1, w1, b, y); the first is the book's (section A.4): gradients -0.0898 and -0.0817
INPUTS = [(1.1, 2.2, 0.0, 1.0), (-0.5, 1.5, 0.3, 0.0), (2.0, -1.0, 0.5, 1.0)]
TOL = 1e-5


@case
def gradients(learner):
    """Each input twice in a row, with the very same tensor objects."""
    import torch
    result = []
    for args in INPUTS:
        tensors = [torch.tensor([v]) for v in args]
        first = _frozen(learner.loss_gradients(*tensors))  # before the second call can add to a .grad it returned
        result.append([first, _frozen(learner.loss_gradients(*tensors))])
    return result


def _frozen(value):
    import torch
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    return [_frozen(v) for v in value] if isinstance(value, (list, tuple)) else value


def _by_hand(x1, w1, b, y):
    a = 1 / (1 + np.exp(-(x1 * w1 + b)))
    return (a - y) * x1, a - y


def _pair(value, what):
    if not isinstance(value, list) or len(value) != 2:
        fail(f"{what} should return two gradients, (grad_w1, grad_b); got {type(value).__name__}")
    numbers = []
    for name, g in zip(("grad_w1", "grad_b"), value):
        array = np.asarray(g, dtype=np.float64) if isinstance(g, (int, float, list, np.ndarray)) else None
        if array is None or array.dtype.kind not in "biuf" or array.size != 1:
            shown = (f"shape {list(array.shape)}" if array is not None and array.dtype.kind in "biuf"
                     else repr(g)[:80])
            fail(f"{what}: {name} should be a tensor holding one number (shape (1,)), got {shown}")
        numbers.append(float(array.reshape(-1)[0]))
    return numbers


def test_gradients_match_the_derivatives(out):
    """dL/dw1 = (a - y) * x1, dL/db = a - y with a = sigmoid(x1 * w1 + b); atol 1e-5."""
    for args, (first, _) in zip(INPUTS, out["gradients"]):
        what = "loss_gradients(x1={}, w1={}, b={}, y={})".format(*args)
        got = _pair(first, what)
        expected = _by_hand(*args)
        if np.allclose(got, expected, atol=TOL):
            continue
        fail_if_mistake(np.array(got), {
            "the gradients come in the wrong order: (grad_w1, grad_b), the gradient for w1 first":
                np.array(expected[::-1]),
            "the gradients have the wrong sign: the loss decreases along the negative gradient; dL/db = a - y, "
            "not y - a": -np.array(expected)}, what, atol=TOL, rtol=0)
        fail(f"{what} gives ({got[0]:.5f}, {got[1]:.5f}), expected ({expected[0]:.5f}, {expected[1]:.5f}) = "
             "((a - y) * x1, a - y): the derivatives of logistic_loss with respect to w1 and b")


def test_same_gradients_when_called_again(out):
    for args, (first, second) in zip(INPUTS, out["gradients"]):
        what = "loss_gradients(x1={}, w1={}, b={}, y={})".format(*args)
        a, b = _pair(first, what), _pair(second, what + " called a second time")
        if np.allclose(a, b, atol=TOL):
            continue
        fail_if_mistake(np.array(b), {
            "called twice on the same tensors, it returns twice the gradients the second time: backward() adds to "
            ".grad. Track gradients on fresh copies (w1.detach().clone().requires_grad_()), or use "
            "torch.autograd.grad, which leaves .grad alone": 2 * np.array(a)}, what, atol=TOL, rtol=0)
        fail(f"{what} gives different gradients when called again with the same tensors: ({a[0]:.5f}, {a[1]:.5f}) "
             f"then ({b[0]:.5f}, {b[1]:.5f}); leave the caller's tensors unchanged")
