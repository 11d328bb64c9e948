"""Checks for llama.qwen3_model: Qwen3's TransformerBlock and Qwen3Model, logits with known weights (head_dim 12
apart from emb_dim / n_heads, QK-norm, RMSNorm eps 1e-6, plain RoPE with base 1,000,000), with and without QK-norm
and with head_dim None. (tests/course/test_llama_book.py shows that the snapshot's logits are Hugging Face
transformers' Qwen3ForCausalLM's with the same weights, within 1e-5.)"""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail, points, sibling, tip, which_mistake, with_weights
from grader.checks.weights import pattern

ref = sibling(__file__, "llama_reference")
CFG = ref.QWEN
VARIANTS = {"main": CFG, "no_qk_norm": {**CFG, "qk_norm": False}, "default_head_dim": {**CFG, "head_dim": None}}
WEIGHTS = {k: ref.model_weights(cfg, f"q3.{k}.") for k, cfg in VARIANTS.items()}
IDS = {"short": ref.token_ids(ref.SHORT, "q3.short"), "long": ref.token_ids(ref.LONG, "q3.long")}
TOL = dict(atol=1e-5, rtol=0.0)   # logits of a few units; correct float32 orders differ by about 1e-6
# standalone-qwen3 builds final_norm as RMSNorm(cfg["emb_dim"]), relying on its own RMSNorm's default eps of 1e-6;
# with this course's RMSNorm (Llama's default, 1e-5) the logits move by 2e-5 to 4e-5: full marks and a tip
DEFAULT_EPS = 1e-5


@case
def structure(learner):
    model = learner.Qwen3Model(ref.with_dtype(CFG))
    return {n: list(p.shape) for n, p in model.named_parameters()}


def _logits(learner, key, sequences=("short",)):
    import torch

    model = with_weights(learner.Qwen3Model(ref.with_dtype(VARIANTS[key])), WEIGHTS[key]).eval()
    with torch.no_grad():
        return {k: model(torch.from_numpy(IDS[k])) for k in sequences}


logits = case(_logits, "main", ("short", "long"))
no_qk_norm = case(_logits, "no_qk_norm")
default_head_dim = case(_logits, "default_head_dim")


@case
def block(learner):
    import torch

    cfg = ref.with_dtype(CFG)
    blk = with_weights(learner.TransformerBlock(cfg), ref.block_weights(CFG, "q3b.")).eval()
    x = torch.from_numpy(pattern((2, 5, CFG["emb_dim"]), "q3b.x", 1.0))
    with torch.no_grad():
        return {"x": x, "y": blk(x, *ref.tables_and_mask(CFG["head_dim"], CFG["rope_base"], CFG["context_length"], 5))}


def test_parts(out):
    got = out["structure"]
    expected = WEIGHTS["main"]
    missing = [n for n in expected if n not in got and "norm" not in n]
    if missing:
        fail(f"Qwen3Model(cfg) lacks the parameters {missing[:3]}: keep the notebook's names (tok_emb, trf_blocks, "
             "att, ff, final_norm, out_head)")
    if len(got) != len(expected):
        fail(f"Qwen3Model(cfg) has {len(got)} parameters, expected {len(expected)}: each block has att (with q_norm "
             "and k_norm when cfg['qk_norm']), ff, norm1 and norm2; then final_norm and out_head")
    for name, w in expected.items():
        if name in got and got[name] != list(w.shape):
            fail(f"Qwen3Model(cfg).{name} has shape {got[name]}, expected {list(w.shape)} (emb_dim 32, 4 heads of "
                 "head_dim 12, 2 key-value groups)")


def test_block(out, snap):
    what = "Qwen3's TransformerBlock(cfg) on x of shape [2, 5, 32] with known weights"
    out.error("block", {"TypeError: positional argument": "Qwen3's TransformerBlock.forward takes (x, mask, cos, sin) "
                                                         "and passes them on to att"})
    expect_shape(out["block"]["y"], [2, 5, 32], what)
    x = out["block"]["x"].astype(np.float64)
    w = ref.block_weights(CFG, "q3b.")
    tables = ref.rope_tables(CFG["head_dim"], CFG["rope_base"], CFG["context_length"])
    expect_close(out["block"]["y"], snap["block"]["y"], what, atol=1e-5, rtol=1e-4, mistakes={
        "the block has no shortcut connections: x = x + att(norm1(x), mask, cos, sin), then x + ff(norm2(x))":
            ref.block(x, w, CFG, *tables, ref.QWEN_EPS, mistake="no_shortcuts"),
        "the block normalizes after the shortcut (post-norm): normalize each sublayer's input":
            ref.block(x, w, CFG, *tables, ref.QWEN_EPS, mistake="post_norm")})


