"""Checks for ch03.multihead_attention: MultiHeadAttention's head split, scaling, mask, dropout and out_proj."""
import numpy as np

from grader.checks import case, expect_shape, fail, points, sibling

ref = sibling(__file__, "attention_reference")
TOY = np.array([[0.43, 0.15, 0.89], [0.55, 0.87, 0.66], [0.57, 0.85, 0.64],
                [0.22, 0.58, 0.33], [0.77, 0.25, 0.10], [0.05, 0.80, 0.55]], np.float32)
BOOK = dict(x=np.stack([TOY, TOY]), ref=ref.linear_weights(3, 2, "mha.book", out_proj=True), heads=2, bias=False)
OTHER = dict(x=ref.inputs((3, 4, 5), "mha.other"), heads=3, bias=True,
             ref=ref.linear_weights(5, 6, "mha.other", qkv_bias=True, out_proj=True))
VARIANTS = ("no_scale", "scale_d_out", "scale_d_k", "no_transpose", "no_out_proj", "diag0", "diag2", "no_mask",
            "mask_after_softmax", "softmax_dim")
PROBE_T, PROBE_H, PROBE_P = 4, 2, 0.5


def build(learner, d_in, d_out, ctx, dropout, heads, weights, qkv_bias=False):
    from grader.attention_weights import set_attention_weights
    module = learner.MultiHeadAttention(d_in, d_out, ctx, dropout, num_heads=heads, qkv_bias=qkv_bias)
    set_attention_weights(module, weights)
    return module.eval()


def run(learner, setup):
    import torch
    x = setup["x"]
    module = build(learner, x.shape[-1], setup["ref"]["W_query.weight"].shape[0], 6, 0.2, setup["heads"],
                   setup["ref"], setup["bias"])
    with torch.no_grad():
        return module(torch.from_numpy(x))


@case
def parameter_counts(learner):
    counts = {}
    for bias in (False, True):
        module = learner.MultiHeadAttention(4, 6, 5, 0.0, num_heads=2, qkv_bias=bias)
        counts[f"qkv_bias={bias}"] = sum(p.numel() for p in module.parameters())
    return counts


@case
def book_batch(learner):
    return run(learner, BOOK)


@case
def other_sizes(learner):
    return run(learner, OTHER)


@case
def dropout_probe(learner):
    weights = ref.probe_reference(PROBE_T, PROBE_H, "mha", out_proj=True)
    module = build(learner, PROBE_T, 2 * PROBE_T * PROBE_H, 6, PROBE_P, PROBE_H, weights)
    return ref.run_dropout_probe(module, PROBE_T)


@case
def causality(learner):
    module = build(learner, 4, 6, 8, 0.0, 2, ref.linear_weights(4, 6, "mha.causal", out_proj=True))
    return ref.causality_diffs(module, ref.inputs((2, 6, 4), "mha.causal"), ref.inputs((2, 6, 4), "mha.edit"))


@case
def lengths(learner):
    import torch
    module = build(learner, 4, 6, 8, 0.0, 2, ref.linear_weights(4, 6, "mha.len", out_proj=True))
    result = {}
    for T in (8, 3):
        try:
            with torch.no_grad():
                result[f"T{T}"] = list(module(torch.from_numpy(ref.inputs((2, T, 4), "mha.len"))).shape)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - the check words the failure
            result[f"T{T}"] = f"{type(exc).__name__}: {exc}"
    return result


@case
def gradients(learner):
    module = build(learner, 3, 4, 4, 0.0, 2, ref.linear_weights(3, 4, "mha.grad", qkv_bias=True, out_proj=True),
                   qkv_bias=True)
    return ref.gradient_sizes(module, ref.inputs((2, 4, 3), "mha.grad"), "mha.grad")


def test_parameters_as_in_the_book_and_trained(out, snap):
    ref.expect_gradients(out["gradients"], "MultiHeadAttention(3, 4, 4, 0.0, num_heads=2, qkv_bias=True)")
    got, expected = out["parameter_counts"], snap["parameter_counts"]
    for key in expected:
        if got[key] == expected[key]:
            continue
        hint = ""
        if got[key] == expected[key] - (6 * 6 + 6):
            hint = ": out_proj = nn.Linear(d_out, d_out) is missing"
        elif abs(got[key] - expected[key]) == 3 * 6:
            hint = ": the query, key and value layers must have a bias exactly when qkv_bias=True"
        fail(f"MultiHeadAttention(4, 6, 5, 0.0, num_heads=2, {key}) has {got[key]} parameters, expected "
             f"{expected[key]}{hint}")


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
    got = out["lengths"]
    for T in (8, 3):
        if isinstance(got[f"T{T}"], str):
            hint = (" — it works when num_tokens == context_length, so slice the mask to "
                    "self.mask[:num_tokens, :num_tokens]" if T == 3 and not isinstance(got["T8"], str) else "")
            fail(f"MultiHeadAttention(4, 6, context_length=8, ...) failed on {T} tokens{hint}: {got[f'T{T}']}")
        expect_shape(np.zeros(got[f"T{T}"]), [2, T, 6], f"the output for a batch of 2 sequences of {T} tokens")


def test_eval_mode_is_deterministic_without_dropout(out, snap):
    probe = out["dropout_probe"]
    first, again = probe["eval"], probe["eval_again"]
    expect_shape(first, snap["dropout_probe"]["eval"].shape, "the output in eval mode")
    if not np.array_equal(first, again, equal_nan=True):
        fail("in eval mode two calls on the same input gave different outputs: dropout is still active. Use the "
             "module self.dropout (nn.Dropout, which model.eval() turns off), not F.dropout(..., training=True)")
    ref.expect_attention(first[None], snap["dropout_probe"]["eval"][None], "the eval-mode output with dropout=0.5",
                         np.eye(PROBE_T, dtype=np.float32)[None],
                         ref.probe_reference(PROBE_T, PROBE_H, "mha", out_proj=True), VARIANTS, num_heads=PROBE_H)


@points(2)
def test_dropout_zeroes_and_rescales_in_train_mode(out):
    probe = out["dropout_probe"]
    expect_shape(probe["train"], [16, PROBE_T, 2 * PROBE_T * PROBE_H], "the output in train mode")
    ref.expect_dropout_in_train_mode(ref.read_dropout(probe["train"], probe["eval"], PROBE_P, PROBE_H), PROBE_P,
                                     "MultiHeadAttention")


def test_dropout_acts_on_attention_weights(out):
    probe = out["dropout_probe"]
    expect_shape(probe["train"], [16, PROBE_T, 2 * PROBE_T * PROBE_H], "the output in train mode")
    ref.expect_dropout_on_weights(ref.read_dropout(probe["train"], probe["eval"], PROBE_P, PROBE_H),
                                  "MultiHeadAttention")

