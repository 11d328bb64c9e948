"""Checks for ch05.ex5_5_pretrained_losses (exercise 5.5): a checkpoint's training and validation loss on a text,
split and batched as in section 5.1, with dropout off — on a synthetic GPT-2-vocabulary checkpoint."""
import math

import numpy as np

from grader.checks import case, fail, fail_if_mistake, sibling

WORKER_PRELOAD = ("gpt2",)
gpt2 = sibling(__file__, "gpt2_reference")
CFG = {**gpt2.GPT2_TINY, "vocab_size": 50257, "context_length": 16, "drop_rate": 0.1}
MAX_LENGTH = 12
TOL = dict(atol=1e-5, rtol=1e-4)
CHARS = 700   # the training part makes an even number of windows, so shuffling cannot change which are used


def _text():
    from course_data.text import default_text
    return default_text()[:CHARS]


@case
def losses(learner):
    model = learner.module("ch04/gpt.py").GPTModel(CFG)
    result = learner.pretrained_losses(model, gpt2.params(CFG, "ex55."), _text(), max_length=MAX_LENGTH)
    return {"losses": list(result) if isinstance(result, tuple) else result, "training": model.training}


def test_dropout_off(out):
    if out["losses"]["training"]:
        fail("the model was left in training mode, so dropout (drop_rate 0.1) made the losses random: call "
             "model.eval() (gpt.eval() in the book) before computing them")


def test_losses(out, snap):
    got, expected = out["losses"]["losses"], snap["losses"]["losses"]
    if not (isinstance(got, list) and len(got) == 2 and all(isinstance(x, float) for x in got)):
        fail(f"pretrained_losses returned {got!r}; expected two floats, (train_loss, val_loss)")
    if not np.allclose(got, expected, **TOL):
        fail_if_mistake(np.array(got), {"you returned (val_loss, train_loss): the training loss comes first":
                                        np.array(expected[::-1])}, "pretrained_losses", **TOL)
    for label, g, e in zip(("training", "validation"), got, expected):
        if not math.isclose(g, e, rel_tol=TOL["rtol"], abs_tol=TOL["atol"]):
            fail(f"the {label} loss is {g:.5f}, expected {e:.5f}: split the text at int(train_ratio * len(text)) "
                 "characters, windows of max_length tokens with stride max_length, batch_size 2, and average over "
                 "every batch (calc_loss_loader without num_batches)")
