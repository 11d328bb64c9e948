"""Checks for ch07.finetune_model: chapter 5's loop with AdamW at the book's learning rate and weight decay,
on a tiny GPTModel with known weights and fixed batches (no shuffling, no dropout: nothing random).

The optimizer is judged by what it does to the weights: rows of the embeddings that get no gradient
(token ids absent from the batches, positions past their length) change only by the weight decay, by the
factor (1 - lr * weight_decay) each step under AdamW; the trained output head shows the step size.
"""
import numpy as np

from grader.checks import case, expect_close, fail, fail_if_mistake, points, sibling
from grader.checks.weights import pattern

WORKER_PRELOAD = ("optimizers",)   # AdamW finds a stand-in for torch._dynamo (engine/eager_dynamo.py)
ref4 = sibling(__file__, "ch04/gpt_reference")
CFG = {"vocab_size": 60, "context_length": 12, "emb_dim": 16, "n_heads": 2, "n_layers": 1, "drop_rate": 0.0,
       "qkv_bias": False}
WEIGHTS = ref4.model_weights(CFG, "ft.")
USED_IDS, LENGTH = 50, 8            # batches use ids 0..49 and 8 positions: the rest get no gradient
EPOCHS, EVAL_FREQ, EVAL_ITER = 1, 2, 1
LR, DECAY = 0.00005, 0.1            # the book's, finetune_model's defaults
OWN_LR, OWN_DECAY = 0.0002, 0.5


class CharTokenizer:
    """Characters to ids below the model's vocabulary, for chapter 5's printed samples."""

    def encode(self, text, **kwargs):
        return [ord(c) % CFG["vocab_size"] for c in text]

    def decode(self, ids):
        return "".join(chr(32 + int(i)) for i in ids)


def _batches(key, n):
    """n fixed (inputs, targets) batches of shape (2, LENGTH); targets shifted, some set to -100 like padding."""
    import torch

    batches = []
    for b in range(n):
        ids = (np.abs(pattern((2, LENGTH + 1), f"{key}{b}", 1.0)) * USED_IDS).astype(np.int64) % USED_IDS
        inputs, targets = torch.from_numpy(ids[:, :-1].copy()), torch.from_numpy(ids[:, 1:].copy())
        targets[1, LENGTH - 2 - b % 2:] = -100
        batches.append((inputs, targets))
    return batches


def finetune_with(learner, settings):
    """Train a known model on the fixed batches, with these settings beyond the required ones (none: the
    defaults); the result, and what the optimizer did to the weights."""
    from grader.checks import with_weights

    model = with_weights(learner.module("ch04/gpt.py").GPTModel(CFG), WEIGHTS)
    result = learner.finetune_model(model, _batches("train", 3), _batches("val", 2), "cpu", num_epochs=EPOCHS,
                                    start_context="Below is", tokenizer=CharTokenizer(), eval_freq=EVAL_FREQ,
                                    eval_iter=EVAL_ITER, **settings)
    tok0, pos0 = WEIGHTS["tok_emb.weight"][USED_IDS:], WEIGHTS["pos_emb.weight"][LENGTH:]
    tok1 = model.tok_emb.weight.detach().numpy()[USED_IDS:]
    pos1 = model.pos_emb.weight.detach().numpy()[LENGTH:]
    before, after = np.concatenate([tok0.ravel(), pos0.ravel()]), np.concatenate([tok1.ravel(), pos1.ravel()])
    ratios = (after / before)[np.abs(before) > 1e-3]
    step = np.abs(model.out_head.weight.detach().numpy() - WEIGHTS["out_head.weight"]).mean()
    return {"result": list(result) if isinstance(result, tuple) else result, "decay": float(ratios.mean()),
            "decay_spread": float(ratios.std()), "head_step": float(step)}


finetuned = case(finetune_with, {})
own_settings = case(finetune_with, {"lr": OWN_LR, "weight_decay": OWN_DECAY})


def _steps():
    return EPOCHS * 3


@points(2)
def test_weight_decay(out, snap):
    got, want = out["finetuned"]["decay"], snap["finetuned"]["decay"]
    if abs(got - want) <= 1e-6:
        return
    if out["finetuned"]["decay_spread"] > 1e-5:
        fail("weights that get no gradient changed by different factors, as under torch.optim.Adam, which adds "
             "the weight decay to the gradient; the book uses torch.optim.AdamW, which shrinks every weight by "
             "the same factor (1 - lr * weight_decay) each step")
    fail_if_mistake(got, {"weights that get no gradient did not change at all: the optimizer has no weight decay. "
                          f"The book uses torch.optim.AdamW(model.parameters(), lr={LR}, weight_decay={DECAY})": 1.0},
                    f"finetune_model with its default settings, over {_steps()} steps", atol=1e-9, rtol=0.0)
    per_step = (1 - got ** (1 / _steps())) / LR
    fail(f"weights that get no gradient shrank by {1 - got:.3g} over {_steps()} steps, expected {1 - want:.3g}: "
         f"that is lr * weight_decay = {per_step * LR:.3g} a step, not {LR * DECAY:g} "
         f"(lr={LR}, weight_decay={DECAY})")


@points(2)
def test_learning_rate(out, snap):
    got, want = out["finetuned"]["head_step"], snap["finetuned"]["head_step"]
    ratio = got / want if want else float("inf")
    if abs(ratio - 1) > 0.05:
        fail(f"the output head's weights moved {ratio:.3g} times as far as with the book's optimizer "
             f"(AdamW, lr={LR}) over {_steps()} steps: check the learning rate"
             + (" — 0.0004 or 0.0005 is chapter 5's, for pretraining" if ratio > 5 else "")
             + (" and the optimizer: Adam-type steps are about lr in size, SGD's far smaller" if ratio < 0.2 else ""))


def test_settings_honoured(out, snap):
    got, want = out["own_settings"], snap["own_settings"]
    if abs(got["decay"] - want["decay"]) > 1e-6 or abs(got["head_step"] / want["head_step"] - 1) > 0.05:
        fail(f"finetune_model(..., lr={OWN_LR}, weight_decay={OWN_DECAY}) trained as with other settings: hand "
             "lr and weight_decay on to the optimizer instead of fixed values")


@points(2)
def test_losses_recorded(out, snap):
    got, want = out["finetuned"]["result"], snap["finetuned"]["result"]
    if not isinstance(got, list) or len(got) != 3:
        fail("finetune_model should return what train_model_simple returns: (train_losses, val_losses, "
             "tokens_seen)")
    if got[2] != want[2] and len(got[2]) > len(want[2]) and got[2][:len(want[2])] == want[2]:
        fail(f"the tokens seen should be {want[2]} after {EPOCHS} epoch of 3 batches, got {got[2]}: the model "
             "trained longer; hand num_epochs on to train_model_simple")
    if len(got[0]) != len(want[0]):
        fail(f"with {_steps()} steps and eval_freq={EVAL_FREQ} the losses should be recorded {len(want[0])} times, "
             f"got {len(got[0])}: hand eval_freq and eval_iter on to train_model_simple")
    if got[2] != want[2]:
        fail(f"the tokens seen should be {want[2]}, got {got[2]}")
    expect_close(np.asarray(got[0]), np.asarray(want[0]), "the training losses", atol=2e-5, rtol=1e-5)
    expect_close(np.asarray(got[1]), np.asarray(want[1]), "the validation losses", atol=2e-5, rtol=1e-5)
