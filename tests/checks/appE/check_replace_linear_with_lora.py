"""Checks for appE.replace_linear_with_lora: every Linear of a GPTModel wrapped once, outputs unchanged at first.
The checks of what a replacement did fail when nothing was replaced (they would pass on the untouched model)."""
from grader.checks import case, expect_close, fail, points, sibling, with_weights

gpt_ref = sibling(__file__, "ch04/gpt_reference")
CFG = gpt_ref.SMALL
RANK, ALPHA = 2, 4
RECURSION = ("replace_linear_with_lora never ends (RecursionError): it descends into the LinearWithLoRA it just "
             "created, whose .linear is a Linear again. Descend only into children that are not Linear layers")
INSIDE = ("replace_linear_with_lora replaced nothing: it put each LinearWithLoRA inside the Linear layer it wraps "
          "(setattr(module, name, ...) on the Linear child itself), so the model still calls the old layers. Call "
          "setattr on the parent, under the child's name: setattr(model, name, LinearWithLoRA(module, rank, alpha))")


def _gpt(learner):
    return learner.module("ch04/gpt.py").GPTModel(CFG)


def _walk(model, path):
    for atom in path.split("."):
        model = getattr(model, atom, None)
    return model


@case
def replaced(learner):
    """What sits at each Linear layer's path after the replacement, as forward() finds it by attribute."""
    import torch

    model = _gpt(learner)
    linears = {n: m for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)}
    n_before = sum(p.numel() for p in model.parameters())
    learner.replace_linear_with_lora(model, RANK, ALPHA)
    modules = {n: _walk(model, n) for n in linears}
    still = {n: m for n, m in modules.items() if isinstance(m, torch.nn.Linear)}
    return {"before": list(linears),
            "kinds": {n: None if m is None else type(m).__name__ for n, m in modules.items()},
            "still_linear": list(still),
            "inside_the_linear": [n for n, m in still.items() if any(getattr(c, "linear", None) is m
                                                                     for c in m.children())],
            "wrapped_twice": [n for n, m in modules.items() if isinstance(getattr(m, "linear", None), type(m))],
            "added": sum(p.numel() for p in model.parameters()) - n_before,
            "expected_added": sum(RANK * (m.in_features + m.out_features) for m in linears.values())}


@case
def logits(learner):
    import torch

    model = with_weights(_gpt(learner), gpt_ref.model_weights(CFG, "rl.")).eval()
    idx = torch.arange(12).reshape(2, 6) % CFG["vocab_size"]
    with torch.no_grad():
        before = model(idx)
        learner.replace_linear_with_lora(model, RANK, ALPHA)
        return {"before": before, "after": model(idx)}


def _replaced(out):
    out.error("replaced", {"RecursionError": RECURSION})
    got = out["replaced"]
    if got["inside_the_linear"]:
        fail(INSIDE)
    return got


def _something_replaced(out):
    """The replacement's result, failing when not one Linear layer was replaced."""
    got = _replaced(out)
    if len(got["still_linear"]) == len(got["before"]):
        fail(f"replace_linear_with_lora replaced none of the {len(got['before'])} Linear layers: replace each Linear "
             "child with setattr(parent, name, LinearWithLoRA(child, rank, alpha)) (assigning to the loop variable "
             "changes nothing in the model)")
    return got


@points(2)
def test_every_linear_replaced(out):
    got = _something_replaced(out)
    if got["still_linear"]:
        first = got["still_linear"][0]
        hint = ("descend into every child that is not a Linear (call the function on it): the layers sit inside "
                "trf_blocks, att and ff") if "." in first else "replace the Linear children of the model"
        fail(f"{len(got['still_linear'])} of the {len(got['before'])} Linear layers are left as they were "
             f"(e.g. {first}): {hint}")
    odd = [n for n, k in got["kinds"].items() if k is None]
    if odd:
        fail(f"after the replacement, {odd[0]} no longer exists: replace a child with setattr(parent, name, "
             "LinearWithLoRA(child, rank, alpha)) under the same name")


def test_each_layer_wrapped_once(out):
    got = _something_replaced(out)
    if got["wrapped_twice"]:
        fail(f"{got['wrapped_twice'][0]} is wrapped twice (a LinearWithLoRA inside a LinearWithLoRA): do not "
             "descend into the layer you just replaced")
    if got["added"] != got["expected_added"]:
        fail(f"the replacement added {got['added']:,} parameters, expected {got['expected_added']:,} "
             f"(rank x (in_features + out_features) for each of the {len(got['before'])} Linear layers)")


def test_outputs_unchanged_at_first(out):
    _something_replaced(out)
    out.error("logits", {"RecursionError": RECURSION})
    got = out["logits"]
    expect_close(got["after"], got["before"], "the GPT's logits after replace_linear_with_lora (B starts at zero, "
                 "so nothing may change yet; keep each original layer inside its LinearWithLoRA)",
                 atol=1e-5, rtol=1e-5)
