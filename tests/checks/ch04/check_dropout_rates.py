"""Checks for ch04.dropout_rates (exercise 4.3): separate dropout rates for embeddings, attention, shortcuts.

A rate of 1.0 drops everything, deterministically: with one rate at 1.0 and the others at 0, the
train-mode logits show which dropout layer that rate reached."""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail

CFG = {"vocab_size": 60, "context_length": 8, "emb_dim": 16, "n_heads": 2, "n_layers": 2, "drop_rate": 0.0,
       "drop_rate_emb": 0.0, "drop_rate_attn": 0.0, "drop_rate_shortcut": 0.0, "qkv_bias": False}
V, C, D = CFG["vocab_size"], CFG["context_length"], CFG["emb_dim"]
RATES = {"emb": "drop_rate_emb", "attn": "drop_rate_attn", "shortcut": "drop_rate_shortcut"}
WHERE = {"emb": "after the embeddings (self.drop_emb)", "attn": "on the attention weights (MultiHeadAttention's dropout)",
         "shortcut": "before each shortcut addition (self.drop_shortcut)"}


def _reference():
    from grader.weights import pattern

    ref = {"tok_emb.weight": pattern((V, D), "dr.tok", 1.0), "pos_emb.weight": pattern((C, D), "dr.pos", 1.0),
           "final_norm.scale": 1 + pattern((D,), "dr.fn.scale", 0.5), "final_norm.shift": pattern((D,), "dr.fn.shift", 0.5),
           "out_head.weight": pattern((V, D), "dr.head")}
    for i in range(CFG["n_layers"]):
        p = f"trf_blocks.{i}."
        ref.update({p + f"att.{n}.weight": pattern((D, D), p + n) for n in ("W_query", "W_key", "W_value", "out_proj")})
        ref.update({p + "att.out_proj.bias": pattern((D,), p + "ob", 0.3),
                    p + "ff.layers.0.weight": pattern((4 * D, D), p + "f0w"), p + "ff.layers.0.bias": pattern((4 * D,), p + "f0b", 0.3),
                    p + "ff.layers.2.weight": pattern((D, 4 * D), p + "f2w"), p + "ff.layers.2.bias": pattern((D,), p + "f2b", 0.3)})
        for norm in ("norm1", "norm2"):
            ref[p + norm + ".scale"] = 1 + pattern((D,), p + norm + ".scale", 0.5)
            ref[p + norm + ".shift"] = pattern((D,), p + norm + ".shift", 0.5)
    return ref


def _logits(learner, train, **rates):
    import torch
    from grader.weights import assign

    model = learner.GPTModel({**CFG, **rates})
    assign(model, _reference())
    model.train(train)
    idx = torch.tensor([[3, 41, 59, 26, 5, 35], [8, 9, 7, 9, 3, 23]])
    with torch.no_grad():
        return model(idx), model(idx)


@case
def one_rate_at_a_time(learner):
    result = {"none": _logits(learner, True)[0]}
    for short, key in RATES.items():
        result[short] = _logits(learner, True, **{key: 1.0})[0]
    return result


@case
def eval_mode(learner):
    first, second = _logits(learner, False, **{key: 0.5 for key in RATES.values()})
    return {"logits": first, "repeats": bool((first == second).all())}


def _expect_rate(out, snap, short):
    got, expected = out["one_rate_at_a_time"], snap["one_rate_at_a_time"]
    what = f"the train-mode logits with {RATES[short]}=1.0 and the other rates 0"
    expect_shape(got[short], expected[short].shape, what)
    if np.allclose(got[short], expected[short], atol=1e-4, rtol=1e-4):
        return
    if np.allclose(got[short], expected["none"], atol=1e-4, rtol=1e-4):
        fail(f"with {RATES[short]}=1.0 nothing was dropped: use cfg['{RATES[short]}'] for the dropout {WHERE[short]}")
    for other in RATES:
        if other != short and np.allclose(got[short], expected[other], atol=1e-4, rtol=1e-4):
            fail(f"{RATES[short]} reached the dropout {WHERE[other]}; it belongs to the dropout {WHERE[short]}")
    expect_close(got[short], expected[short], what, atol=1e-4, rtol=1e-4)


def test_embedding_dropout(out, snap):
    _expect_rate(out, snap, "emb")


def test_attention_dropout(out, snap):
    _expect_rate(out, snap, "attn")


def test_shortcut_dropout(out, snap):
    _expect_rate(out, snap, "shortcut")


def test_eval_turns_dropout_off(out, snap):
    got = out["eval_mode"]
    if not got["repeats"]:
        fail("in eval mode two calls on the same input differ: use nn.Dropout modules, which switch off "
             "in eval mode, not F.dropout(x, p)")
    expect_close(got["logits"], snap["eval_mode"]["logits"], "the eval-mode logits with every rate 0.5 (dropout off), "
                 "known weights: the model is gpt.GPTModel apart from its dropout rates", atol=1e-4, rtol=1e-4)
