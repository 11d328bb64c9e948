"""Checks for appA.compute_accuracy: the fraction of correct predictions, in evaluation mode, over every
example (the last batch is smaller), as a Python float."""
import numpy as np

from grader.checks import case, fail, fail_if_mistake, sibling
from grader.checks.weights import pattern

ref = sibling(__file__, "appa_reference")
N, D, CLASSES, BATCH = 10, 3, 3, 3   # batches of 3, 3, 3 and 1; every usual mistake gives its own value
X = ref.features(N, D, "acc.x")
W, B = pattern((CLASSES, D), "acc.w", 1.0), pattern((CLASSES,), "acc.b", 0.2)
PREDICTED = np.argmax(X @ W.T + B, axis=1)
Y = np.where(np.arange(N) < 8, PREDICTED, (PREDICTED + 1) % CLASSES)   # the first 8 right: accuracy 0.8


def _model():
    """A linear classifier with known weights that, in training mode, negates its logits: a stand-in for
    dropout that changes predictions without randomness."""
    import torch

    class TrainModeFlips(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(D, CLASSES)
            with torch.no_grad():
                self.linear.weight.copy_(torch.from_numpy(W))
                self.linear.bias.copy_(torch.from_numpy(B))

        def forward(self, x):
            logits = self.linear(x)
            return -logits if self.training else logits

    return TrainModeFlips()


def _loader(n=N):
    import torch
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X[:n]), torch.from_numpy(Y[:n]))
    return torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=False)


def _mistake(kind):
    """What the usual wrong versions of compute_accuracy return here."""
    import torch
    model = _model()
    model.train(kind == "no_eval")
    correct, total, batches = 0, 0, 0
    with torch.no_grad():
        for features, labels in _loader():
            predictions = torch.argmax(model(features), dim=0 if kind == "dim0" else 1)
            compare = labels == predictions
            correct += int(compare.sum())
            total += len(compare)
            batches += 1
    return {"no_eval": correct / total, "dim0": correct / total, "per_batch": correct / batches,
            "full_batches": correct / (batches * BATCH)}[kind]


def _accuracy(learner, model, loader):
    """compute_accuracy as printed in section A.7, (model, dataloader), or as in A.9's DDP script, (model,
    dataloader, device) with device required: on the CPU either way."""
    import inspect

    try:
        takes_device = "device" in inspect.signature(learner.compute_accuracy).parameters
    except (TypeError, ValueError):   # no signature to read: call it as A.7 does
        takes_device = False
    if takes_device:
        return learner.compute_accuracy(model, loader, device="cpu")
    return learner.compute_accuracy(model, loader)


@case
def accuracy(learner):
    return {"in_train_mode": _accuracy(learner, _model().train(), _loader()),
            "in_eval_mode": _accuracy(learner, _model().eval(), _loader()),
            "all_right": _accuracy(learner, _model().eval(), _loader(6))}


@case
def mistakes(learner):
    """What the usual wrong versions of compute_accuracy return here (they need nothing of the learner's)."""
    return {kind: _mistake(kind) for kind in ADVICE}


ADVICE = {"no_eval": "call model.eval() first; otherwise the model stays in training mode, where dropout, "
                     "for one, acts differently",
          "dim0": "the predictions take the argmax over the batch (dim=0); take it over the classes, dim=1",
          "per_batch": "the count of correct predictions is divided by the number of batches; divide by the number "
                       "of examples",
          "full_batches": "the count is divided by batches * batch_size, but the last batch is smaller; add up "
                          "len(labels) of every batch"}


def _judge(got, expected, what, mistakes):
    """`got` against `expected` within 1e-6, naming the known mistake (kind -> its value) it matches."""
    if isinstance(got, np.ndarray):
        fail(f"{what} is a tensor; return a Python float with .item()")
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        fail(f"{what} should be a float between 0 and 1, got {type(got).__name__}")
    if abs(got - expected) > 1e-6:
        fail_if_mistake(got, {ADVICE[kind]: value for kind, value in mistakes.items()},
                        f"{what} is {got:.4f}, expected {expected:.4f}", atol=1e-6, rtol=0)
        fail(f"{what} is {got:.4f}, expected {expected:.4f} (correct predictions / examples)")


def test_counts_every_example(out, snap):
    got = out["accuracy"]
    _judge(got["in_eval_mode"], snap["accuracy"]["in_eval_mode"],
           f"compute_accuracy on {N} examples, batches of {BATCH} (the last has 1)",
           {k: v for k, v in out["mistakes"].items() if k != "no_eval"})
    _judge(got["all_right"], snap["accuracy"]["all_right"],
           f"compute_accuracy on 6 examples that the model gets right (two batches of {BATCH})", {})


def test_evaluation_mode(out, snap):
    _judge(out["accuracy"]["in_train_mode"], snap["accuracy"]["in_eval_mode"],
           f"compute_accuracy of a model handed over in training mode, on {N} examples", out["mistakes"])
