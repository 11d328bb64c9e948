"""Checks for ch03.two_dimensional_wrapper (exercise 3.2): two heads whose outputs make 2-dimensional vectors."""
import numpy as np

from grader.checks import case, expect_shape, fail, sibling
from grader.checks.weights import pattern

TOY = sibling(__file__, "attention_reference").TOY     # the book's input, float32
BOOK_BATCH = np.stack([TOY, TOY])
OTHER_BATCH = pattern((2, 5, 4), "x")


def structure(learner, *args, **kwargs):
    module = learner.two_dimensional_wrapper(*args, **kwargs)
    heads = list(getattr(module, "heads", []))
    return {"type": type(module).__name__, "heads": len(heads),
            "masks": [[list(b.shape) for b in h.buffers()] for h in heads]}


def output_shape(learner, x, *args, **kwargs):
    import torch
    with torch.no_grad():
        return list(learner.two_dimensional_wrapper(*args, **kwargs).eval()(torch.from_numpy(x)).shape)


book = case(structure, 3, 6)
book_output = case(output_shape, BOOK_BATCH, 3, 6)
other_sizes = case(structure, 4, 5, dropout=0.1)
other_output = case(output_shape, OTHER_BATCH, 4, 5, dropout=0.1)
OWN_ARGUMENTS = "pass d_in, context_length and dropout on instead of the book's numbers"


def test_two_heads(out):
    got = out["book"]
    if got["type"] != "MultiHeadAttentionWrapper":
        fail(f"two_dimensional_wrapper should return a MultiHeadAttentionWrapper, got a {got['type']}")
    if got["heads"] != 2:
        fail(f"the wrapper has {got['heads']} head(s): the exercise keeps num_heads=2 and changes d_out instead")


def test_book_batch_gives_two_dimensions(out):
    got = out["book_output"]
    if len(got) == 3 and got[:2] == [2, 6] and got[2] != 2:
        fail(f"the context vectors have {got[2]} dimensions, expected 2: with num_heads=2 the output has "
             "2 * d_out dimensions, so each head needs d_out=1")
    expect_shape(np.zeros(got), [2, 6, 2], "the wrapper's output for the book's batch")


def test_uses_its_arguments(out):
    masks = out["other_sizes"]["masks"]
    if any(m != [[5, 5]] for m in masks):
        fail(f"two_dimensional_wrapper(4, 5) has masks {masks}, expected 5 x 5 masks: {OWN_ARGUMENTS}")
    out.error("other_output", {"Exception": "two_dimensional_wrapper(4, 5) failed on a batch of 2 sequences of 5 "
                                            f"tokens with 4 dimensions: {OWN_ARGUMENTS}"})
    if out["other_output"] != [2, 5, 2]:
        fail(f"two_dimensional_wrapper(4, 5) gave output shape {out['other_output']}, expected [2, 5, 2]: "
             + OWN_ARGUMENTS)
