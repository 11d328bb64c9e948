"""Checks for appE.linear_with_lora: linear(x) + lora(x) around the given layer, unchanged while B is zero."""
import numpy as np

from grader.checks import case, expect_close, fail, fail_if_mistake, forward, points, sibling, with_weights
from grader.checks.weights import pattern

ref = sibling(__file__, "lora_reference")
IN, OUT, RANK, ALPHA = ref.IN, ref.OUT, ref.RANK, ref.ALPHA
W, BIAS = pattern((OUT, IN), "lin.w"), pattern((OUT,), "lin.b", 0.5)


def _linear():
    import torch

    linear = torch.nn.Linear(IN, OUT)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(W))
        linear.bias.copy_(torch.from_numpy(BIAS))
    return linear


@case
def structure(learner):
    layer = learner.LinearWithLoRA(_linear(), RANK, ALPHA)
    return {n: list(p.shape) for n, p in layer.named_parameters()}


@case
def at_init(learner):
    return forward(learner.LinearWithLoRA(_linear(), RANK, ALPHA), ref.X)


@case
def known(learner):
    layer = with_weights(learner.LinearWithLoRA(_linear(), RANK, ALPHA), {"lora.A": ref.A, "lora.B": ref.B})
    return forward(layer, ref.X)


def test_wraps_the_given_layer(out):
    got = out["structure"]
    lora = sorted(s for n, s in got.items() if s not in ([OUT, IN], [OUT]))
    if [RANK, IN] in lora or [OUT, RANK] in lora:
        fail(f"the LoRA matrices have shapes {lora}: give LoRALayer the layer's in_features then out_features "
             f"(A is [{IN}, {RANK}], B is [{RANK}, {OUT}]); a Linear's weight is (out_features, in_features)")
    if lora != sorted([[IN, RANK], [RANK, OUT]]):
        fail(f"LinearWithLoRA(Linear({IN}, {OUT}), rank={RANK}, ...) has parameters {got}; expected the layer's "
             f"weight and bias and a LoRALayer with A [{IN}, {RANK}] and B [{RANK}, {OUT}]")


@points(2)
def test_unchanged_at_init(out):
    expected = ref.X @ W.T + BIAS
    expect_close(out["at_init"], expected, "a new LinearWithLoRA(linear, ...)(x) (B is zero, so it must equal "
                 "linear(x): keep the given layer as self.linear, with its weights)", atol=1e-5, rtol=1e-5, mistakes={
                     "a new LinearWithLoRA returns only the LoRA update (zero at first): return self.linear(x) + "
                     "self.lora(x)": np.zeros_like(expected)})


@points(2)
def test_adds_the_update(out):
    got = out["known"]
    base = ref.X @ W.T + BIAS
    if not isinstance(got, np.ndarray) or got.shape != base.shape:
        fail(f"LinearWithLoRA(x) with known A and B has shape {list(getattr(got, 'shape', []))}, expected "
             f"{list(base.shape)}")
    fail_if_mistake(got, {"the output ignores the LoRA matrices: add self.lora(x) to self.linear(x)": base},
                    "LinearWithLoRA(x) with known A and B", atol=1e-5, rtol=1e-5)
    ref.expect_lora_update(got - base, ref.X, "LinearWithLoRA(x) - linear(x) with known A and B")
