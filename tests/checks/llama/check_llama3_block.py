"""Checks for llama.llama3_block: Llama 3's TransformerBlock, pre-RMSNorm grouped-query attention and SwiGLU
feed-forward, each inside a shortcut, no dropout; parts named att, ff, norm1 and norm2 (the weights load by them)."""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail, points, sibling, tip, with_weights
from grader.checks.weights import pattern

ref = sibling(__file__, "llama_reference")
CFG = ref.LLAMA
D, TOKENS = CFG["emb_dim"], 7
WEIGHTS = ref.block_weights(CFG, "blk.")
X = pattern((2, TOKENS, D), "blk.x", 1.0)
TABLES = ref.rope_tables(D // CFG["n_heads"], CFG["rope_base"], CFG["context_length"], CFG["rope_freq"])


def _block(learner, dtype="float32"):
    return with_weights(learner.TransformerBlock(ref.with_dtype(CFG, dtype)), WEIGHTS).eval()


@case
def structure(learner):
    return {n: list(p.shape) for n, p in learner.TransformerBlock(ref.with_dtype(CFG)).named_parameters()}


def _run(learner, dtype):
    import torch

    block = _block(learner, dtype)
    mask, cos, sin = ref.tables_and_mask(D // CFG["n_heads"], CFG["rope_base"], CFG["context_length"], TOKENS,
                                         CFG["rope_freq"])
    with torch.no_grad():
        return ref.call(block, torch.from_numpy(X).to(getattr(torch, dtype)), mask, cos, sin).float()


output = case(_run, "float32")
output_bfloat16 = case(_run, "bfloat16")


@case
def gradients(learner):
    """In bfloat16, which every correct block runs in."""
    import torch

    block = _block(learner, "bfloat16").train()
    mask, cos, sin = ref.tables_and_mask(D // CFG["n_heads"], CFG["rope_base"], CFG["context_length"], TOKENS,
                                         CFG["rope_freq"])
    ref.call(block, torch.from_numpy(X).to(torch.bfloat16), mask, cos, sin).float().sum().backward()
    return [n for n, p in block.named_parameters() if p.grad is None or not p.grad.abs().sum()]


def test_parts(out):
    got = out["structure"]
    prefixes = sorted({n.split(".")[0] for n in got})
    if prefixes != ["att", "ff", "norm1", "norm2"]:
        fail(f"TransformerBlock's parameters sit in {prefixes}; expected att, ff, norm1 and norm2 (the notebook's "
             "names, which load_weights_into_llama uses), and no others (Llama's block has no dropout or biases)")
    for name, w in WEIGHTS.items():
        if name.split(".")[0] in ("att", "ff") and got.get(name) != list(w.shape):
            fail(f"TransformerBlock(cfg).{name} has shape {got.get(name)}, expected {list(w.shape)} (emb_dim 32, "
                 "n_heads 4, n_kv_groups 2, hidden_dim 48): build att and ff from cfg")


@points(3)
def test_output(out, snap):
    what = "TransformerBlock(cfg) on x of shape [2, 7, 32] with known weights, mask, cos and sin"
    if ref.bfloat16_only(out.error("output")):
        expect_close(out["output_bfloat16"], snap["output_bfloat16"], what + ", in bfloat16", **ref.BF16_TOL)
        return
    expect_shape(out["output"], [2, TOKENS, D], what)
    x64 = X.astype(np.float64)
    mistakes = {
        "post_norm": "you normalize after adding the shortcut (post-norm); Llama normalizes each sublayer's input: "
                     "x = x + att(norm1(x), mask, cos, sin)",
        "no_shortcuts": "the shortcut connections are missing: add the block's input back around att and around ff",
        "norms_swapped": "norm1 goes before the attention and norm2 before the feed-forward",
        "repeat": "the output matches attention with the key-value heads repeated [K1, K2, K1, K2]: check your "
                  "GroupedQueryAttention (repeat_interleave)",
    }
    expect_close(out["output"], snap["output"], what, atol=1e-5, rtol=1e-4, mistakes={
        advice: ref.block(x64, WEIGHTS, CFG, *TABLES, ref.LLAMA_EPS, mistake=m) for m, advice in mistakes.items()})


def test_gradients_reach_every_parameter(out):
    if out["gradients"]:
        fail(f"no gradient reached {out['gradients']} after backward(): use every part you create in forward")


@tip
def test_runs_in_float32(out):
    if ref.bfloat16_only(out.error("output")):
        fail(ref.bfloat16_advice("your TransformerBlock"))
