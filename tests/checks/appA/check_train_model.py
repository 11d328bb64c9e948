"""Checks for appA.train_model: the training loop against a reference run on fixed data and weights (SGD,
no shuffling), the usual wrong loops recognised, training mode on, losses kept as floats."""
import numpy as np

from grader.checks import case, expect_close, fail, fail_if_mistake, sibling

WORKER_PRELOAD = ("optimizers",)   # torch.optim and DDP find a stand-in for torch._dynamo (engine/eager_dynamo.py)
ref = sibling(__file__, "appa_reference")
N, EPOCHS, BATCH, LR = 6, 2, 2, 0.5
X, Y = ref.features(N, 2, "train.x"), ref.labels(N, 2, "train.y")
WEIGHTS = ref.mlp_weights([2, 6, 2], "train", prefix="net.")


def _recorder():
    """A small network with known weights that notes, at every forward, whether it was in training mode."""
    import torch

    class ModeRecorder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(2, 6), torch.nn.ReLU(), torch.nn.Linear(6, 2))
            self.modes = []
            with torch.no_grad():
                for name, p in self.net.named_parameters():
                    p.copy_(torch.from_numpy(WEIGHTS["net." + name]))

        def forward(self, x):
            self.modes.append(self.training)
            return self.net(x)

    return ModeRecorder()


def _loader():
    import torch
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
    return torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=False)


def _params(model):
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def _reference(kind):
    """The loop of section A.7 ("book"), or one of its usual mistakes, on the same start."""
    import torch
    import torch.nn.functional as F

    model = _recorder()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    losses = []
    for _ in range(EPOCHS):
        for features, labels in _loader():
            logits = model(features)
            loss = F.cross_entropy(torch.softmax(logits, dim=1) if kind == "probabilities" else logits, labels)
            if kind != "accumulate":
                optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return {"losses": losses, "params": _params(model)}


@case
def training(learner):
    import torch
    model = _recorder().eval()   # as after an evaluation: train_model must switch training mode on
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    losses = learner.train_model(model, _loader(), optimizer, EPOCHS)
    return {"losses": list(losses) if isinstance(losses, (list, tuple)) else losses, "params": _params(model),
            "modes": model.modes}


@case
def references(learner):
    return {kind: _reference(kind) for kind in ("book", "accumulate", "probabilities")}


MISTAKES = {
    "accumulate": "gradients pile up from step to step: call optimizer.zero_grad() before loss.backward() "
                  "in every step",
    "probabilities": "the loss is computed on probabilities: F.cross_entropy applies the softmax itself, "
                     "so give it the logits",
}


def test_parameters_after_training(out, snap):
    got, variants = out["training"]["params"], out["references"]
    what = f"the parameters after train_model ({EPOCHS} epochs of {N // BATCH} batches, SGD lr={LR}, known start)"
    names = list(snap["references"]["book"]["params"])
    fail_if_mistake(ref.flat(got, names), {
        "they are the initial ones: each step needs loss.backward() then optimizer.step(), with optimizer.zero_grad() "
        "before backward() (between backward() and step() it wipes the gradients)": ref.flat(WEIGHTS, names),
        **{advice: ref.flat(variants[kind]["params"], names) for kind, advice in MISTAKES.items()}},
        what, atol=1e-5, rtol=1e-5)
    for name, expected in snap["references"]["book"]["params"].items():
        expect_close(got.get(name), expected, f"{what}: {name}", atol=1e-5, rtol=1e-4)


def test_losses(out, snap):
    got = out["training"]["losses"]
    expected = snap["references"]["book"]["losses"]
    what = "train_model's return value"
    if not isinstance(got, list):
        fail(f"{what} should be a list of the batch losses, got {type(got).__name__}")
    if any(isinstance(v, np.ndarray) for v in got):
        fail(f"{what} holds tensors: keep loss.item(), a Python float; a loss tensor holds on to its whole "
             "computation graph, so a list of them keeps every step's graph in memory")
    if len(got) != len(expected):
        fail(f"{what} has {len(got)} losses, expected {len(expected)}: one per batch, {N // BATCH} batches "
             f"in each of {EPOCHS} epochs")
    expect_close(np.array(got, np.float64), expected, f"{what} (the loss of each batch, in order)",
                 atol=1e-5, rtol=1e-4)


def test_training_mode(out):
    modes = out["training"]["modes"]
    if not modes:
        fail("train_model never called the model")
    if not all(modes):
        first = modes.index(False)
        fail(f"the model was in evaluation mode at forward call {first + 1} of {len(modes)}: call model.train() "
             "at the start of every epoch (dropout, for one, acts only in training mode, and an evaluation "
             "in between switches it off)")
