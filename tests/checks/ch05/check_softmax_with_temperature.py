"""Checks for ch05.softmax_with_temperature on the book's next-token logits at temperatures 1, 0.1 and 5."""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail

# the book's scores for "closer, every, effort, forward, inches, moves, pizza, toward, you" (section 5.3.1)
NEXT_TOKEN_LOGITS = [4.51, 0.89, -1.90, 6.75, 1.63, -1.62, -1.89, 6.28, 1.79]
TEMPERATURES = [1, 0.1, 5, 2.5]
TOL = dict(atol=1e-6, rtol=1e-5)


def _softmax(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


@case
def probabilities(learner):
    import torch
    logits = torch.tensor(NEXT_TOKEN_LOGITS)
    return [learner.softmax_with_temperature(logits, t) for t in TEMPERATURES]


def test_shape(out):
    for t, got in zip(TEMPERATURES, out["probabilities"]):
        expect_shape(got, [len(NEXT_TOKEN_LOGITS)], f"softmax_with_temperature(logits, {t}) for 9 logits")


def test_probabilities(out, snap):
    logits = np.array(NEXT_TOKEN_LOGITS)
    for t, got, expected in zip(TEMPERATURES, out["probabilities"], snap["probabilities"]):
        if np.allclose(got, expected, **TOL):
            continue
        if not np.isclose(got.sum(), 1.0, atol=1e-4):
            fail(f"at temperature {t} the probabilities sum to {got.sum():.4f}, not 1: the temperature divides the "
                 "logits, before the softmax — not the probabilities after it")
        expect_close(got, expected, f"softmax_with_temperature(logits, {t})", **TOL, mistakes={
            f"at temperature {t} you multiply the logits by the temperature: divide them by it (a temperature below 1 "
            "sharpens the distribution)": _softmax(logits * t) if t != 1 else None,
            f"at temperature {t} the probabilities are those of temperature 1: scale the logits, logits / temperature, "
            "before the softmax": _softmax(logits) if t != 1 else None})
