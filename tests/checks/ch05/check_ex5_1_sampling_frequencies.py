"""Checks for ch05.ex5_1_sampling_frequencies (exercise 5.1): the expected number of draws of each token,
computed exactly from the temperature-scaled probabilities."""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail

NEXT_TOKEN_LOGITS = [4.51, 0.89, -1.90, 6.75, 1.63, -1.62, -1.89, 6.28, 1.79]
PIZZA = 6
RUNS = [(1, 1000), (0.1, 1000), (5, 1000), (5, 250)]


@case
def frequencies(learner):
    import torch
    logits = torch.tensor(NEXT_TOKEN_LOGITS)
    return [learner.sampling_frequencies(logits, t, n) for t, n in RUNS]


def test_expected_counts(out, snap):
    for (t, n), got, expected in zip(RUNS, out["frequencies"], snap["frequencies"]):
        what = f"sampling_frequencies(logits, {t}, {n})"
        expect_shape(got, expected.shape, what)
        if np.array_equal(got, np.round(got)) and not np.allclose(got, expected, rtol=1e-4):
            fail(f"{what} gave whole numbers {got.astype(int).tolist()}: that is one sampling run, which only "
                 "estimates the answer. The exact expected count is probability * num_samples")
        expect_close(got, expected, what, atol=1e-3, rtol=1e-5, mistakes={
            "you gave the probabilities: multiply them by num_samples to get how often each token is drawn on "
            "average": expected / n})


def test_pizza(out, snap):
    got = float(out["frequencies"][2][PIZZA])
    if abs(got - float(snap["frequencies"][2][PIZZA])) > 0.01:
        fail(f'at temperature 5, "pizza" should be drawn about {float(snap["frequencies"][2][PIZZA]):.1f} times in '
             f"1,000 (probability 4.3%), got {got:.2f}")
