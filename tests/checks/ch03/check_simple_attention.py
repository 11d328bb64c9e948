"""Checks for ch03.simple_attention: scores, weights and context vectors without trainable weights."""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail, fail_if_mistake, sibling
from grader.checks.weights import pattern

TOY = sibling(__file__, "attention_reference").TOY     # the book's input, float32
BOOK_QUERY2 = [0.9544, 1.4950, 1.4754, 0.8434, 0.7070, 1.0865]
OTHER_X = pattern((4, 5), "simple.inputs", scale=1.0)
OTHER_SCORES = pattern((4, 4), "simple.scores", scale=2.0)        # not symmetric: rows and columns differ


@case
def toy(learner):
    import torch
    return learner.attention_scores(torch.tensor(TOY))


@case
def other(learner):
    import torch
    x, scores = torch.from_numpy(OTHER_X), torch.from_numpy(OTHER_SCORES)
    weights = torch.softmax(scores, dim=-1)          # the reference weights, so each function is checked alone
    return {"scores": learner.attention_scores(x), "weights": learner.attention_weights(scores),
            "context": learner.context_vectors(weights, x)}


def test_book_scores_for_query_2(out):
    """Row 1 (the query "journey") against the book's numbers, atol 1e-4."""
    got = out["toy"]
    fail_if_mistake(list(getattr(got, "shape", [])), {
        "inputs.T @ inputs multiplies the embedding dimensions; use inputs @ inputs.T (one row and one column per "
        "token)": [3, 3]}, "attention_scores of a 6 x 3 input returned 3 x 3")
    expect_shape(got, [6, 6], "attention_scores(inputs) for the book's 6 tokens")
    expect_close(got[1], BOOK_QUERY2, "the scores of query 2 (row 1)", atol=1e-4, rtol=0)


def test_scores_of_any_input(out, snap):
    """4 tokens of 5 dimensions; atol 1e-5, rtol 1e-4."""
    got = out["other"]["scores"]
    fail_if_mistake(list(getattr(got, "shape", [])), {"use inputs @ inputs.T": [5, 5]},
                    "attention_scores of a 4 x 5 input returned 5 x 5")
    expect_close(got, snap["other"]["scores"], "attention_scores on 4 tokens of 5 dimensions")


def test_weights_rows_sum_to_one(out):
    got = out["other"]["weights"]
    expect_shape(got, [4, 4], "attention_weights of a 4 x 4 score matrix")
    rows, cols = got.sum(axis=1), got.sum(axis=0)
    if not np.allclose(rows, 1.0, atol=1e-5):
        hint = (": the columns sum to 1 instead, so the softmax ran over dim=0; use dim=-1 (each query's row)"
                if np.allclose(cols, 1.0, atol=1e-5) else ": apply torch.softmax over dim=-1")
        fail(f"the rows of attention_weights sum to {np.round(rows, 4).tolist()}, expected 1{hint}")


def test_weights_values(out, snap):
    """Softmax of a non-symmetric 4 x 4 score matrix; atol 1e-5, rtol 1e-4."""
    expect_close(out["other"]["weights"], snap["other"]["weights"], "attention_weights of a 4 x 4 score matrix")


def test_context_vectors(out, snap):
    """Context vectors from fixed weights; atol 1e-5, rtol 1e-4."""
    weights = np.exp(OTHER_SCORES) / np.exp(OTHER_SCORES).sum(1, keepdims=True)
    expect_close(out["other"]["context"], snap["other"]["context"], "context_vectors for 4 tokens of 5 dimensions",
                 mistakes={"context_vectors used the columns of the weights (attn_weights.T @ inputs): context "
                           "vector i weighs the inputs by row i, attn_weights @ inputs": weights.T @ OTHER_X})
