"""Checks for appD.train_model, watching the loop from outside with a recording optimizer: the learning rate of
every step (returned and really applied), the peak read from the optimizer, clipping of the global gradient norm
after the warmup only, and train_model_simple's losses, tokens and samples."""
import math

import numpy as np

from grader.checks import case, expect_type, fail, fail_if_mistake, points, sibling

ref = sibling(__file__, "ch05/pretraining_reference")
WARMUP, INITIAL, MIN, PEAK = 3, 1e-4, 1e-5, 1e-2   # PEAK is the optimizer's lr
TOTAL = ref.STEPS


training = case(ref.run_loop, "train_model", "tm.", warmup_steps=WARMUP, initial_lr=INITIAL, min_lr=MIN)


def _schedule(total=TOTAL):
    lrs = []
    for step in range(TOTAL):
        if step < WARMUP:
            lrs.append(INITIAL + step * (PEAK - INITIAL) / WARMUP)
        else:
            lrs.append(MIN + (PEAK - MIN) * 0.5 * (1 + math.cos(math.pi * (step - WARMUP) / (total - WARMUP))))
    return np.array(lrs)


def _result(out):
    result = out["training"]["result"]
    expect_type(result, list, "train_model's result")
    if len(result) != 4:
        fail(f"train_model returned {len(result)} values; expected four: train_losses, val_losses, "
             "track_tokens_seen and track_lrs")
    return result


@points(2)
def test_learning_rates(out):
    lrs = _result(out)[3]
    expect_type(lrs, list, "track_lrs")
    if len(lrs) != TOTAL:
        fail(f"track_lrs has {len(lrs)} entries after {TOTAL} steps; record the rate of every step")
    got, expected = np.array(lrs, dtype=np.float64), _schedule()
    if np.allclose(got, expected, rtol=1e-6, atol=1e-12):
        return
    if not np.isclose(got[0], INITIAL, rtol=1e-6):
        fail(f"the first step's learning rate is {got[0]:g}, expected initial_lr = {INITIAL:g}: the first step is "
             "global_step 0")
    if not np.isclose(got[WARMUP], PEAK, rtol=1e-6):
        fail(f"at step warmup_steps = {WARMUP} the rate is {got[WARMUP]:g}; it should reach the peak, the optimizer's "
             f"own learning rate ({PEAK:g}), read once from optimizer.param_groups[0][\"lr\"] before training")
    fail_if_mistake(got, {f"the cosine runs over {ref.BATCHES} steps, one epoch: total_training_steps = "
                          "len(train_loader) * n_epochs": _schedule(total=ref.BATCHES)}, "track_lrs",
                    atol=1e-12, rtol=1e-6)
    fail(f"the learning rates {got.round(6).tolist()} differ from warmup + cosine decay, {expected.round(6).tolist()} "
         f"(warmup_steps {WARMUP}, initial_lr {INITIAL:g}, peak {PEAK:g}, min_lr {MIN:g}, {TOTAL} steps)")


def test_learning_rates_applied(out):
    lrs, steps = _result(out)[3], out["training"]["steps"]
    if len(steps) != TOTAL:
        fail(f"train_model called optimizer.step() {len(steps)} times; expected one update per batch, {TOTAL}")
    for k, (step, lr) in enumerate(zip(steps, lrs)):
        if not all(math.isclose(used, lr, rel_tol=1e-9) for used in step["lr"]):
            fail(f"at step {k} the optimizer updated with learning rate {step['lr'][0]:g} while track_lrs says {lr:g}: "
                 "set param_group[\"lr\"] = lr for every group in optimizer.param_groups before optimizer.step()")


def test_clipping_after_warmup(out):
    steps = out["training"]["steps"]
    for k, s in enumerate(steps[WARMUP + 1:], WARMUP + 1):
        if s["n_grads"] == 0 or s["raw"] <= 1.0:
            continue
        if s["norm"] > 1.0 + 1e-3:
            if s["max_tensor"] <= 1.0 + 1e-3:
                fail(f"at step {k} every gradient tensor has norm <= 1 but together they have {s['norm']:.3f}: clip "
                     "the global norm, over all parameters at once — "
                     "torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)")
            fail(f"at step {k}, after the warmup, optimizer.step() got gradients of global norm {s['norm']:.3f} > 1.0: "
                 "clip them after loss.backward() and before optimizer.step() (clipping before backward() clips "
                 "nothing)")


def test_no_clipping_during_warmup(out):
    steps = out["training"]["steps"]
    for k, s in enumerate(steps[:WARMUP]):
        if s["raw"] > 1.0 and not math.isclose(s["norm"], s["raw"], rel_tol=1e-4):
            fail(f"at step {k}, during the warmup, the gradients were clipped from norm {s['raw']:.3f} to "
                 f"{s['norm']:.3f}: the book clips only once the warmup is over (global_step >= warmup_steps)")


def test_loop_like_train_model_simple(out, snap):
    result = _result(out)
    ref.expect_updates(out["training"]["steps"], "train_model")
    ref.expect_training_mode(out["training"]["steps"], "train_model")
    ref.expect_evaluations(result, snap["training"]["result"], "train_model")
    ref.expect_samples(out["training"]["printed"], "train_model")
    losses = result[0]
    # not compared value by value: the printed book's `>` and the repository's `>=` clip step warmup_steps differently
    if not np.all(np.isfinite(losses)) or not losses[-1] < losses[0] - 0.3:
        fail(f"the training loss does not fall: {[round(x, 3) for x in losses]} over {TOTAL} steps")
