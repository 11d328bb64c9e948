"""Checks for ch04.shortcut: ExampleDeepNeuralNetwork with and without shortcuts, and its gradients."""
import numpy as np

from grader.checks import case, expect_close, expect_names, expect_shape, fail, points
from grader.checks.weights import pattern

BOOK_SIZES = [3, 3, 3, 3, 3, 1]
NARROWING = [4, 4, 2, 2, 2, 1]   # six sizes, so the book's five-layer network fits too
BOOK_INPUT = np.float32([[1.0, 0.0, -1.0]])


def _model(learner, sizes, use_shortcut):
    from grader.checks.weights import assign

    model = learner.ExampleDeepNeuralNetwork(sizes, use_shortcut)
    reference = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        reference[f"layers.{i}.0.weight"] = pattern((n_out, n_in), f"sc.{i}.w", 1.0)
        reference[f"layers.{i}.0.bias"] = pattern((n_out,), f"sc.{i}.b", 0.5)
    assign(model, reference)
    return model


@case
def structure(learner):
    return {n: list(p.shape) for n, p in learner.ExampleDeepNeuralNetwork(BOOK_SIZES, True).named_parameters()}


@case
def forward(learner):
    import torch

    batch = torch.from_numpy(pattern((4, 3), "sc.batch", 1.5))
    return {f"{flag}": {"book": _model(learner, BOOK_SIZES, flag)(torch.from_numpy(BOOK_INPUT)),
                        "batch": _model(learner, BOOK_SIZES, flag)(batch)}
            for flag in (False, True)}


@case
def narrowing(learner):
    import torch

    wide = torch.from_numpy(pattern((2, 4), "sc.wide", 1.5))
    return {f"{flag}": _model(learner, NARROWING, flag)(wide) for flag in (False, True)}


@case
def gradients(learner):
    import torch
    return {f"{flag}": learner.gradient_means(_model(learner, BOOK_SIZES, flag), torch.from_numpy(BOOK_INPUT))
            for flag in (False, True)}


def test_layers(out, snap):
    got, expected = out["structure"], snap["structure"]
    layers = {n.split(".")[1] for n in got if n.startswith("layers.")}
    if len(layers) != len(BOOK_SIZES) - 1:
        fail(f"ExampleDeepNeuralNetwork({BOOK_SIZES}, ...) has {len(layers)} layers, expected {len(BOOK_SIZES) - 1}: "
             "one nn.Sequential(nn.Linear(layer_sizes[i], layer_sizes[i + 1]), GELU()) per consecutive pair")
    expect_names(got, expected, f"the parameters of ExampleDeepNeuralNetwork({BOOK_SIZES}, True) "
                 "(self.layers = nn.ModuleList of nn.Sequential(Linear, GELU))", "parameter")
    for name, shape in expected.items():
        if got[name] != shape:
            fail(f"{name} has shape {got[name]}, expected {shape}")


def _expect_forward(out, snap, flag, mistake):
    """Both forward cases and the narrowing one; `mistake` is the advice when the output is the other flag's."""
    got, expected = out["forward"][f"{flag}"], snap["forward"][f"{flag}"]
    for key, what in (("book", "the book's input [[1., 0., -1.]]"), ("batch", "a batch of 4 inputs")):
        expect_shape(got[key], expected[key].shape, f"the output for {what} with use_shortcut={flag}")
        expect_close(got[key], expected[key], f"the output for {what} with use_shortcut={flag}, known weights",
                     atol=1e-5, rtol=1e-4, mistakes={mistake: snap["forward"][f"{not flag}"][key]})
    what = f"the output for layer sizes {NARROWING} with use_shortcut={flag}, known weights"
    expect_close(out["narrowing"][f"{flag}"], snap["narrowing"][f"{flag}"], what, atol=1e-5, rtol=1e-4)


def test_forward_without_shortcut(out, snap):
    _expect_forward(out, snap, False, "with use_shortcut=False your network still adds shortcuts: add x only when "
                                      "self.use_shortcut is True")


def test_forward_with_shortcut(out, snap):
    got, expected = out["forward"]["True"]["book"], snap["forward"]["True"]["book"]
    if list(got.shape) != list(expected.shape):
        fail(f"with use_shortcut=True the output for the book's input has shape {list(got.shape)}, expected "
             f"{list(expected.shape)}: the last layer changes the size (3 -> 1) and must not get a shortcut; "
             "add x only when x.shape == layer_output.shape")
    _expect_forward(out, snap, True, "with use_shortcut=True your network adds no shortcut: continue with "
                                     "x + layer_output")


@points(2)
def test_gradient_means(out, snap):
    for flag in ("False", "True"):
        got, expected = out["gradients"][flag], snap["gradients"][flag]
        what = f"gradient_means(model, x) with use_shortcut={flag}"
        if isinstance(got, dict) and any("bias" in n for n in got):
            fail(f"{what} reports biases too: keep only the parameters whose name contains 'weight'")
        expect_names(got, list(expected), what, "parameter")
        values = np.array([got[n] for n in expected], dtype=np.float64)
        if (values < 0).any():
            fail(f"{what} has a negative value ({values.min():.3g}): take the mean of the absolute gradient, "
                 "param.grad.abs().mean()")
        expect_close(values, np.array([expected[n] for n in expected]),
                     f"{what}, per layer {list(expected)}", atol=1e-7, rtol=1e-3)
