"""Checks for ch05.train_model_simple, watching the loop from outside: fresh gradients and training mode at every
update, evaluations every eval_freq steps with the tokens seen, a sample per epoch, and a falling loss."""
import numpy as np

from grader.checks import case, expect_close, expect_type, fail, points, sibling

ref = sibling(__file__, "pretraining_reference")
EPOCHS, BATCHES, BATCH, LENGTH, EVAL_FREQ = 2, 5, 2, 8, 3
STEPS = EPOCHS * BATCHES
EVAL_STEPS = [s for s in range(STEPS) if s % EVAL_FREQ == 0]
START = "the painter"


def run_loop(fn, learner, key, **extra):
    """fn (train_model_simple or appendix D's train_model) on the tiny GPT, handed over in eval mode, with a
    recording stand-in Adam; returns what it returned, what each optimizer step saw and what it printed."""
    model = ref.tiny_gpt(learner, key).eval()
    log = []
    optimizer = ref.recording_adam(model, log, lr=1e-2)
    train, val = ref.batches(BATCHES, BATCH, LENGTH, key + "train"), ref.batches(2, BATCH, LENGTH, key + "val")
    result, text = ref.printed(fn, model, train, val, optimizer, "cpu", EPOCHS, EVAL_FREQ, 1, START,
                               ref.CharTokenizer(), **extra)
    return {"result": list(result) if isinstance(result, tuple) else result, "steps": log, "printed": text}


@case
def training(learner):
    return run_loop(learner.train_model_simple, learner, "tms.")


def lists(out, n: int, name: str):
    result = out["training"]["result"]
    expect_type(result, list, f"{name}'s result")
    if len(result) != n:
        fail(f"{name} returned {len(result)} values; expected {n}")
    return result


def expect_updates(steps, name):
    if len(steps) != STEPS:
        fail(f"{name} called optimizer.step() {len(steps)} times in {EPOCHS} epochs of {BATCHES} batches; expected "
             f"one update per batch, {STEPS}")
    for k, s in enumerate(steps):
        if s["n_grads"] == 0:
            fail(f"at update {k} no parameter had a gradient: call loss.backward() before optimizer.step()")
        if not s["fresh"]:
            fail(f"at update {k} the gradients still held those of earlier batches: call optimizer.zero_grad() "
                 "at the start of every step (backward() adds to the gradients, it does not replace them)")


def test_one_fresh_update_per_batch(out):
    expect_updates(out["training"]["steps"], "train_model_simple")


def expect_training_mode(steps, name):
    off = [k for k, s in enumerate(steps) if not s["training"]]
    if off:
        fail(f"{name} updated the model in eval mode (dropout off) at step {off[0]}: call model.train() at the start "
             "of each epoch — the model may come in eval mode, and evaluation switches to it")


def test_trains_in_training_mode(out):
    expect_training_mode(out["training"]["steps"], "train_model_simple")


def expect_evaluations(result, snap_result, name):
    train_losses, val_losses, tokens = result[:3]
    for label, values in (("train_losses", train_losses), ("val_losses", val_losses), ("track_tokens_seen", tokens)):
        expect_type(values, list, label)
        if len(values) != len(EVAL_STEPS):
            fail(f"{label} has {len(values)} entries after {STEPS} steps with eval_freq={EVAL_FREQ}; expected "
                 f"{len(EVAL_STEPS)}, one per evaluation at steps {EVAL_STEPS} (global_step % eval_freq == 0, "
                 "counting from step 0)")
    expected_tokens = snap_result[2]
    if tokens != expected_tokens:
        per_step = BATCH * LENGTH
        if tokens == [(s + 1) * BATCH for s in EVAL_STEPS]:
            fail(f"track_tokens_seen counts sequences {tokens}: count tokens, input_batch.numel() ({per_step} a batch)")
        if tokens == [s * per_step for s in EVAL_STEPS]:
            fail(f"track_tokens_seen is one batch behind {tokens}: add the batch's tokens before evaluating")
        fail(f"track_tokens_seen is {tokens}, expected {expected_tokens} ({per_step} tokens a batch, counted "
             "after each update)")


def test_evaluations_and_tokens_seen(out, snap):
    expect_evaluations(lists(out, 3, "train_model_simple"), snap["training"]["result"], "train_model_simple")


def expect_samples(text, name):
    samples = [line for line in text.splitlines() if line.startswith(START)]
    if len(samples) != EPOCHS:
        fail(f"{name} printed {len(samples)} samples in {EPOCHS} epochs; expected one after each epoch "
             "(generate_and_print_sample after the batch loop)")


def test_sample_after_each_epoch(out):
    expect_samples(out["training"]["printed"], "train_model_simple")


@points(2)
def test_loss_falls(out, snap):
    train_losses, val_losses = lists(out, 3, "train_model_simple")[:2]
    if not np.all(np.isfinite(train_losses)) or not train_losses[-1] < train_losses[0] - 0.5:
        fail(f"the training loss does not fall: {[round(x, 3) for x in train_losses]} over {STEPS} steps at lr 0.01 "
             "(it should drop by about 1)")
    expected = snap["training"]["result"]
    expect_close(np.array(train_losses), expected[0], "train_losses", atol=1e-4, rtol=1e-4)
    expect_close(np.array(val_losses), expected[1], "val_losses", atol=1e-4, rtol=1e-4)
