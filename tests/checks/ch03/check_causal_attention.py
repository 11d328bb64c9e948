"""Checks for ch03.causal_attention: the causal mask, scaled softmax and dropout of CausalAttention."""
import numpy as np

from grader.checks import case, expect_gradients, fail, forward, points, sibling, with_weights

ref = sibling(__file__, "attention_reference")
BOOK = dict(x=np.stack([ref.TOY, ref.TOY]), ref=ref.linear_weights(3, 2, "ca.book"), ctx=6, bias=False)
OTHER = dict(x=ref.inputs((3, 4, 5), "ca.other"), ref=ref.linear_weights(5, 4, "ca.other", qkv_bias=True),
             ctx=6, bias=True)
VARIANTS = ("no_scale", "scale_d_k", "diag0", "diag2", "no_mask", "mask_after_softmax", "softmax_dim")
PROBE_T, PROBE_P = 5, 0.5


def build(learner, d_in, d_out, ctx, dropout, weights, qkv_bias=False):
    return with_weights(learner.CausalAttention(d_in, d_out, ctx, dropout, qkv_bias=qkv_bias), weights).eval()


def run(learner, setup):
    x = setup["x"]
    return forward(build(learner, x.shape[-1], setup["ref"]["W_query.weight"].shape[0], setup["ctx"], 0.2,
                             setup["ref"], setup["bias"]), x)


@case
def mask_buffer(learner):
    module = learner.CausalAttention(4, 3, 7, 0.0)
    return {"buffers": {n: list(b.shape) for n, b in module.named_buffers()},
            "mask_type": type(getattr(module, "mask", None)).__name__}


book_batch = case(run, BOOK)
other_sizes = case(run, OTHER)


@case
def dropout_probe(learner):
    module = build(learner, PROBE_T, 2 * PROBE_T, 8, PROBE_P, ref.probe_reference(PROBE_T, 1, "ca"))
    return ref.run_dropout_probe(module, PROBE_T)


@case
def causality(learner):
    return ref.edit_each_token(build(learner, 4, 3, 8, 0.0, ref.linear_weights(4, 3, "ca.causal")), "ca")


def length(learner, T):
    return ref.output_shape(build(learner, 4, 3, 8, 0.0, ref.linear_weights(4, 3, "ca.len")), 4, "ca.len", T)


length_8 = case(length, 8)
length_3 = case(length, 3)


@case
def gradients(learner):
    module = build(learner, 3, 2, 4, 0.0, ref.linear_weights(3, 2, "ca.grad", qkv_bias=True), qkv_bias=True)
    return ref.gradients(module, ref.inputs((2, 4, 3), "ca.grad"), "ca.grad")


def test_mask_is_a_registered_buffer(out):
    found = out["mask_buffer"]
    if [7, 7] not in found["buffers"].values():
        extra = (f" (self.mask is a plain {found['mask_type']} attribute)" if found["mask_type"] != "NoneType"
                 else "")
        fail("CausalAttention(4, 3, context_length=7, ...) has no 7 x 7 buffer" + extra + ": create the mask with "
             "self.register_buffer('mask', torch.triu(torch.ones(context_length, context_length), diagonal=1)) "
             "so it moves with .to(device) and is saved in state_dict")


@points(2)
def test_book_batch_values(out, snap):
    """Values at atol 1e-5, rtol 1e-4 (float32), weights set by name."""
    ref.expect_attention(out["book_batch"], snap["book_batch"], "CausalAttention(3, 2, 6, ...) on the book's "
                         "batch of two copies of the toy input", BOOK["x"], BOOK["ref"], VARIANTS)


def test_other_sizes_and_shorter_sequence(out, snap):
    """Batch 3, 4 tokens with context_length 6, qkv_bias=True; atol 1e-5, rtol 1e-4."""
    ref.expect_attention(out["other_sizes"], snap["other_sizes"], "CausalAttention(5, 4, 6, ..., qkv_bias=True) "
                         "on a batch of 3 sequences of 4 tokens", OTHER["x"], OTHER["ref"], VARIANTS)


@points(2)
def test_no_future_token_leaks(out):
    ref.expect_causal(out["causality"], "CausalAttention on 6 tokens, each token edited in turn")


def test_any_length_up_to_context_length(out):
    ref.expect_any_length(out, "CausalAttention(4, 3, context_length=8, ...)", 3)


def test_eval_mode_is_deterministic_without_dropout(out, snap):
    ref.expect_eval_deterministic(out["dropout_probe"], snap["dropout_probe"]["eval"],
                                  ref.probe_reference(PROBE_T, 1, "ca"), PROBE_P, VARIANTS)


@points(2)
def test_dropout_zeroes_and_rescales_in_train_mode(out):
    ref.expect_dropout_in_train_mode(ref.probe_findings(out["dropout_probe"], PROBE_T, PROBE_P), PROBE_P,
                                     "CausalAttention")


def test_dropout_acts_on_attention_weights(out):
    ref.expect_dropout_on_weights(ref.probe_findings(out["dropout_probe"], PROBE_T, PROBE_P), "CausalAttention")


def test_gradients_reach_every_parameter(out):
    expect_gradients(out["gradients"], "CausalAttention(3, 2, 4, 0.0, qkv_bias=True)")
