"""Checks for llama.grouped_query_attention: GroupedQueryAttention's projection sizes, RoPE on queries and keys,
each key-value group serving consecutive query heads (repeat_interleave), the causal mask; with num_kv_groups =
num_heads it is plain multi-head attention, with one group multi-query attention."""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail, points, sibling, with_weights
from grader.checks.weights import pattern

ref = sibling(__file__, "llama_reference")
D, HEADS, HEAD_DIM, TOKENS, CONTEXT = 32, 4, 8, 6, 16
X = pattern((2, TOKENS, D), "gqa.x", 1.5)
COS, SIN = ref.rope_tables(HEAD_DIM, 10_000, CONTEXT)
WEIGHTS = {g: ref.attention_weights(D, HEADS, HEAD_DIM, g, f"gqa{g}.") for g in (1, 2, 4)}
TOL = dict(atol=1e-5, rtol=1e-4)


def _attention(learner, groups, dtype="float32"):
    import torch
    return ref.build_attention(learner.GroupedQueryAttention, CONTEXT, 10_000, d_in=D, d_out=D, num_heads=HEADS,
                               num_kv_groups=groups, dtype=getattr(torch, dtype))


def _run(learner, groups):
    import torch

    att = with_weights(_attention(learner, groups), WEIGHTS[groups])
    with torch.no_grad():
        return ref.call(att, torch.from_numpy(X), *ref.tables_and_mask(HEAD_DIM, 10_000, CONTEXT, TOKENS))


@case
def structure(learner):
    att = _attention(learner, 2)
    return {n: list(p.shape) for n, p in att.named_parameters()}


@case
def bfloat16(learner):
    return sorted({str(p.dtype) for p in _attention(learner, 2, "bfloat16").parameters()})


two_groups = case(_run, 2)
one_group = case(_run, 1)
one_group_per_head = case(_run, 4)


def _reference(groups, mistake=None):
    return ref.attention(X.astype(np.float64), WEIGHTS[groups], HEADS, groups, HEAD_DIM, COS, SIN, mistake=mistake)


MISTAKES = {
    "repeat": "the key-value groups are repeated in the wrong order: group g serves query heads g * group_size to "
              "(g + 1) * group_size - 1, [K1, K1, K2, K2], which repeat_interleave(group_size, dim=1) gives; "
              "repeat gives [K1, K2, K1, K2]",
    "rope_values": "RoPE is applied to the values too: rotate only the queries and the keys",
    "rope_queries_only": "RoPE is applied to the queries only: rotate the keys as well",
    "rope_keys_only": "RoPE is applied to the keys only: rotate the queries as well",
    "no_rope": "RoPE is missing: rotate the queries and the keys with apply_rope(..., cos, sin) after the split "
               "into heads",
    "no_mask": "the causal mask is not applied: fill the scores where mask is True with -inf before the softmax",
    "scale_d_out": "the scores are divided by sqrt(d_out): divide by sqrt(head_dim)",
}


def test_projection_sizes(out):
    got = out["structure"]
    wanted = {"W_query.weight": [32, 32], "W_key.weight": [16, 32], "W_value.weight": [16, 32],
              "out_proj.weight": [32, 32]}
    biases = [n for n, s in got.items() if len(s) == 1]
    if biases:
        fail(f"GroupedQueryAttention has biases {biases}: Llama's projections have none (bias=False)")
    if sorted(map(tuple, got.values())) != sorted(map(tuple, wanted.values())):
        fail(f"GroupedQueryAttention(d_in=32, d_out=32, num_heads=4, num_kv_groups=2) has weights {got}; expected "
             f"{wanted}: the keys and values have num_kv_groups * head_dim = 2 * 8 outputs, the queries d_out")


def test_dtype(out):
    if out["bfloat16"] != ["torch.bfloat16"]:
        fail(f"GroupedQueryAttention(..., dtype=torch.bfloat16) has parameters in {out['bfloat16']}: pass dtype=dtype "
             "to every nn.Linear")


@points(4)
def test_grouped_query_attention(out, snap):
    what = "GroupedQueryAttention(32, 32, num_heads=4, num_kv_groups=2) on x of shape [2, 6, 32], known weights"
    expect_shape(out["two_groups"], [2, TOKENS, D], what)
    expect_close(out["two_groups"], snap["two_groups"], what, **TOL,
                 mistakes={advice: _reference(2, m) for m, advice in MISTAKES.items()})


@points(2)
def test_one_group_per_head_is_multi_head_attention(out):
    w = WEIGHTS[4]
    plain = ref.plain_mha(X.astype(np.float64), w["W_query.weight"], w["W_key.weight"], w["W_value.weight"],
                          w["out_proj.weight"], HEADS, COS, SIN)
    what = ("GroupedQueryAttention with num_kv_groups = num_heads = 4 should be plain multi-head attention with RoPE "
            "(chapter 3's, each head with its own keys and values); on x of shape [2, 6, 32] it")
    expect_close(out["one_group_per_head"], plain, what, **TOL,
                 mistakes={advice: _reference(4, m) for m, advice in MISTAKES.items() if m != "repeat"})


@points(2)
def test_one_group_is_multi_query_attention(out):
    w = WEIGHTS[1]
    shared_k, shared_v = (np.tile(w[n], (HEADS, 1)) for n in ("W_key.weight", "W_value.weight"))
    plain = ref.plain_mha(X.astype(np.float64), w["W_query.weight"], shared_k, shared_v, w["out_proj.weight"], HEADS,
                          COS, SIN)
    what = ("GroupedQueryAttention with num_kv_groups = 1 should be multi-query attention: every head uses the one "
            "key and value projection; on x of shape [2, 6, 32] it")
    expect_close(out["one_group"], plain, what, **TOL,
                 mistakes={advice: _reference(1, m) for m, advice in MISTAKES.items() if m != "repeat"})
