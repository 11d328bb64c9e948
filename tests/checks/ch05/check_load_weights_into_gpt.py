"""Checks for ch05.load_weights_into_gpt: every parameter of the learner's GPTModel holds the right array of a
synthetic GPT-2 checkpoint (split, transposed, the output head tied to the token embedding), and the loaded model
gives the expected logits. A shape mismatch inside `assign` is reported with the parameter's name."""
import numpy as np

from grader.checks import case, expect_close, fail, fail_if_mistake, points, sibling, which_mistake

gpt2 = sibling(__file__, "gpt2_reference")
stand = sibling(__file__, "standins")
CFG = gpt2.GPT2_TINY
D = CFG["emb_dim"]
QKV = ("W_query", "W_key", "W_value")
SPLIT = "split c_attn into q, k, v first (np.split(..., 3, axis=-1))"


@case
def loaded(learner):
    """Load the checkpoint into GPTModel(CFG). Every assign is watched: the first shape mismatch is kept for
    `mismatch`, which names the parameter when the learner's code raised on it."""
    import torch
    model = learner.module("ch04/gpt.py").GPTModel(CFG)
    names = {id(p): n for n, p in model.named_parameters()}
    original, mismatch = learner.assign, stand.keep("lw.mismatch", {})

    def named_assign(left, right):
        if tuple(left.shape) != tuple(np.shape(right)) and not mismatch:
            mismatch.update(name=names.get(id(left), "a parameter"), left=list(left.shape), right=list(np.shape(right)))
        return original(left, right)

    learner._module.assign = named_assign
    try:
        learner.load_weights_into_gpt(model, gpt2.params(CFG))
    finally:
        learner._module.assign = original
    model.eval()
    idx = torch.tensor([[5, 17, 42, 8, 63, 0], [1, 2, 3, 4, 5, 6]])
    with torch.no_grad():
        logits = model(idx)
    return {"parameters": {n: p.detach() for n, p in model.named_parameters()},
            "trainable": all(p.requires_grad for p in model.parameters()), "logits": logits}


mismatch = case(stand.kept, "lw.mismatch")


def _loaded(out):
    error, m = out.error("loaded"), out["mismatch"]
    if error and m:  # the learner's code raised after a shape mismatch: name the parameter
        left, right = tuple(m["left"]), tuple(m["right"])
        hint = which_mistake(right, {f"{SPLIT}, then transpose each part (.T)": (D, 3 * D), SPLIT: (3 * D, D),
                                     f"{SPLIT}, its bias too": (3 * D,),
                                     "GPT-2 stores weights as (in, out): transpose them (.T) for nn.Linear's "
                                     "(out, in)": left[::-1]})
        out.error("loaded", {error["type"]: f"{m['name']}: expected {left}, the checkpoint gives {right}"
                                            + (f" — {hint}" if hint else "")})
    return out["loaded"]


def _mistakes(name, expected, state) -> dict:
    """What `name` holds with each known loading mistake -> the advice."""
    table = {"it holds the checkpoint's array untransposed: GPT-2 stores weights as (in, out), nn.Linear as "
             "(out, in); assign w.T": expected.T}
    for part in (q for q in QKV if q in name):
        for other in (o for o in QKV if o != part):
            table[f"it holds the checkpoint's {other.split('_')[1]} part: c_attn is split in the order query, key, "
                  "value"] = state.get(name.replace(part, other))
    table.update({f"it holds the array meant for {other}": value for other, value in state.items() if other != name})
    return table


@points(3)
def test_every_parameter_loaded(out):
    got = _loaded(out)["parameters"]
    state = gpt2.expected_state(gpt2.params(CFG))
    missing = [n for n in state if n not in got]
    if missing:
        fail(f"GPTModel(cfg with qkv_bias=True) has no parameter {missing[0]}: load_weights_into_gpt fills the "
             "book's GPTModel, whose names chapter 5 relies on")
    for name, expected in state.items():
        if got[name].shape != expected.shape:
            fail(f"{name}: expected {expected.shape}, got {tuple(got[name].shape)} after loading")
        if not np.allclose(got[name], expected, atol=1e-6):
            if name == "out_head.weight":
                fail("out_head.weight does not hold the token embedding: GPT-2 ties its output head to wte, so "
                     "assign params[\"wte\"] to out_head.weight too")
            fail_if_mistake(got[name], _mistakes(name, expected, state), name, atol=1e-6, rtol=1e-5)
            fail(f"{name} does not hold its array of the checkpoint")


def test_still_trainable(out):
    if not _loaded(out)["trainable"]:
        fail("after loading, some parameters do not require gradients: make every assigned array an nn.Parameter")


def test_logits(out, snap):
    expect_close(_loaded(out)["logits"], snap["loaded"]["logits"], "the loaded model's logits (eval mode)",
                 atol=1e-4, rtol=1e-4)
