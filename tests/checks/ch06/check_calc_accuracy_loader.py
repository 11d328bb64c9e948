"""Checks for ch06.calc_accuracy_loader: accuracy of the last token's argmax, over num_batches batches, in eval mode."""
from grader.checks import case, expect_close, expect_type, fail, points, sibling

ref = sibling(__file__, "classifier_reference")
N, BATCH = 20, 4


def _run(learner, **kwargs):
    model = ref.tiny_classifier("acc.")
    value = learner.calc_accuracy_loader(ref.loader(N, BATCH, "acc"), model, "cpu", **kwargs)
    return {"value": value, "calls": model.calls}


@case
def all_batches(learner):
    return _run(learner)


@case
def two_batches(learner):
    return _run(learner, num_batches=2)


@case
def variants(learner):
    """The accuracy over all batches if the prediction came from the first token, or were averaged."""
    import torch

    model, data = ref.tiny_classifier("acc."), ref.loader(N, BATCH, "acc")
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
    expected, variants = snap["all_batches"]["value"], out["variants"]
    if abs(value - expected) > 1e-6:
        if value == variants["count"] and value > 1:
            fail(f"calc_accuracy_loader returned {value}, the number of correct predictions: divide by the "
                 "number of examples, to return a fraction between 0 and 1")
        for name, advice in (("first token", "predict from the LAST token's logits, [:, -1, :]: only the last "
                              "position has seen the whole message"),
                             ("mean over tokens", "predict from the last token's logits, not their mean over "
                              "positions")):
            if abs(value - variants[name]) < 1e-6 and abs(variants[name] - expected) > 1e-6:
                fail(f"the accuracy is {value:.3f}, expected {expected:.3f}: {advice}")
        fail(f"the accuracy over all {N // BATCH} batches is {value:.4f}, expected {expected:.4f}: an example is "
             "right when the argmax of its last token's logits equals its label")


def test_num_batches(out, snap):
    value = _value(out, "two_batches", "calc_accuracy_loader(..., num_batches=2)")
    expected = snap["two_batches"]["value"]
    if abs(value - out["all_batches"]["value"]) < 1e-9 and abs(expected - snap["all_batches"]["value"]) > 1e-9:
        fail("with num_batches=2 the accuracy is the one over every batch: stop after num_batches batches")
    expect_close(value, expected, "the accuracy over the first 2 batches", atol=1e-6, rtol=0)


def test_eval_mode_without_gradients(out):
    calls = out["all_batches"]["calls"]
    if not calls:
        fail("calc_accuracy_loader never called the model")
    if any(training for training, _, _ in calls):
        fail("the model was called in training mode: call model.eval() first (dropout must be off to measure)")
    if any(grad for _, grad, _ in calls):
        fail("the model ran with gradients on: compute the logits under torch.no_grad()")
