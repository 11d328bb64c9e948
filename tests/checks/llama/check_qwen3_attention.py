"""Checks for llama.qwen3_attention: Qwen3's GroupedQueryAttention, with head_dim set apart from d_in / num_heads
(out_proj maps num_heads * head_dim back to d_in) and QK-norm: an RMSNorm of head_dim (eps 1e-6) on each query
and key head, after the split into heads and before RoPE."""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail, points, sibling, with_weights
from grader.checks.weights import pattern

ref = sibling(__file__, "llama_reference")
D, HEADS, HEAD_DIM, GROUPS, TOKENS = 32, 4, 12, 2, 6
X = pattern((2, TOKENS, D), "qa.x", 1.5)
TABLES = {h: ref.rope_tables(h, 1_000_000.0, 16) for h in (HEAD_DIM, D // HEADS)}
WEIGHTS = ref.attention_weights(D, HEADS, HEAD_DIM, GROUPS, "qa.", qk_norm=True)
PLAIN = {n: w for n, w in WEIGHTS.items() if "_norm" not in n}
UNIT = {**PLAIN, "q_norm.weight": np.ones(HEAD_DIM, np.float32), "k_norm.weight": np.ones(HEAD_DIM, np.float32)}
DEFAULT_HEAD = ref.attention_weights(D, HEADS, D // HEADS, GROUPS, "qa8.")
TOL = dict(atol=1e-5, rtol=1e-4)


def _run(learner, weights, head_dim=HEAD_DIM, qk_norm=True):
    import torch

    att = learner.GroupedQueryAttention(d_in=D, num_heads=HEADS, num_kv_groups=GROUPS, head_dim=head_dim,
                                        qk_norm=qk_norm, dtype=torch.float32)
    att = with_weights(att, weights)
    with torch.no_grad():
        return att(torch.from_numpy(X), *ref.tables_and_mask(head_dim or D // HEADS, 1_000_000.0, 16, TOKENS))


@case
def structure(learner):
    shapes = {}
    for qk_norm in (True, False):
        att = learner.GroupedQueryAttention(d_in=D, num_heads=HEADS, num_kv_groups=GROUPS, head_dim=HEAD_DIM,
                                            qk_norm=qk_norm)
        shapes[str(qk_norm)] = {n: list(p.shape) for n, p in att.named_parameters()}
    return shapes


qk_norm = case(_run, WEIGHTS)
unit_norms = case(_run, PLAIN)
no_qk_norm = case(_run, PLAIN, qk_norm=False)
default_head_dim = case(_run, DEFAULT_HEAD, head_dim=None, qk_norm=False)


def _reference(weights, mistake=None, qk_norm=True, head_dim=HEAD_DIM):
    return ref.attention(X.astype(np.float64), weights, HEADS, GROUPS, head_dim, *TABLES[head_dim], qk_norm=qk_norm,
                         mistake=mistake)


def _across_heads(weights):
    """QK-norm over each token's whole query (num_heads * head_dim) and key vectors, weight 1."""
    x = X.astype(np.float64)
    b, n, _ = x.shape
    q = ref.rms_norm(x @ weights["W_query.weight"].T, 1, 1e-6).reshape(b, n, HEADS, HEAD_DIM).transpose(0, 2, 1, 3)
    k = ref.rms_norm(x @ weights["W_key.weight"].T, 1, 1e-6).reshape(b, n, GROUPS, HEAD_DIM).transpose(0, 2, 1, 3)
    v = (x @ weights["W_value.weight"].T).reshape(b, n, GROUPS, HEAD_DIM).transpose(0, 2, 1, 3)
    q, k = ref.apply_rope(q, *TABLES[HEAD_DIM]), ref.apply_rope(k, *TABLES[HEAD_DIM])
    k, v = np.repeat(k, HEADS // GROUPS, 1), np.repeat(v, HEADS // GROUPS, 1)
    scores = np.where(np.triu(np.ones((n, n), bool), 1), -np.inf, q @ k.transpose(0, 1, 3, 2) / np.sqrt(HEAD_DIM))
    w = np.exp(scores - scores.max(-1, keepdims=True))
    context = (w / w.sum(-1, keepdims=True) @ v).transpose(0, 2, 1, 3).reshape(b, n, HEADS * HEAD_DIM)
    return context @ weights["out_proj.weight"].T


MISTAKES = {
    "qk_norm_after_rope": "QK-norm comes after RoPE: normalize the query and key heads first, then rotate them",
    "only_q_norm": "only the queries are normalized: apply k_norm to the keys too",
    "repeat": "the key-value groups are repeated in the wrong order: repeat_interleave(group_size, dim=1)",
    "rope_values": "RoPE is applied to the values too: rotate only the queries and the keys",
}


def test_projection_sizes(out):
    got = out["structure"]
    wanted = {"W_query.weight": [48, 32], "W_key.weight": [24, 32], "W_value.weight": [24, 32],
              "out_proj.weight": [32, 48]}
    plain = {n: s for n, s in got["False"].items()}
    if sorted(map(tuple, plain.values())) != sorted(map(tuple, wanted.values())):
        fail(f"GroupedQueryAttention(d_in=32, num_heads=4, num_kv_groups=2, head_dim=12) has weights {plain}; expected "
             f"{wanted}: the heads have head_dim = 12 dimensions, so d_out = num_heads * head_dim = 48, and out_proj "
             "maps d_out back to d_in")
    norms = {n: s for n, s in got["True"].items() if n not in plain}
    if sorted(norms.values()) != [[HEAD_DIM], [HEAD_DIM]]:
        across = any(s == [HEADS * HEAD_DIM] or s == [GROUPS * HEAD_DIM] for s in norms.values())
        fail(f"with qk_norm=True the attention adds the parameters {norms}; expected two RMSNorms of head_dim (12), "
             "q_norm and k_norm" + (": QK-norm normalizes each head's vector on its own, after the split into heads, "
                                    "not the whole query across heads" if across else ""))


@points(3)
def test_qk_norm(out, snap):
    what = "Qwen3's GroupedQueryAttention (d_in 32, 4 heads of 12, 2 groups, qk_norm) on x of shape [2, 6, 32]"
    expect_shape(out["qk_norm"], [2, TOKENS, D], what)
    expect_close(out["qk_norm"], snap["qk_norm"], what + " with known weights", **TOL, mistakes={
        "QK-norm is missing: with qk_norm, apply q_norm to the query heads and k_norm to the key heads":
            _reference(PLAIN, qk_norm=False), **{a: _reference(WEIGHTS, m) for m, a in MISTAKES.items()}})


def test_qk_norm_per_head(out, snap):
    what = "the same attention with q_norm and k_norm at their initial weight 1"
    expect_close(out["unit_norms"], snap["unit_norms"], what, **TOL, mistakes={
        "QK-norm normalizes across heads: apply RMSNorm(head_dim) to each head's vector, after the view into "
        "(b, num_tokens, num_heads, head_dim) and the transpose": _across_heads(PLAIN)})


def test_without_qk_norm(out, snap):
    what = "Qwen3's GroupedQueryAttention with qk_norm=False"
    expect_close(out["no_qk_norm"], snap["no_qk_norm"], what, **TOL, mistakes={
        "with qk_norm=False the queries and keys are still normalized: create q_norm and k_norm only when qk_norm "
        "is True (None otherwise) and skip them": _reference(UNIT, qk_norm=True)})


def test_head_dim_defaults_to_d_in_over_heads(out, snap):
    out.error("default_head_dim", {"TypeError: NoneType": "head_dim=None means d_in // num_heads: set it before "
                                                          "creating the projections"})
    expect_close(out["default_head_dim"], snap["default_head_dim"], "Qwen3's GroupedQueryAttention with "
                 "head_dim=None (then d_in // num_heads = 8)", **TOL)
