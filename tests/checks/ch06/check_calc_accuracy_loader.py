"""Checks for ch06.calc_accuracy_loader: accuracy of the last token's argmax, over num_batches batches, in eval mode."""
from grader.checks import case, expect_close, expect_type, fail, fail_if_mistake, points, sibling

stand = sibling(__file__, "standins")
N, BATCH = 20, 4


def accuracy(learner, num_batches):
    model = stand.tiny_classifier("acc.")
    value = learner.calc_accuracy_loader(stand.loader(N, BATCH, "acc"), model, "cpu", num_batches=num_batches)
    return {"value": value, "calls": model.calls}


all_batches = case(accuracy, None)
two_batches = case(accuracy, 2)


@case
def mistakes(learner):
    """The accuracy over all batches if the prediction came from the first token or the mean over positions, and
    the number of right predictions (computed here, from the same model)."""
    import torch

    model, data = stand.tiny_classifier("acc."), stand.loader(N, BATCH, "acc")
    targets = torch.cat([y for _, y in data])
    with torch.no_grad():
        logits = torch.cat([model(x) for x, _ in data])
    return {"first token": float((logits[:, 0].argmax(-1) == targets).float().mean()),
            "mean over tokens": float((logits.mean(1).argmax(-1) == targets).float().mean()),
            "count": int((logits[:, -1].argmax(-1) == targets).sum())}


def _value(out, key, what):
    value = out[key]["value"]
    expect_type(value, (float, int), what)
    return value


@points(2)
def test_accuracy_over_all_batches(out, snap):
    value = _value(out, "all_batches", "calc_accuracy_loader(...)")
    expected, m = snap["all_batches"]["value"], out["mistakes"]
    if abs(value - expected) > 1e-6:
        fail_if_mistake(value, {
            "that is the number of correct predictions: divide by the number of examples, to return a fraction "
            "between 0 and 1": m["count"] if m["count"] > 1 else None,
            "predict from the LAST token's logits, [:, -1, :]: only the last position has seen the whole message":
                m["first token"],
            "predict from the last token's logits, not their mean over positions": m["mean over tokens"],
        }, f"calc_accuracy_loader returned {value:.4g}, expected {expected:.4f}", atol=1e-6, rtol=0)
        fail(f"the accuracy over all {N // BATCH} batches is {value:.4f}, expected {expected:.4f}: an example is "
             "right when the argmax of its last token's logits equals its label")


def test_num_batches(out, snap):
    value = _value(out, "two_batches", "calc_accuracy_loader(..., num_batches=2)")
    every = out["all_batches"]["value"] if abs(snap["two_batches"]["value"] - snap["all_batches"]["value"]) > 1e-9 \
        else None
    expect_close(value, snap["two_batches"]["value"], "the accuracy over the first 2 batches", atol=1e-6, rtol=0,
                 mistakes={"with num_batches=2 the accuracy is the one over every batch: stop after num_batches "
                           "batches": every})


def test_eval_mode_without_gradients(out):
    calls = out["all_batches"]["calls"]
    if not calls:
        fail("calc_accuracy_loader never called the model")
    if any(training for training, _, _ in calls):
        fail("the model was called in training mode: call model.eval() first (dropout must be off to measure)")
    if any(grad for _, grad, _ in calls):
        fail("the model ran with gradients on: compute the logits under torch.no_grad()")
