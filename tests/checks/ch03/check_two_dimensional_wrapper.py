"""Checks for ch03.two_dimensional_wrapper (exercise 3.2): two heads whose outputs make 2-dimensional vectors."""
import numpy as np

from grader.checks import case, expect_shape, fail, sibling

TOY = sibling(__file__, "attention_reference").TOY     # the book's input, float32


def describe(module, x):
    import torch
    heads = list(getattr(module, "heads", []))
    try:
        with torch.no_grad():
            shape = list(module.eval()(x).shape)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the checks word the failure
        shape = f"{type(exc).__name__}: {exc}"
    return {"type": type(module).__name__, "heads": len(heads), "shape": shape,
            "masks": [[list(b.shape) for b in h.buffers()] for h in heads]}


@case
def book(learner):
    import torch
    x = torch.tensor(TOY)
    return describe(learner.two_dimensional_wrapper(3, 6), torch.stack([x, x]))


@case
def other_sizes(learner):
    from grader.checks.weights import pattern
    import torch
    return describe(learner.two_dimensional_wrapper(4, 5, dropout=0.1), torch.from_numpy(pattern((2, 5, 4), "x")))


def test_two_heads(out):
    got = out["book"]
    if got["type"] != "MultiHeadAttentionWrapper":
        fail(f"two_dimensional_wrapper should return a MultiHeadAttentionWrapper, got a {got['type']}")
    if got["heads"] != 2:
        fail(f"the wrapper has {got['heads']} head(s): the exercise keeps num_heads=2 and changes d_out instead")


def test_book_batch_gives_two_dimensions(out):
    got = out["book"]["shape"]
    if isinstance(got, str):
        fail(f"the wrapper failed on the book's batch: {got}")
    if len(got) == 3 and got[:2] == [2, 6] and got[2] != 2:
        fail(f"the context vectors have {got[2]} dimensions, expected 2: with num_heads=2 the output has "
             "2 * d_out dimensions, so each head needs d_out=1")
    expect_shape(np.zeros(got), [2, 6, 2], "the wrapper's output for the book's batch")


def test_uses_its_arguments(out):
    got = out["other_sizes"]
    if got["shape"] != [2, 5, 2] or any(m != [[5, 5]] for m in got["masks"]):
        fail(f"two_dimensional_wrapper(4, 5) gave output shape {got['shape']} and masks {got['masks']}, expected "
             "[2, 5, 2] with 5 x 5 masks: pass d_in, context_length and dropout on instead of the book's numbers")
