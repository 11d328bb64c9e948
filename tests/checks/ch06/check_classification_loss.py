"""Checks for ch06.classification_loss: cross-entropy of the last token's logits, averaged over num_batches batches."""
from grader.checks import case, expect_close, expect_type, fail, points, show, sibling

stand = sibling(__file__, "standins")
N, BATCH = 20, 4
TOL = dict(atol=1e-5, rtol=1e-5)


@case
def batch(learner):
    x, y = next(iter(stand.loader(BATCH, BATCH, "loss.batch")))
    return learner.calc_loss_batch(x, y, stand.tiny_classifier("loss."), "cpu")


@case
def mistakes(learner):
    """The loss of the usual mistakes on the same batch, computed here."""
    import torch

    x, y = next(iter(stand.loader(BATCH, BATCH, "loss.batch")))
    with torch.no_grad():
        logits = stand.tiny_classifier("loss.")(x)
    ce = torch.nn.functional.cross_entropy
    return {"use the LAST token's logits, [:, -1, :]: it is the only position that has seen the whole message":
            float(ce(logits[:, 0], y)),
            "average over the batch (cross_entropy's default reduction), not the sum":
            float(ce(logits[:, -1], y, reduction="sum")),
            "compute the loss on the last token's logits only, one per example, not on every position":
            float(ce(logits.flatten(0, 1), y.repeat_interleave(logits.shape[1])))}


def loss_over(learner, num_batches):
    return learner.calc_loss_loader(stand.loader(N, BATCH, "loss.loader"), stand.tiny_classifier("loss."), "cpu",
                                    num_batches=num_batches)


loader_all = case(loss_over, None)
loader_two = case(loss_over, 2)
loader_too_many = case(loss_over, 50)


@case
def loader_empty(learner):
    import math

    from torch.utils.data import DataLoader
    value = learner.calc_loss_loader(DataLoader([]), stand.tiny_classifier("loss."), "cpu")
    nan = isinstance(value, float) and math.isnan(value)
    return {"nan": nan, "shown": "nan" if nan else show(value, 60)}  # NaN != NaN: compare a flag


def _number(value, what):
    if hasattr(value, "torch_dtype") and value.shape == ():
        return float(value)
    expect_type(value, (float, int), what)
    return float(value)


@points(2)
def test_batch_loss(out, snap):
    got = out["batch"]
    if hasattr(got, "shape") and got.shape != ():
        fail(f"calc_loss_batch returned a tensor of shape {list(got.shape)}; expected one number, the mean "
             "cross-entropy over the batch")
    expect_close(_number(got, "calc_loss_batch(...)"), float(snap["batch"]), "calc_loss_batch on a batch of 4 messages",
                 **TOL, mistakes=out["mistakes"])


def test_loss_keeps_its_gradient(out):
    got = out["batch"]
    if not hasattr(got, "torch_dtype"):
        fail(f"calc_loss_batch returned a {type(got).__name__}; return the loss tensor itself (not .item()), so "
             "that training can call loss.backward()")
    if not got.requires_grad:
        fail("the loss returned by calc_loss_batch has no gradient: don't compute it under torch.no_grad() or detach "
             "it")


def test_loader_average(out, snap):
    every = _number(out["loader_all"], "calc_loss_loader over every batch")
    expect_close(every, float(snap["loader_all"]), "calc_loss_loader over every batch (the mean of the batch losses)",
                 **TOL)
    expect_close(_number(out["loader_two"], "calc_loss_loader(..., num_batches=2)"), float(snap["loader_two"]),
                 "calc_loss_loader over the first 2 batches (stop after num_batches)", **TOL, mistakes={
                     "with num_batches=2 the loss is the one over every batch: stop after num_batches batches": every,
                     "you add up every batch's loss but divide by num_batches=2: stop after num_batches batches":
                         every * (N // BATCH) / 2})


def test_num_batches_capped(out, snap):
    expected = float(snap["loader_too_many"])
    expect_close(_number(out["loader_too_many"], "calc_loss_loader(..., num_batches=50)"), expected,
                 "calc_loss_loader with num_batches larger than the loader", **TOL, mistakes={
                     f"with num_batches=50 on a loader of {N // BATCH} batches the sum is divided by 50: use "
                     "min(num_batches, len(data_loader))": expected * (N // BATCH) / 50})


def test_empty_loader_is_nan(out):
    out.error("loader_empty", {"ZeroDivisionError": "calc_loss_loader on an empty loader divided by zero: return "
                                                    "float('nan') when len(data_loader) == 0, as the book does"})
    got = out["loader_empty"]
    if not got["nan"]:
        fail(f"calc_loss_loader on an empty loader returned {got['shown']}; return float('nan'), as the book does")
