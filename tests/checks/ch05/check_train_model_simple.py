"""Checks for ch05.train_model_simple, watching the loop from outside: fresh gradients and training mode at every
update, evaluations every eval_freq steps with the tokens seen, a sample per epoch, and a falling loss."""
import numpy as np

from grader.checks import case, expect_close, expect_type, fail, points, sibling

ref = sibling(__file__, "pretraining_reference")
STEPS = ref.STEPS

training = case(ref.run_loop, "train_model_simple", "tms.")


def lists(out, n: int, name: str):
    result = out["training"]["result"]
    expect_type(result, list, f"{name}'s result")
    if len(result) != n:
        fail(f"{name} returned {len(result)} values; expected {n}")
    return result


def test_one_fresh_update_per_batch(out):
    ref.expect_updates(out["training"]["steps"], "train_model_simple")


def test_trains_in_training_mode(out):
    ref.expect_training_mode(out["training"]["steps"], "train_model_simple")


def test_evaluations_and_tokens_seen(out, snap):
    ref.expect_evaluations(lists(out, 3, "train_model_simple"), snap["training"]["result"], "train_model_simple")


def test_sample_after_each_epoch(out):
    ref.expect_samples(out["training"]["printed"], "train_model_simple")


@points(2)
def test_loss_falls(out, snap):
    train_losses, val_losses = lists(out, 3, "train_model_simple")[:2]
    if not np.all(np.isfinite(train_losses)) or not train_losses[-1] < train_losses[0] - 0.5:
        fail(f"the training loss does not fall: {[round(x, 3) for x in train_losses]} over {STEPS} steps at lr 0.01 "
             "(it should drop by about 1)")
    expected = snap["training"]["result"]
    expect_close(np.array(train_losses), expected[0], "train_losses", atol=1e-4, rtol=1e-4)
    expect_close(np.array(val_losses), expected[1], "val_losses", atol=1e-4, rtol=1e-4)
