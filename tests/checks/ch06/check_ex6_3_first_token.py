"""Checks for ch06.ex6_3_first_token: the classification loss from the first token's logits."""
from grader.checks import case, expect_close, fail, sibling

ref = sibling(__file__, "classifier_reference")


@case
def loss(learner):
    import torch

    x, y = next(iter(ref.loader(4, 4, "first")))
    try:
        got = learner.calc_loss_batch_first_token(x, y, ref.tiny_classifier("first."), "cpu")
    except NotImplementedError:
        raise
    except (ValueError, RuntimeError) as exc:  # e.g. the first example's logits, (seq_len, classes)
        got = f"{type(exc).__name__}: {exc}"[:200]
    with torch.no_grad():
        logits = ref.tiny_classifier("first.")(x)
    return {"loss": got, "last": float(torch.nn.functional.cross_entropy(logits[:, -1], y))}


def test_first_token_loss(out, snap):
    got = out["loss"]["loss"]
    if isinstance(got, str):
        fail(f"calc_loss_batch_first_token raised {got}: the logits must be (batch, num_classes), one row per "
             "example: take position 0 of every example, [:, 0, :], not the first example of the batch")
    if not hasattr(got, "torch_dtype") or got.shape != ():
        fail(f"calc_loss_batch_first_token should return the loss as a one-number tensor, got {type(got).__name__}"
             f"{' of shape ' + str(list(got.shape)) if hasattr(got, 'shape') else ''}")
    if abs(float(got) - out["loss"]["last"]) < 1e-6:
        fail("this is the loss of the LAST token's logits: exercise 6.3 uses the first token's, [:, 0, :]")
    expect_close(float(got), float(snap["loss"]["loss"]), "the cross-entropy of the first token's logits",
                 atol=1e-5, rtol=1e-5)
