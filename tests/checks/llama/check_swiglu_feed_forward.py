"""Checks for llama.swiglu_feed_forward: FeedForward(cfg) = fc3(SiLU(fc1(x)) * fc2(x)), no biases, in cfg["dtype"]."""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail, points, sibling, with_weights
from grader.checks.weights import pattern

ref = sibling(__file__, "llama_reference")
CFG = {"emb_dim": 16, "hidden_dim": 24}
WEIGHTS = ref.ff_weights(16, 24, "ff.")
SHAPES = {n: list(w.shape) for n, w in WEIGHTS.items()}
INPUTS = {"main": pattern((2, 5, 16), "ff.x", 2.0), "flat": pattern((3, 16), "ff.flat", 2.0)}


@case
def structure(learner):
    ff = learner.FeedForward(ref.with_dtype(CFG))
    return {n: {"shape": list(p.shape)} for n, p in ff.named_parameters()}


@case
def outputs(learner):
    import torch

    ff = with_weights(learner.FeedForward(ref.with_dtype(CFG)), WEIGHTS)
    with torch.no_grad():
        return {k: ff(torch.from_numpy(x)) for k, x in INPUTS.items()}


@case
def bfloat16(learner):
    return sorted({str(p.dtype) for p in learner.FeedForward(ref.with_dtype(CFG, "bfloat16")).parameters()})


def test_three_projections_without_bias(out):
    got = out["structure"]
    shapes = {n: g["shape"] for n, g in got.items()}
    biases = [n for n, s in shapes.items() if len(s) == 1]
    if biases:
        fail(f"FeedForward has biases {biases}: create fc1, fc2 and fc3 with bias=False, as Llama's layers have none")
    wanted = sorted(map(tuple, SHAPES.values()))
    if sorted(map(tuple, shapes.values())) != wanted:
        fail(f"FeedForward with emb_dim 16 and hidden_dim 24 has weights {shapes}; expected two of shape [24, 16] "
             "(fc1 and fc2: emb_dim -> hidden_dim) and one of [16, 24] (fc3: hidden_dim -> emb_dim)")


@points(3)
def test_gated_output(out, snap):
    for key, x in INPUTS.items():
        what = f"FeedForward(cfg)(x) for x of shape {list(x.shape)}, with known weights"
        expect_shape(out["outputs"][key], list(x.shape), what)
        x64 = x.astype(np.float64)
        expect_close(out["outputs"][key], snap["outputs"][key], what, atol=1e-5, rtol=1e-4, mistakes={
            "SiLU gates the wrong branch: apply it to fc1's output (the gate) and multiply by fc2's output, "
            "fc3(silu(fc1(x)) * fc2(x))": ref.feed_forward(x64, WEIGHTS, mistake="gate_on_up"),
            "fc2's branch is missing: SwiGLU multiplies silu(fc1(x)) elementwise by fc2(x) before fc3":
                ref.feed_forward(x64, WEIGHTS, mistake="no_gate"),
            "SiLU is applied after the product: only fc1's output goes through SiLU, fc3(silu(fc1(x)) * fc2(x))":
                ref.feed_forward(x64, WEIGHTS, mistake="silu_after"),
            "the two branches are added: SwiGLU multiplies them, silu(fc1(x)) * fc2(x)":
                ref.feed_forward(x64, WEIGHTS, mistake="sum")})


def test_dtype_from_the_config(out):
    if out["bfloat16"] != ["torch.bfloat16"]:
        fail(f"FeedForward with cfg['dtype'] = torch.bfloat16 has parameters in {out['bfloat16']}: create the "
             "linear layers with dtype=cfg['dtype'] (the notebooks load Llama in bfloat16 to halve its memory)")
