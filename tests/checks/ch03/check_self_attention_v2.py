"""Checks for ch03.self_attention_v2: the same attention with nn.Linear projections."""
from grader.checks import case, expect_gradients, fail, forward, points, sibling, with_weights

ref = sibling(__file__, "attention_reference")
BOOK = dict(x=ref.TOY, ref=ref.linear_weights(3, 2, "v2.book"))
OTHER = dict(x=ref.inputs((7, 5), "v2.other"), ref=ref.linear_weights(5, 4, "v2.other", qkv_bias=True))
VARIANTS = ("no_scale", "scale_d_k", "softmax_dim", "transposed_scores")


def build(learner, d_in, d_out, linear):
    return with_weights(learner.SelfAttention_v2(d_in, d_out, qkv_bias="W_query.bias" in linear), linear)


def run(learner, setup):
    x = setup["x"]
    return forward(build(learner, x.shape[-1], setup["ref"]["W_query.weight"].shape[0], setup["ref"]), x)


@case
def parameters(learner):
    found = {}
    for bias in (False, True):
        module = learner.SelfAttention_v2(3, 2, qkv_bias=bias)
        found[f"qkv_bias={bias}"] = {n: list(p.shape) for n, p in module.named_parameters()}
    return found


book_input = case(run, BOOK)
other_sizes = case(run, OTHER)


@case
def gradients(learner):
    module = build(learner, 3, 2, ref.linear_weights(3, 2, "v2.grad"))
    return ref.gradients(module, ref.inputs((4, 3), "v2.grad"), "v2.grad")


def test_parameters(out):
    for bias in (False, True):
        got = out["parameters"][f"qkv_bias={bias}"]
        expected = {f"{n}.weight": [2, 3] for n in ref.QKV}
        expected.update({f"{n}.bias": [2] for n in ref.QKV} if bias else {})
        if got != expected:
            hint = (": pass bias=qkv_bias to each nn.Linear" if {k for k in got if k.endswith("weight")}
                    == {k for k in expected if k.endswith("weight")} else "")
            fail(f"SelfAttention_v2(3, 2, qkv_bias={bias}) has parameters {got}, expected {expected}: three "
                 f"nn.Linear(d_in, d_out, bias=qkv_bias) layers named W_query, W_key and W_value{hint}")


def _expect(out, snap, name, setup, what):
    ref.expect_unbatched_attention(out[name], snap[name], what, setup["x"], setup["ref"], VARIANTS)


@points(2)
def test_book_input_values(out, snap):
    """The book's 6 x 3 input, d_out=2, weights set by name; atol 1e-5, rtol 1e-4."""
    _expect(out, snap, "book_input", BOOK, "SelfAttention_v2(3, 2) on the book's input")


def test_other_sizes(out, snap):
    """7 tokens of 5 dimensions, d_out=4, qkv_bias=True; atol 1e-5, rtol 1e-4."""
    _expect(out, snap, "other_sizes", OTHER, "SelfAttention_v2(5, 4, qkv_bias=True) on 7 tokens")


def test_gradients_reach_every_parameter(out):
    expect_gradients(out["gradients"], "SelfAttention_v2(3, 2)")
