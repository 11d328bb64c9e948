"""Checks for ch03.multihead_attention: MultiHeadAttention's head split, scaling, mask, dropout and out_proj."""
import numpy as np

from grader.checks import case, expect_gradients, fail, fail_if_mistake, forward, points, sibling, with_weights

ref = sibling(__file__, "attention_reference")
BOOK = dict(x=np.stack([ref.TOY, ref.TOY]), ref=ref.linear_weights(3, 2, "mha.book", out_proj=True), heads=2,
            bias=False)
OTHER = dict(x=ref.inputs((3, 4, 5), "mha.other"), heads=3, bias=True,
             ref=ref.linear_weights(5, 6, "mha.other", qkv_bias=True, out_proj=True))
VARIANTS = ("no_scale", "scale_d_out", "scale_d_k", "no_transpose", "no_out_proj", "diag0", "diag2", "no_mask",
            "mask_after_softmax", "softmax_dim")
PROBE_T, PROBE_H, PROBE_P = 4, 2, 0.5


def build(learner, d_in, d_out, ctx, dropout, heads, weights, qkv_bias=False):
    module = learner.MultiHeadAttention(d_in, d_out, ctx, dropout, num_heads=heads, qkv_bias=qkv_bias)
    return with_weights(module, weights).eval()


def run(learner, setup):
    x = setup["x"]
    return forward(build(learner, x.shape[-1], setup["ref"]["W_query.weight"].shape[0], 6, 0.2, setup["heads"],
                             setup["ref"], setup["bias"]), x)


@case
def parameter_counts(learner):
    counts = {}
    for bias in (False, True):
        module = learner.MultiHeadAttention(4, 6, 5, 0.0, num_heads=2, qkv_bias=bias)
        counts[f"qkv_bias={bias}"] = sum(p.numel() for p in module.parameters())
    return counts


book_batch = case(run, BOOK)
other_sizes = case(run, OTHER)


@case
def dropout_probe(learner):
    weights = ref.probe_reference(PROBE_T, PROBE_H, "mha", out_proj=True)
    module = build(learner, PROBE_T, 2 * PROBE_T * PROBE_H, 6, PROBE_P, PROBE_H, weights)
    return ref.run_dropout_probe(module, PROBE_T)


@case
def causality(learner):
    module = build(learner, 4, 6, 8, 0.0, 2, ref.linear_weights(4, 6, "mha.causal", out_proj=True))
    return ref.edit_each_token(module, "mha")


def length(learner, T):
    module = build(learner, 4, 6, 8, 0.0, 2, ref.linear_weights(4, 6, "mha.len", out_proj=True))
    return ref.output_shape(module, 4, "mha.len", T)


length_8 = case(length, 8)
length_3 = case(length, 3)


@case
def gradients(learner):
    module = build(learner, 3, 4, 4, 0.0, 2, ref.linear_weights(3, 4, "mha.grad", qkv_bias=True, out_proj=True),
                   qkv_bias=True)
    return ref.gradients(module, ref.inputs((2, 4, 3), "mha.grad"), "mha.grad")


def test_parameters_as_in_the_book_and_trained(out, snap):
    expect_gradients(out["gradients"], "MultiHeadAttention(3, 4, 4, 0.0, num_heads=2, qkv_bias=True)")
    got, expected = out["parameter_counts"], snap["parameter_counts"]
    for key in expected:
        if got[key] == expected[key]:
            continue
        what = (f"MultiHeadAttention(4, 6, 5, 0.0, num_heads=2, {key}) has {got[key]} parameters, expected "
                f"{expected[key]}")
        fail_if_mistake(got[key], {
            "out_proj = nn.Linear(d_out, d_out) is missing": expected[key] - (6 * 6 + 6),
            "the query, key and value layers must have a bias exactly when qkv_bias=True":
                expected[key] + (3 * 6 if key == "qkv_bias=False" else -3 * 6)}, what, atol=0, rtol=0)
        fail(what)


@points(2)
def test_book_batch_values(out, snap):
    """Values at atol 1e-5, rtol 1e-4 (float32), weights set by name (or into a fused QKV layer)."""
    ref.expect_attention(out["book_batch"], snap["book_batch"], "MultiHeadAttention(3, 2, 6, ..., num_heads=2) on "
                         "the book's batch", BOOK["x"], BOOK["ref"], VARIANTS, num_heads=2)


@points(2)
def test_other_sizes_and_shorter_sequence(out, snap):
    """Batch 3, 4 tokens, context_length 6, 3 heads of 2 dims, qkv_bias=True; atol 1e-5, rtol 1e-4."""
    ref.expect_attention(out["other_sizes"], snap["other_sizes"], "MultiHeadAttention(5, 6, 6, ..., num_heads=3, "
                         "qkv_bias=True) on 3 sequences of 4 tokens", OTHER["x"], OTHER["ref"], VARIANTS,
                         num_heads=3)


@points(2)
def test_no_future_token_leaks(out):
    ref.expect_causal(out["causality"], "MultiHeadAttention on 6 tokens, each token edited in turn")


def test_any_length_up_to_context_length(out):
    ref.expect_any_length(out, "MultiHeadAttention(4, 6, context_length=8, ...)", 6)


def test_eval_mode_is_deterministic_without_dropout(out, snap):
    ref.expect_eval_deterministic(out["dropout_probe"], snap["dropout_probe"]["eval"],
                                  ref.probe_reference(PROBE_T, PROBE_H, "mha", out_proj=True), PROBE_P, VARIANTS,
                                  num_heads=PROBE_H)


@points(2)
def test_dropout_zeroes_and_rescales_in_train_mode(out):
    findings = ref.probe_findings(out["dropout_probe"], PROBE_T, PROBE_P, PROBE_H)
    ref.expect_dropout_in_train_mode(findings, PROBE_P, "MultiHeadAttention")


def test_dropout_acts_on_attention_weights(out):
    ref.expect_dropout_on_weights(ref.probe_findings(out["dropout_probe"], PROBE_T, PROBE_P, PROBE_H),
                                  "MultiHeadAttention")
