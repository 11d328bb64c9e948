"""Checks for llama.llama3_model: Llama3Model's logits with known weights, for sequences within and beyond the
original context length of rope_freq; the parts named as the notebooks name them, in cfg["dtype"], and RoPE tables
that are not saved with the weights. (tests/course/test_llama_book.py shows that the snapshot's logits are
Hugging Face transformers' LlamaForCausalLM's with the same weights, within 1e-5.)"""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail, points, sibling, tip, with_weights

ref = sibling(__file__, "llama_reference")
CFG = ref.LLAMA
WEIGHTS = ref.model_weights(CFG, "l3.")
IDS = {"short": ref.token_ids(ref.SHORT, "l3.short"), "long": ref.token_ids(ref.LONG, "l3.long")}
# logits of a few units; float32 sums over 32 to 48 terms differ between correct orders by about 1e-6
TOL = dict(atol=1e-5, rtol=0.0)


@case
def structure(learner):
    model = learner.Llama3Model(ref.with_dtype(CFG))
    return {"parameters": {n: list(p.shape) for n, p in model.named_parameters()},
            "saved": sorted(model.state_dict())}


def _logits(learner, dtype):
    import torch

    model = with_weights(learner.Llama3Model(ref.with_dtype(CFG, dtype)), WEIGHTS).eval()
    with torch.no_grad():
        return {k: model(torch.from_numpy(ids)).float() for k, ids in IDS.items()}


logits = case(_logits, "float32")
logits_bfloat16 = case(_logits, "bfloat16")


@case
def bfloat16(learner):
    model = learner.Llama3Model(ref.with_dtype(CFG, "bfloat16"))
    return {n: str(p.dtype) for n, p in model.named_parameters()}


def test_parts(out):
    got = out["structure"]["parameters"]
    for name in ("tok_emb.weight", "out_head.weight", "trf_blocks.0.att.W_query.weight", "trf_blocks.1.ff.fc3.weight"):
        if got.get(name) != list(WEIGHTS[name].shape):
            fail(f"Llama3Model(cfg).{name} has shape {got.get(name)}, expected {list(WEIGHTS[name].shape)}: keep the "
                 "notebook's names (tok_emb, trf_blocks, final_norm, out_head), which the weights load by")
    if len(got) != len(WEIGHTS):
        extra = sorted(set(got) - set(WEIGHTS))
        fail(f"Llama3Model(cfg) has {len(got)} parameters, expected {len(WEIGHTS)}" +
             (f"; unexpected: {extra[:4]}: Llama has no position embedding, biases or LayerNorm shift" if extra
              else f"; the model has {CFG['n_layers']} blocks, each with att, ff, norm1 and norm2"))


def _mistakes(ids):
    advice = {
        "no_rope_scaling": "the logits match RoPE without Llama 3's frequency scaling: pass cfg['rope_freq'] as "
                           "freq_config to compute_rope_params",
        "no_final_norm": "final_norm is missing: apply it to the last block's output before out_head",
        "post_norm": "the blocks normalize after the shortcut (post-norm): normalize each sublayer's input",
        "repeat": "the logits match attention with the key-value heads repeated [K1, K2, K1, K2]: use "
                  "repeat_interleave in GroupedQueryAttention",
    }
    return {a: ref.model_logits(ids, WEIGHTS, CFG, ref.LLAMA_EPS, CFG["rope_freq"], m) for m, a in advice.items()}


@points(3)
def test_logits(out, snap):
    what = f"Llama3Model(cfg) logits for token ids of shape {list(ref.SHORT)}, known weights"
    if ref.bfloat16_only(out.error("logits")):
        expect_close(out["logits_bfloat16"]["short"], snap["logits_bfloat16"]["short"], what + ", in bfloat16",
                     **ref.BF16_TOL)
        return
    out.error("logits", {"TypeError: positional argument": "Llama3Model calls its blocks as block(x, mask, cos, sin): "
                         "keep them in an nn.ModuleList and loop over it (nn.Sequential passes one argument)",
                         "RuntimeError: must match the size": "the RoPE tables do not fit the heads: build them for "
                         "head_dim = emb_dim // n_heads"})
    got = out["logits"]["short"]
    expect_shape(got, list(ref.SHORT) + [CFG["vocab_size"]], what)
    expect_close(got, snap["logits"]["short"], what, **TOL, mistakes=_mistakes(IDS["short"]))


@points(3)
def test_logits_beyond_the_original_context(out, snap):
    what = (f"Llama3Model(cfg) logits for 120 tokens (rope_freq's original_context_length is 100, "
            f"context_length {CFG['context_length']}), known weights")
    if ref.bfloat16_only(out.error("logits")):
        expect_close(out["logits_bfloat16"]["long"], snap["logits_bfloat16"]["long"], what + ", in bfloat16",
                     **ref.BF16_TOL)
        return
    got = out["logits"]["long"]
    expect_shape(got, list(ref.LONG) + [CFG["vocab_size"]], what)
    expect_close(got, snap["logits"]["long"], what, **TOL, mistakes=_mistakes(IDS["long"]))


def test_dtype_from_the_config(out):
    wrong = sorted(n for n, d in out["bfloat16"].items() if d != "torch.bfloat16" and "norm" not in n)
    if wrong:
        fail(f"with cfg['dtype'] = torch.bfloat16, {wrong[:3]} are not bfloat16: create the embedding and every "
             "linear layer with dtype=cfg['dtype']")


@tip
def test_rope_tables_are_not_saved(out):
    saved = out["structure"]["saved"]
    tables = [n for n in saved if n.split(".")[-1] in ("cos", "sin", "mask")]
    if tables:
        fail(f"the model's state_dict holds {tables[:3]}: register the RoPE tables with persistent=False "
             "(register_buffer('cos', cos, persistent=False)), so that they are not saved with the weights")


def test_no_nan(out):
    got = out["logits_bfloat16" if ref.bfloat16_only(out.error("logits")) else "logits"]["long"]
    if not np.isfinite(got).all():
        fail("Llama3Model's logits hold NaN or inf: is a whole row of scores masked? The mask is True above the "
             "diagonal only, torch.triu(..., diagonal=1)")


@tip
def test_runs_in_float32(out):
    if ref.bfloat16_only(out.error("logits")):
        fail(ref.bfloat16_advice("your model (or a block it uses)"))
