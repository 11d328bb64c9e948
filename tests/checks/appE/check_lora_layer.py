"""Checks for appE.lora_layer: A (in_dim, rank) Kaiming-uniform, B (rank, out_dim) zeros, out = alpha * x @ A @ B."""
import numpy as np

from grader.checks import case, fail, forward, points, sibling, with_weights

ref = sibling(__file__, "lora_reference")
IN, OUT, RANK, ALPHA = ref.IN, ref.OUT, ref.RANK, ref.ALPHA


@case
def fresh(learner):
    layer = learner.LoRALayer(IN, OUT, RANK, ALPHA)
    return {"parameters": {n: list(p.shape) for n, p in layer.named_parameters()},
            "trainable": [n for n, p in layer.named_parameters() if p.requires_grad],
            "output": forward(layer, ref.X)}


@case
def init_a(learner):
    """A of a wide layer (64 -> 48, rank 8): Kaiming-uniform with a = sqrt(5) lies within 1/sqrt(rank) = 0.354
    with a standard deviation near 0.354 / sqrt(3); only these judgements cross (the values are random)."""
    layer = learner.LoRALayer(64, 48, 8, 2)
    params = dict(layer.named_parameters())
    a = params.get("A")
    if a is None or list(a.shape) != [64, 8]:
        a = next((p for p in params.values() if list(p.shape) == [64, 8]), None)
    if a is None:
        return None
    a, bound = a.detach(), 1 / 8 ** 0.5  # kaiming_uniform_ on (in_dim, rank): fan_in = rank
    return {"zero": bool((a == 0).all()), "within_bound": bool(a.abs().max() <= bound * 1.0001),
            "uniform_spread": bool(0.6 < float(a.std()) / (bound / 3 ** 0.5) < 1.4)}


def with_known_matrices(learner, x_name):
    """LoRALayer with A and B set to known matrices, on the input ref.<x_name>."""
    layer = with_weights(learner.LoRALayer(IN, OUT, RANK, ALPHA), {"A": ref.A, "B": ref.B})
    return forward(layer, getattr(ref, x_name))


two_d = case(with_known_matrices, "X")
three_d = case(with_known_matrices, "X3")
BATCHED = "use @ or torch.matmul, which work for any number of leading dimensions"


def test_parameters(out):
    got = out["fresh"]["parameters"]
    if not got:
        fail("LoRALayer has no parameters: make A and B torch.nn.Parameter, so they train")
    if sorted(got.values()) != sorted([[IN, RANK], [RANK, OUT]]):
        fail(f"LoRALayer({IN}, {OUT}, rank={RANK}, alpha={ALPHA}) has parameters {got}; expected A of shape "
             f"[{IN}, {RANK}] (in_dim, rank) and B of shape [{RANK}, {OUT}] (rank, out_dim)")
    if len(out["fresh"]["trainable"]) != 2:
        fail("A and B must both be trainable (requires_grad=True)")


@points(2)
def test_b_zero_leaves_the_output_zero(out):
    got = out["fresh"]["output"]
    if not isinstance(got, np.ndarray) or got.shape != (3, OUT):
        fail(f"a new LoRALayer({IN}, {OUT}, ...) on x of shape [3, {IN}] should give shape [3, {OUT}], got "
             f"{list(got.shape) if hasattr(got, 'shape') else type(got).__name__}")
    if not np.allclose(got, 0, atol=0):
        fail(f"a new LoRALayer changes its input's output (max |update| = {np.abs(got).max():.3g}): initialise B "
             "with zeros, so the adapted model starts exactly as the pretrained one")


def test_a_initialised_like_a_linear_layer(out):
    a = out["init_a"]
    if a is None:
        fail("LoRALayer(64, 48, rank=8, ...) has no parameter A of shape [64, 8]")
    if a["zero"]:
        fail("A is all zeros: with B also zero no gradient reaches either matrix, so LoRA never learns. "
             "Initialise A with torch.nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))")
    if not a["within_bound"]:
        fail("A has values beyond the Kaiming-uniform bound 1/sqrt(rank) (0.354 for rank 8): initialise it with "
             "torch.nn.init.kaiming_uniform_(self.A, a=math.sqrt(5)), not a normal distribution")
    if not a["uniform_spread"]:
        fail("A's values are not spread like a uniform draw in +-1/sqrt(rank): use "
             "torch.nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))")


@points(2)
def test_update_scaled_by_alpha(out):
    ref.expect_lora_update(out["two_d"], ref.X, f"LoRALayer(x) with known A and B, x of shape [3, {IN}]")


def test_batched_input(out):
    what = f"LoRALayer(x) for x of shape [2, 5, {IN}] (a batch of sequences)"
    out.error("three_d", {kind: f"{what} raised an error: {BATCHED}" for kind in ("RuntimeError", "ValueError")})
    ref.expect_lora_update(out["three_d"], ref.X3, f"{what}: {BATCHED}")