def _default_eps_final_norm(key, sequence):
    return ref.model_logits(IDS[sequence], WEIGHTS[key], VARIANTS[key], ref.QWEN_EPS, final_eps=DEFAULT_EPS)


def _expect_logits(got, snap_value, what, key, sequence, mistakes=None):
    """The snapshot's logits, or those with final_norm at RMSNorm's default eps (which test_final_norm_eps tips)."""
    if not which_mistake(got, {"default eps": _default_eps_final_norm(key, sequence)}, TOL["atol"], 0.0):
        expect_close(got, snap_value, what, **TOL, mistakes=mistakes)


def _mistakes(ids):
    advice = {
        "no_final_norm": "final_norm is missing: apply it to the last block's output before out_head",
        "qk_norm_after_rope": "the logits match QK-norm after RoPE: normalize the query and key heads before "
                              "rotating them",
    }
    return {a: ref.model_logits(ids, WEIGHTS["main"], CFG, ref.QWEN_EPS, mistake=m) for m, a in advice.items()}


@points(3)
def test_logits(out, snap):
    what = f"Qwen3Model(cfg) logits for token ids of shape {list(ref.SHORT)}, known weights"
    out.error("logits", {"RuntimeError: must match the size": "the RoPE tables do not fit the heads: build them for "
                         "cfg['head_dim'] (12 here), which Qwen3 sets apart from emb_dim // n_heads (8)",
                         "TypeError: positional argument": "Qwen3Model calls its blocks as block(x, mask, cos, sin): "
                         "keep them in an nn.ModuleList and loop over it"})
    got = out["logits"]["short"]
    expect_shape(got, list(ref.SHORT) + [CFG["vocab_size"]], what)
    _expect_logits(got, snap["logits"]["short"], what, "main", "short", _mistakes(IDS["short"]))


@points(2)
def test_logits_of_a_long_sequence(out, snap):
    what = "Qwen3Model(cfg) logits for 120 tokens, known weights"
    _expect_logits(out["logits"]["long"], snap["logits"]["long"], what, "main", "long", _mistakes(IDS["long"]))


def test_without_qk_norm(out, snap):
    _expect_logits(out["no_qk_norm"]["short"], snap["no_qk_norm"]["short"], "Qwen3Model logits with "
                   "cfg['qk_norm'] = False", "no_qk_norm", "short")


def test_head_dim_none(out, snap):
    out.error("default_head_dim", {"TypeError: NoneType": "with cfg['head_dim'] = None, the heads have "
                                   "emb_dim // n_heads dimensions: use that for the RoPE tables and the attention"})
    _expect_logits(out["default_head_dim"]["short"], snap["default_head_dim"]["short"], "Qwen3Model logits with "
                   "cfg['head_dim'] = None (heads of emb_dim // n_heads = 8)", "default_head_dim", "short")


@tip
def test_final_norm_eps(out, snap):
    if out.error("logits"):
        return
    got = out["logits"]["short"]
    if np.abs(got.astype(np.float64) - snap["logits"]["short"]).max() > TOL["atol"] and \
            which_mistake(got, {"default eps": _default_eps_final_norm("main", "short")}, TOL["atol"], 0.0):
        fail(f"final_norm normalizes with eps {DEFAULT_EPS:g}, your RMSNorm's default (Llama's): Qwen3 uses "
             "eps=1e-6 in every RMSNorm, so create it as RMSNorm(cfg['emb_dim'], eps=1e-6) (standalone-qwen3 writes "
             "RMSNorm(cfg['emb_dim']) because its own RMSNorm defaults to 1e-6); the logits differ by about 3e-5")
