"""Checks for ch05.load_weights_into_gpt: every parameter of the learner's GPTModel holds the right array of a
synthetic GPT-2 checkpoint (split, transposed, the output head tied to the token embedding), and the loaded model
gives the expected logits. A shape mismatch inside `assign` is reported with the parameter's name."""
import numpy as np

from grader.checks import case, expect_close, fail, points, sibling

gpt2 = sibling(__file__, "gpt2_reference")
pretraining = sibling(__file__, "pretraining_reference")
CFG = gpt2.GPT2_TINY
D = CFG["emb_dim"]
QKV = ("W_query", "W_key", "W_value")


@case
def implemented(learner):
    return pretraining.raises_if_stub(learner.load_weights_into_gpt, None, None)


@case
def loaded(learner):
    """Load the checkpoint into GPTModel(CFG); if an assign fails, say which parameter and with which shapes."""
    import torch
    model = learner.module("ch04/gpt.py").GPTModel(CFG)
    names = {id(p): n for n, p in model.named_parameters()}
    original = learner.assign
    mismatch = {}

    def named_assign(left, right):
        if tuple(left.shape) != tuple(np.shape(right)) and not mismatch:
            mismatch.update(name=names.get(id(left), "a parameter"), left=list(left.shape), right=list(np.shape(right)))
        return original(left, right)

    module = learner._module
    module.assign = named_assign
    try:
        learner.load_weights_into_gpt(model, gpt2.params(CFG))
    except Exception as exc:  # noqa: BLE001 - the mismatch (or the learner's error) is the feedback
        if not mismatch:
            raise
        return {"mismatch": mismatch, "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    finally:
        module.assign = original
    model.eval()
    idx = torch.tensor([[5, 17, 42, 8, 63, 0], [1, 2, 3, 4, 5, 6]])
    with torch.no_grad():
        logits = model(idx)
    return {"parameters": {n: p.detach() for n, p in model.named_parameters()},
            "trainable": all(p.requires_grad for p in model.parameters()), "logits": logits}


def _loaded(out):
    got = out["loaded"]
    if "mismatch" in got:
        m = got["mismatch"]
        left, right = tuple(m["left"]), tuple(m["right"])
        hint = ""
        if right == (D, 3 * D) or right == (3 * D, D) or right == (3 * D,):
            hint = " — split c_attn into q, k, v first (np.split(..., 3, axis=-1))"
        elif right[::-1] == left:
            hint = " — GPT-2 stores weights as (in, out): transpose them (.T) for nn.Linear's (out, in)"
        fail(f"{m['name']}: expected {left}, the checkpoint gives {right}{hint}")
    return got


def _diagnose(name, got, expected, state):
    if got.shape == expected.T.shape and np.allclose(got, expected.T):
        return (f"{name} holds the checkpoint's array untransposed: GPT-2 stores weights as (in, out), nn.Linear "
                "as (out, in); assign w.T")
    for part in (q for q in QKV if q in name):
        for other in QKV:
            twin = state.get(name.replace(part, other))
            if other != part and twin is not None and got.shape == twin.shape and np.allclose(got, twin):
                return (f"{name} holds the checkpoint's {other.split('_')[1]} part: c_attn is split in the order "
                        "query, key, value")
    if name == "out_head.weight":
        return ("out_head.weight does not hold the token embedding: GPT-2 ties its output head to wte, so assign "
                "params[\"wte\"] to out_head.weight too")
    for other, value in state.items():
        if other != name and value.shape == got.shape and np.allclose(got, value):
            return f"{name} holds the array meant for {other}"
    return f"{name} does not hold its array of the checkpoint"


@points(3)
def test_every_parameter_loaded(out):
    out["implemented"]  # a stub says "not implemented" here, at its own TODO
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
            fail(_diagnose(name, got[name], expected, state))


def test_still_trainable(out):
    if not _loaded(out)["trainable"]:
        fail("after loading, some parameters do not require gradients: make every assigned array an nn.Parameter")


def test_logits(out, snap):
    expect_close(_loaded(out)["logits"], snap["loaded"]["logits"], "the loaded model's logits (eval mode)",
                 atol=1e-4, rtol=1e-4)
