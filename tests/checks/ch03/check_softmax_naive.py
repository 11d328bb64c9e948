"""Checks for ch03.softmax_naive: softmax written from its formula."""
import numpy as np

from grader.checks import case, expect_close, fail

BOOK_SCORES = [0.9544, 1.4950, 1.4754, 0.8434, 0.7070, 1.0865]   # query 2's scores (section 3.3.1)
OTHER = [-1.0, 0.0, 2.5, 0.3, -0.2]


def run(learner, scores):
    import torch
    return learner.softmax_naive(torch.tensor(scores))


book = case(run, BOOK_SCORES)
other = case(run, OTHER)


def test_sums_to_one(out):
    for name, scores in (("book", BOOK_SCORES), ("other", OTHER)):
        got = np.asarray(out[name], np.float64)
        if got.shape != (len(scores),):
            fail(f"softmax_naive of a vector of {len(scores)} scores returned shape {list(got.shape)}")
        if abs(got.sum() - 1.0) > 1e-5 or (got < 0).any():
            fail(f"softmax_naive({scores}) sums to {got.sum():.5g}, expected 1 (within 1e-5) with no negative "
                 "entries: divide the exponentials by their sum")


def test_book_values(out, snap):
    """The book's weights for query 2: [0.1385, 0.2379, 0.2333, 0.1240, 0.1082, 0.1581]; atol 1e-5, rtol 1e-4."""
    for name, scores in (("book", BOOK_SCORES), ("other", OTHER)):
        x = np.asarray(scores)
        expect_close(out[name], snap[name], f"softmax_naive({scores})", atol=1e-5, rtol=1e-4, mistakes={
            "softmax_naive divides the scores by their sum: exponentiate them first, "
            "torch.exp(x) / torch.exp(x).sum(dim=0)": x / x.sum()})
