"""Checks for appA.neural_network: NeuralNetwork's layers (names and shapes), its parameter counts,
its logits with known weights, and gradients reaching every parameter."""
import numpy as np

from grader.checks import (case, expect_close, expect_gradients, expect_names, expect_shape, fail, forward,
                           gradient_sizes, sibling, weighted_backward, with_weights)

ref = sibling(__file__, "appa_reference")
SIZES = (5, 3)                       # num_inputs, num_outputs for the value checks
WEIGHTS = ref.mlp_weights([SIZES[0], 30, 20, SIZES[1]], "nn")
X = ref.features(4, SIZES[0], "nn.x")


def _model(learner):
    return with_weights(learner.NeuralNetwork(*SIZES), WEIGHTS)


@case
def structure(learner):
    return {f"{i}->{o}": {n: list(p.shape) for n, p in learner.NeuralNetwork(i, o).named_parameters()}
            for i, o in ((2, 2), (50, 3))}


@case
def counts(learner):
    """Trainable parameters, as the book counts them (section A.5 and exercise A.3)."""
    return {f"{i}->{o}": sum(p.numel() for p in learner.NeuralNetwork(i, o).parameters() if p.requires_grad)
            for i, o in ((2, 2), (50, 3))}


@case
def logits(learner):
    model = _model(learner).eval()
    return {"batch": forward(model, X), "one": forward(model, X[:1])}


@case
def gradients(learner):
    import torch
    model = _model(learner)
    output = model(torch.from_numpy(X))
    if not output.requires_grad:   # computed without autograd: nothing to go backward through
        return {name: None for name, _ in model.named_parameters()}
    weighted_backward(output, "nn.grad")
    return gradient_sizes(model)


def test_layers(out, snap):
    for key, expected in snap["structure"].items():
        got = out["structure"][key]
        what = f"the parameters of NeuralNetwork({key.replace('->', ', ')})"
        expect_names(got, expected, what + " (self.layers, an nn.Sequential: Linear, ReLU, Linear, ReLU, Linear)",
                     "parameter")
        for name, shape in expected.items():
            if got[name] != shape:
                fail(f"{what}: {name} has shape {got[name]}, expected {shape} (nn.Linear(in, out) keeps its weight "
                     "as (out, in)); the layers go num_inputs -> 30 -> 20 -> num_outputs")


def test_parameter_counts(out, snap):
    for key, expected in snap["counts"].items():
        if out["counts"][key] != expected:
            fail(f"NeuralNetwork({key.replace('->', ', ')}) has {out['counts'][key]:,} trainable parameters, expected "
                 f"{expected:,} (the book's counts: 752 for 2 -> 2, 2,213 for 50 -> 3)")


def test_logits(out, snap):
    got = out["logits"]["batch"]
    what = f"NeuralNetwork{SIZES} on a batch of {len(X)}, with known weights,"
    expect_shape(got, snap["logits"]["batch"].shape, what)
    expected = ref.mlp_forward(WEIGHTS, X)
    if np.allclose(got, ref.softmax(expected), atol=1e-5) or np.allclose(got.sum(axis=-1), 1.0, atol=1e-5):
        fail(f"{what} returns probabilities (each row sums to 1): forward returns the logits, the output "
             "layer's values; softmax comes later, where probabilities are needed (F.cross_entropy applies it itself)")
    expect_close(got, snap["logits"]["batch"], what, atol=1e-4, rtol=1e-4, mistakes={
        f"this is the output of a network without {missing}: each hidden Linear layer is followed by nn.ReLU(); the "
        "output layer is not": ref.mlp_forward(WEIGHTS, X, relu_after)
        for relu_after, missing in (((), "both ReLUs"), ((0,), "the ReLU after the second hidden layer"),
                                    ((1,), "the ReLU after the first hidden layer"))})
    expect_close(out["logits"]["one"], snap["logits"]["one"], f"NeuralNetwork{SIZES} on a batch of one example",
                 atol=1e-4, rtol=1e-4)


def test_gradients_reach_every_parameter(out):
    expect_gradients(out["gradients"], "NeuralNetwork", "is every layer used in forward, outside torch.no_grad()? "
                     "return self.layers(x); no_grad() is for inference, where the caller asks for it")
