"""Checks for ch03.self_attention_v1: scaled dot-product attention with nn.Parameter weight matrices."""
from grader.checks import case, expect_gradients, fail, forward, points, sibling, with_weights

ref = sibling(__file__, "attention_reference")
BOOK = dict(x=ref.TOY, ref=ref.linear_weights(3, 2, "v1.book"))
OTHER = dict(x=ref.inputs((7, 5), "v1.other"), ref=ref.linear_weights(5, 4, "v1.other"))
VARIANTS = ("no_scale", "scale_d_k", "softmax_dim", "transposed_scores")


def build(learner, d_in, d_out, linear):
    """v1 holds x @ W with W (d_in, d_out): the transposes of the Linear-layout reference."""
    return with_weights(learner.SelfAttention_v1(d_in, d_out), {n: linear[f"{n}.weight"].T.copy() for n in ref.QKV})


def run(learner, setup):
    x = setup["x"]
    return forward(build(learner, x.shape[-1], setup["ref"]["W_query.weight"].shape[0], setup["ref"]), x)


@case
def parameters(learner):
    return {n: list(p.shape) for n, p in learner.SelfAttention_v1(3, 2).named_parameters()}


book_input = case(run, BOOK)
other_sizes = case(run, OTHER)


@case
def gradients(learner):
    module = build(learner, 3, 2, ref.linear_weights(3, 2, "v1.grad"))
    return ref.gradients(module, ref.inputs((4, 3), "v1.grad"), "v1.grad")


def test_parameters(out):
    got, expected = out["parameters"], {n: [3, 2] for n in ref.QKV}
    if not got:
        fail("SelfAttention_v1(3, 2) has no parameters: wrap each matrix in nn.Parameter(...) so it is registered "
             "and trained")
    if got != expected:
        fail(f"SelfAttention_v1(3, 2) has parameters {got}, expected {expected}: three nn.Parameter matrices "
             "of shape (d_in, d_out) named W_query, W_key and W_value")


def _expect(out, snap, name, setup, what):
    ref.expect_unbatched_attention(out[name], snap[name], what, setup["x"], setup["ref"], VARIANTS)


@points(2)
def test_book_input_values(out, snap):
    """The book's 6 x 3 input, d_out=2, weights set by name; atol 1e-5, rtol 1e-4."""
    _expect(out, snap, "book_input", BOOK, "SelfAttention_v1(3, 2) on the book's input")


def test_other_sizes(out, snap):
    """7 tokens of 5 dimensions, d_out=4; atol 1e-5, rtol 1e-4."""
    _expect(out, snap, "other_sizes", OTHER, "SelfAttention_v1(5, 4) on 7 tokens")


def test_gradients_reach_every_parameter(out):
    expect_gradients(out["gradients"], "SelfAttention_v1(3, 2)")
