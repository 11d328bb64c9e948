"""Checks for ch04.transformer_block: pre-LayerNorm attention and feed-forward, each with a shortcut."""
import numpy as np

from grader.checks import (case, dropout_probe, eval_outputs, expect_close, expect_gradients, expect_names,
                           expect_shape, fail, forward, gradient_sizes, points, sibling, with_weights)
from grader.checks.weights import pattern


ref = sibling(__file__, "gpt_reference")
CFG = ref.SMALL
D = CFG["emb_dim"]
REFERENCE = ref.block_weights(D, "tb.")
INPUTS = {"main": (2, 5, D), "full_context": (3, 8, D), "one_token": (1, 1, D)}


def _block(learner, **changes):
    return with_weights(learner.TransformerBlock({**CFG, **changes}), REFERENCE)


def _x(shape):
    import torch
    return torch.from_numpy(pattern(shape, f"tb.x.{shape[0]}.{shape[1]}", 2.0))


ADVICE = {"post-norm": "you normalize after adding the shortcut (post-norm); GPT-2 normalizes first: "
                       "x = x + drop_shortcut(att(norm1(x)))",
          "no shortcuts": "the shortcut connections are missing: add the block's input back, "
                          "x = x + drop_shortcut(att(norm1(x))), and likewise around ff",
          "no attention shortcut": "the shortcut around the attention is missing: x = x + drop_shortcut(att(norm1(x)))",
          "no feed-forward shortcut": "the shortcut around the feed-forward is missing: "
                                      "x = x + drop_shortcut(ff(norm2(x)))",
          "norms swapped": "norm1 goes before the attention and norm2 before the feed-forward"}


def _variants(block, x):
    """What the usual wrong wirings (the keys of ADVICE) would give, built from the learner's own sublayers."""
    att, ff, n1, n2 = block.att, block.ff, block.norm1, block.norm2
    h = x + att(n1(x))
    h_post = n1(x + att(x))
    return {"post-norm": n2(h_post + ff(h_post)),
            "no shortcuts": ff(n2(att(n1(x)))),
            "no attention shortcut": att(n1(x)) + ff(n2(att(n1(x)))),
            "no feed-forward shortcut": ff(n2(h)),
            "norms swapped": x + att(n2(x)) + ff(n1(x + att(n2(x))))}


@case
def structure(learner):
    return {n: list(p.shape) for n, p in learner.TransformerBlock(CFG).named_parameters()}


@case
def outputs(learner):
    return eval_outputs(_block(learner), _x, INPUTS, _variants)


@case
def gradients(learner):
    block = _block(learner).train()
    y = block(_x(INPUTS["main"]))
    (y * _x(INPUTS["main"])).sum().backward()
    return gradient_sizes(block)


@case
def dropout(learner):
    """Judged by behaviour, whatever the dropout modules are called: with drop_rate=1.0 every sublayer
    output is dropped, so the block returns its input, and its attention (`att`, a parameter name the
    book fixes) drops every attention weight, so it returns only out_proj's bias."""
    x = _x(INPUTS["main"])
    probe = dropout_probe(_block(learner, drop_rate=0.5), x)
    everything = forward(_block(learner, drop_rate=1.0).train(), x)
    attention = forward(_block(learner, drop_rate=1.0).att.train(), x)
    return {**probe, "x": x, "all_dropped": everything, "attention_only": attention}


def test_submodules(out, snap):
    got, expected = out["structure"], snap["structure"]
    expect_names(got, expected, "the parameters of TransformerBlock (chapter 5 loads GPT-2's weights by "
                 "these names: att, ff, norm1, norm2)", "parameter")
    for name, shape in expected.items():
        if got[name] != shape:
            fail(f"TransformerBlock(cfg) with emb_dim {D}: {name} has shape {got[name]}, expected {shape}")


@points(3)
def test_output(out, snap):
    got, expected = out["outputs"], snap["outputs"]
    mistakes = {ADVICE[name]: value for name, value in got["variants"].items()}
    for key, shape in INPUTS.items():
        what = f"TransformerBlock(cfg)(x) in eval mode for x of shape {list(shape)}, with known weights"
        expect_shape(got[key], list(shape), what)
        expect_close(got[key], expected[key], what, atol=1e-5, rtol=1e-4, mistakes=mistakes if key == "main" else None)


def test_gradients_reach_every_parameter(out):
    expect_gradients(out["gradients"], "TransformerBlock", "is every sublayer used in forward? norm1 goes before "
                     "att, norm2 before ff")


def test_dropout_only_in_train_mode(out, snap):
    ref.expect_dropout_only_in_train_mode(
        out["dropout"], snap["dropout"]["eval"], "the block's eval-mode output with drop_rate=0.5 (dropout off)", 1e-5,
        "an nn.Dropout(drop_rate) such as self.drop_shortcut", "with drop_rate=0.5 in train mode the output does not "
        "change between calls: apply a dropout (self.drop_shortcut) to the attention and feed-forward outputs and "
        "pass dropout=drop_rate to MultiHeadAttention")


def test_shortcut_dropout_placement(out):
    d = out["dropout"]
    expect_shape(d["all_dropped"], d["x"].shape, "the block's output with drop_rate=1.0")
    if not np.allclose(d["all_dropped"], d["x"], atol=1e-6):
        fail("with drop_rate=1.0 in train mode every sublayer output is dropped, so the block should return its "
             "input unchanged; yours does not: apply the shortcut dropout (self.drop_shortcut) to att's and ff's "
             "outputs, before adding the shortcut (not after), and build it with cfg['drop_rate']")


def test_attention_gets_drop_rate(out, snap):
    got, expected = out["dropout"]["attention_only"], snap["dropout"]["attention_only"]
    what = "the block's att in train mode, in a TransformerBlock built with drop_rate=1.0"
    expect_shape(got, expected.shape, what)
    if not np.allclose(got, expected, atol=1e-5, rtol=1e-4):
        fail(f"{what} differs from the expected output: with every attention weight dropped, att returns only "
             "out_proj's bias. Pass dropout=cfg['drop_rate'] to MultiHeadAttention")
