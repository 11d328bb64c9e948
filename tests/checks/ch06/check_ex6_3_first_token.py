"""Checks for ch06.ex6_3_first_token: the classification loss from the first token's logits."""
from grader.checks import case, expect_close, fail, sibling

stand = sibling(__file__, "standins")


@case
def loss(learner):
    x, y = next(iter(stand.loader(4, 4, "first")))
    return learner.calc_loss_batch_first_token(x, y, stand.tiny_classifier("first."), "cpu")


@case
def last_token_loss(learner):
    """The loss of the last token's logits on the same batch (computed here): chapter 6's, not this exercise's."""
    import torch
    x, y = next(iter(stand.loader(4, 4, "first")))
    with torch.no_grad():
        return float(torch.nn.functional.cross_entropy(stand.tiny_classifier("first.")(x)[:, -1], y))


ROWS = ("the logits must be (batch, num_classes), one row per example: take position 0 of every example, [:, 0, :], "
        "not the first example of the batch")


def test_first_token_loss(out, snap):
    out.error("loss", {"ValueError": ROWS, "RuntimeError": ROWS})
    got = out["loss"]
    if not hasattr(got, "torch_dtype") or got.shape != ():
        fail(f"calc_loss_batch_first_token should return the loss as a one-number tensor, got {type(got).__name__}"
             f"{' of shape ' + str(list(got.shape)) if hasattr(got, 'shape') else ''}")
    expect_close(float(got), float(snap["loss"]), "the cross-entropy of the first token's logits", atol=1e-5,
                 rtol=1e-5, mistakes={"this is the loss of the LAST token's logits: exercise 6.3 uses the first "
                                      "token's, [:, 0, :]": out["last_token_loss"]})
