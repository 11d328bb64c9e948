"""Checks for ch04.dropout_rates (exercise 4.3): separate dropout rates for embeddings, attention, shortcuts.

A rate of 1.0 drops everything, deterministically: with one rate at 1.0 and the others at 0, the
train-mode logits show which dropout layer that rate reached."""

from grader.checks import case, expect_close, expect_shape, fail, sibling, with_weights

ref = sibling(__file__, "gpt_reference")
RATES = {"emb": "drop_rate_emb", "attn": "drop_rate_attn", "shortcut": "drop_rate_shortcut"}
CFG = {**ref.SMALL, **{key: 0.0 for key in RATES.values()}}
REFERENCE = ref.model_weights(CFG, "dr.")
WHERE = {"emb": "after the embeddings (self.drop_emb)",
         "attn": "on the attention weights (MultiHeadAttention's dropout)",
         "shortcut": "before each shortcut addition (self.drop_shortcut)"}


def _logits(learner, train, **rates):
    import torch

    model = with_weights(learner.GPTModel({**CFG, **rates}), REFERENCE)
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
    expect_close(got[short], expected[short], what, atol=1e-4, rtol=1e-4, mistakes={
        f"with {RATES[short]}=1.0 nothing was dropped: use cfg['{RATES[short]}'] for the dropout {WHERE[short]}":
            expected["none"],
        **{f"{RATES[short]} reached the dropout {WHERE[other]}; it belongs to the dropout {WHERE[short]}":
           expected[other] for other in RATES if other != short}})


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
