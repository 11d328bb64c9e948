"""Checks for ch05.evaluate_model: both losses over eval_iter batches, in eval mode and without gradients, and
the model left in training mode."""
import math

import numpy as np

from grader.checks import case, expect_type, fail, fail_if_mistake, sibling

stand = sibling(__file__, "standins")
EVAL_ITER = 2
TOL = dict(atol=1e-5, rtol=1e-4)


@case
def evaluation(learner):
    """A tiny GPT with dropout 0.5 (so eval mode matters), in training mode, 3 batches per loader."""
    model = stand.tiny_gpt(learner, drop_rate=0.5).train()
    calls = stand.watch_forward(model)
    train, val = stand.batches(3, 2, 6, "em.train"), stand.batches(3, 2, 6, "em.val")
    losses = learner.evaluate_model(model, train, val, "cpu", EVAL_ITER)
    return {"losses": list(losses) if isinstance(losses, tuple) else losses, "calls": calls[:20],
            "training_after": model.training}


def _losses(out):
    got = out["evaluation"]["losses"]
    expect_type(got, list, "evaluate_model(...)'s result (train_loss, val_loss)")
    if len(got) != 2:
        fail(f"evaluate_model returned {len(got)} values; expected two, (train_loss, val_loss)")
    return got


def test_dropout_off(out):
    if any(c["training"] for c in out["evaluation"]["calls"]):
        fail("the losses were computed with the model in training mode, so dropout changed them at random: call "
             "model.eval() before computing them")


def test_no_gradients(out):
    if any(c["grad"] for c in out["evaluation"]["calls"]):
        fail("the losses were computed with gradients enabled: evaluation needs no computation graph, so compute "
             "them inside `with torch.no_grad():`")


def test_back_to_training_mode(out):
    if not out["evaluation"]["training_after"]:
        fail("after evaluate_model the model is still in eval mode, so training would go on without dropout: call "
             "model.train() before returning")


def test_eval_iter_batches(out):
    n = len(out["evaluation"]["calls"])
    if n != 2 * EVAL_ITER:
        fail(f"with eval_iter={EVAL_ITER} the model should see {EVAL_ITER} batches of each loader ({2 * EVAL_ITER} "
             f"calls); it was called {n} times: pass num_batches=eval_iter to calc_loss_loader")


def test_losses(out, snap):
    got, expected = _losses(out), snap["evaluation"]["losses"]
    for value in got:
        expect_type(value, float, "each loss")
    if not np.allclose(got, expected, **TOL):
        fail_if_mistake(np.array(got), {"you returned (val_loss, train_loss): return the training loss first":
                                        np.array(expected[::-1])}, "evaluate_model", **TOL)
    for label, g, e in zip(("training", "validation"), got, expected):
        if not math.isclose(g, e, rel_tol=TOL["rtol"], abs_tol=TOL["atol"]):
            fail(f"the {label} loss is {g:.5f}, expected {e:.5f} (the mean over the first {EVAL_ITER} batches, "
                 "dropout off)")
