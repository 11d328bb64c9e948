"""Checks for ch06.classification_loss: cross-entropy of the last token's logits, averaged over num_batches batches."""
import math

from grader.checks import case, expect_close, expect_type, fail, points, sibling

ref = sibling(__file__, "classifier_reference")
N, BATCH = 20, 4


@case
def batch(learner):
    import torch

    model, data = ref.tiny_classifier("loss."), ref.loader(BATCH, BATCH, "loss.batch")
    x, y = next(iter(data))
    loss = learner.calc_loss_batch(x, y, model, "cpu")
    check = ref.tiny_classifier("loss.")
    with torch.no_grad():
        logits = check(x)
    ce = torch.nn.functional.cross_entropy
    return {"loss": loss, "variants": {
        "first token": float(ce(logits[:, 0], y)), "sum": float(ce(logits[:, -1], y, reduction="sum")),
        "every token": float(ce(logits.flatten(0, 1), y.repeat_interleave(logits.shape[1])))}}


def _loader(learner, **kwargs):
    return learner.calc_loss_loader(ref.loader(N, BATCH, "loss.loader"), ref.tiny_classifier("loss."), "cpu", **kwargs)


@case
def loader_all(learner):
    return _loader(learner)


@case
def loader_two(learner):
    return _loader(learner, num_batches=2)


@case
def loader_too_many(learner):
    return _loader(learner, num_batches=50)


@case
def loader_empty(learner):
    from torch.utils.data import DataLoader
    value = learner.calc_loss_loader(DataLoader([]), ref.tiny_classifier("loss."), "cpu")
    nan = isinstance(value, float) and math.isnan(value)
    return {"nan": nan, "shown": "nan" if nan else repr(value)[:60]}  # NaN != NaN: compare a flag


def _number(value, what):
    if hasattr(value, "torch_dtype") and value.shape == ():
        return float(value)
    expect_type(value, (float, int), what)
    return float(value)


@points(2)
def test_batch_loss(out, snap):
    got = out["batch"]["loss"]
    if hasattr(got, "shape") and got.shape != ():
        fail(f"calc_loss_batch returned a tensor of shape {list(got.shape)}; expected one number, the mean "
             "cross-entropy over the batch")
    value, expected = _number(got, "calc_loss_batch(...)"), float(snap["batch"]["loss"])
    if abs(value - expected) > 1e-5:
        for name, advice in (("first token", "use the LAST token's logits, [:, -1, :]: it is the only position "
                              "that has seen the whole message"),
                             ("sum", "average over the batch (cross_entropy's default reduction), not the sum"),
                             ("every token", "compute the loss on the last token's logits only, one per example, "
                              "not on every position")):
            if abs(value - out["batch"]["variants"][name]) < 1e-5:
                fail(f"the loss is {value:.4f}, expected {expected:.4f}: {advice}")
    expect_close(value, expected, "calc_loss_batch on a batch of 4 messages", atol=1e-5, rtol=1e-5)


def test_loss_keeps_its_gradient(out):
    got = out["batch"]["loss"]
    if not hasattr(got, "torch_dtype"):
        fail(f"calc_loss_batch returned a {type(got).__name__}; return the loss tensor itself (not .item()), so "
             "that training can call loss.backward()")
    if not got.requires_grad:
        fail("the loss returned by calc_loss_batch has no gradient: don't compute it under torch.no_grad() or detach it")


def test_loader_average(out, snap):
    for key, what in (("loader_all", "every batch"), ("loader_two", "the first 2 batches (stop after num_batches)")):
        value = _number(out[key], f"calc_loss_loader over {what}")
        if key == "loader_two" and abs(value - _number(out["loader_all"], "")) < 1e-7:
            fail("with num_batches=2 the loss is the one over every batch: stop after num_batches batches")
        expect_close(value, float(snap[key]), f"calc_loss_loader over {what} (the mean of the batch losses)",
                     atol=1e-5, rtol=1e-5)


def test_num_batches_capped(out, snap):
    value = _number(out["loader_too_many"], "calc_loss_loader(..., num_batches=50)")
    expected = float(snap["loader_too_many"])
    if abs(value - expected * (N // BATCH) / 50) < 1e-6:
        fail(f"with num_batches=50 on a loader of {N // BATCH} batches the sum is divided by 50: use "
             "min(num_batches, len(data_loader))")
    expect_close(value, expected, "calc_loss_loader with num_batches larger than the loader", atol=1e-5, rtol=1e-5)


def test_empty_loader_is_nan(out):
    got = out["loader_empty"]
    if not got["nan"]:
        fail(f"calc_loss_loader on an empty loader returned {got['shown']}; return float('nan'), as the book does")
