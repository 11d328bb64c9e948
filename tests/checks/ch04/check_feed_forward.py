"""Checks for ch04.feed_forward: FeedForward(cfg).layers = Linear(d, 4d), GELU, Linear(4d, d)."""

from grader.checks import case, expect_close, expect_names, expect_shape, fail, points
from grader.checks.weights import pattern

CFG = {"vocab_size": 60, "context_length": 8, "emb_dim": 16, "n_heads": 2, "n_layers": 2,
       "drop_rate": 0.0, "qkv_bias": False}
D = CFG["emb_dim"]
SHAPES = {"layers.0.weight": (4 * D, D), "layers.0.bias": (4 * D,),
          "layers.2.weight": (D, 4 * D), "layers.2.bias": (D,)}
INPUTS = {"book": (2, 3, D), "longer": (3, 7, D), "flat": (5, D)}


def _x(shape):
    return pattern(shape, f"ff.x{len(shape)}.{shape[0]}", 2.0)


@case
def structure(learner):
    ff = learner.FeedForward(CFG)
    layers = getattr(ff, "layers", None)
    return {"shapes": {n: list(p.shape) for n, p in ff.named_parameters()},
            "layer_types": [type(m).__name__ for m in layers] if layers is not None else None}


@case
def outputs(learner):
    import torch
    from grader.checks.weights import assign

    ff = learner.FeedForward(CFG)
    assign(ff, {n: pattern(s, "ff." + n) for n, s in SHAPES.items()})
    return {k: ff(torch.from_numpy(_x(s))) for k, s in INPUTS.items()}


def test_layers(out):
    got = out["structure"]
    types = got["layer_types"]
    if types is None:
        fail("FeedForward has no `layers`: keep the book's name for its nn.Sequential, self.layers")
    if len(types) != 3 or types[0] != "Linear" or types[2] != "Linear":
        fail(f"self.layers holds {types}, expected [Linear, GELU, Linear]")
    if "GELU" not in types[1]:
        fail(f"self.layers[1] is {types[1]}, expected GELU(): the activation between the two linear layers")
    expect_names(got["shapes"], SHAPES, "the parameters of FeedForward", "parameter")
    for name, shape in SHAPES.items():
        if got["shapes"][name] != list(shape):
            fail(f"FeedForward(cfg) with emb_dim {D}: {name} has shape {got['shapes'][name]}, expected {list(shape)}: "
                 "the hidden layer is 4 * emb_dim wide (Linear(emb_dim, 4 * emb_dim), then back to emb_dim)")


@points(2)
def test_output(out, snap):
    got, expected = out["outputs"], snap["outputs"]
    for key, shape in INPUTS.items():
        what = f"FeedForward(cfg)(x) for x of shape {list(shape)}"
        expect_shape(got[key], expected[key].shape, what)
        expect_close(got[key], expected[key], what + ", with known weights", atol=1e-5, rtol=1e-4, mistakes={
            f"{what} is the expected output plus x: FeedForward has no shortcut of its own (the shortcut belongs to "
            "TransformerBlock); return what self.layers gives for x": expected[key] + _x(shape)})
