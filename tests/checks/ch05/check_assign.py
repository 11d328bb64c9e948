"""Checks for ch05.assign: a trainable nn.Parameter holding the checkpoint's array, and a ValueError that names
both shapes when they differ."""

from grader.checks import case, expect_close, fail, show
from grader.checks.weights import pattern

LEFT, RIGHT_WRONG = (3, 4), (4, 3)


@case
def matching(learner):
    import torch
    left = torch.nn.Parameter(torch.zeros(LEFT))
    right = pattern(LEFT, "assign.right", 1.0)
    result = learner.assign(left, right)
    return {"type": type(result).__name__, "is_parameter": isinstance(result, torch.nn.Parameter),
            "requires_grad": bool(getattr(result, "requires_grad", False)), "value": result}


@case
def mismatched(learner):
    """assign(left of shape (3, 4), right of shape (4, 3)). The ValueError the exercise asks for is its result
    (its message is judged); any other exception is the learner's error, for the check to report."""
    import torch
    try:
        learner.assign(torch.nn.Parameter(torch.zeros(LEFT)), pattern(RIGHT_WRONG, "assign.wrong", 1.0))
    except ValueError as exc:
        return {"raised": True, "message": str(exc)}
    return {"raised": False, "message": ""}


def test_returns_a_parameter(out):
    got = out["matching"]
    if not got["is_parameter"]:
        fail(f"assign returned a {got['type']}: return torch.nn.Parameter(torch.tensor(right)), which replaces the "
             "model's parameter and stays trainable")
    if not got["requires_grad"]:
        fail("the parameter assign returned does not require gradients: keep it trainable")


def test_values(out):
    expect_close(out["matching"]["value"], pattern(LEFT, "assign.right", 1.0), "assign(left, right)'s values",
                 atol=0, rtol=0)


def test_shape_mismatch_raises(out):
    error = out.error("mismatched")
    if error:
        out.error("mismatched", {error["type"]: f"assign with mismatched shapes raised {error['type']}; raise "
                                                "ValueError"})
    got = out["mismatched"]  # a stub's NotImplementedError: "not implemented", at its TODO
    if not got["raised"]:
        fail(f"assign(left of shape {LEFT}, right of shape {RIGHT_WRONG}) raised nothing: compare left.shape with "
             "right.shape and raise ValueError when they differ — a silent mismatch loads a broken model")
    digits = "".join(c for c in got["message"] if c.isdigit())
    if "34" not in digits or "43" not in digits:
        fail(f"the ValueError says {show(got['message'], 300)}: name both shapes, left's {LEFT} and right's "
             f"{RIGHT_WRONG}, so the error shows which parameter is off and how")
