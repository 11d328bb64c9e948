"""Chapter 5's own helpers, shared with appendix D's checks: the book's loss of a batch, and a training loop
(train_model_simple here, train_model in appendix D) run on the tiny GPT and watched from outside.

The stand-ins (tiny GPT, character tokenizer, batches, recording optimizer) live in tests/checks/standins.py; the
names below keep the checks of other chapters that load them from here working.
"""
from __future__ import annotations

from grader.checks import expect_type, fail, fail_if_mistake, sibling

stand = sibling(__file__, "standins")
TINY, V, C, CHARS, CharTokenizer = stand.TINY, stand.V, stand.C, stand.CHARS, stand.CharTokenizer
tiny_gpt, stream, batches, watch_forward = stand.tiny_gpt, stand.stream, stand.batches, stand.watch_forward
recording_adam, printed, gpt_ref = stand.recording_adam, stand.printed, stand.gpt_ref


def reference_loss(model, x, y) -> float:
    """The book's loss of one batch, computed here (not by the learner's code)."""
    import torch

    with torch.no_grad():
        logits = model(x)
    return float(torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten()))


# ---- a training loop watched from outside (train_model_simple here, train_model in appendix D) ----
EPOCHS, BATCHES, BATCH, LENGTH, EVAL_FREQ = 2, 5, 2, 8, 3
STEPS = EPOCHS * BATCHES
EVAL_STEPS = [s for s in range(STEPS) if s % EVAL_FREQ == 0]
START = "the painter"


def run_loop(learner, name: str, key: str, **extra):
    """A case: the learner's `name` (train_model_simple, or appendix D's train_model) on the tiny GPT, handed over in
    eval mode, with a recording stand-in Adam; returns what it returned, what each optimizer step saw and what it
    printed."""
    fn = getattr(learner, name)
    model = tiny_gpt(learner, key).eval()
    log = []
    optimizer = recording_adam(model, log, lr=1e-2)
    train, val = batches(BATCHES, BATCH, LENGTH, key + "train"), batches(2, BATCH, LENGTH, key + "val")
    result, text = printed(fn, model, train, val, optimizer, "cpu", EPOCHS, EVAL_FREQ, 1, START, CharTokenizer(),
                           **extra)
    return {"result": list(result) if isinstance(result, tuple) else result, "steps": log, "printed": text}


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


def expect_training_mode(steps, name):
    off = [k for k, s in enumerate(steps) if not s["training"]]
    if off:
        fail(f"{name} updated the model in eval mode (dropout off) at step {off[0]}: call model.train() at the start "
             "of each epoch — the model may come in eval mode, and evaluation switches to it")


def expect_evaluations(result, snap_result, name):
    train_losses, val_losses, tokens = result[:3]
    for label, values in (("train_losses", train_losses), ("val_losses", val_losses), ("track_tokens_seen", tokens)):
        expect_type(values, list, label)
        if len(values) != len(EVAL_STEPS):
            fail(f"{label} has {len(values)} entries after {STEPS} steps with eval_freq={EVAL_FREQ}; expected "
                 f"{len(EVAL_STEPS)}, one per evaluation at steps {EVAL_STEPS} (global_step % eval_freq == 0, "
                 "counting from step 0)")
    per_step = BATCH * LENGTH
    if tokens != snap_result[2]:
        fail_if_mistake(tokens, {
            f"you count sequences; count tokens, input_batch.numel() ({per_step} a batch)":
                [(s + 1) * BATCH for s in EVAL_STEPS],
            "it is one batch behind: add the batch's tokens before evaluating": [s * per_step for s in EVAL_STEPS],
        }, f"track_tokens_seen is {tokens}")
        fail(f"track_tokens_seen is {tokens}, expected {snap_result[2]} ({per_step} tokens a batch, counted "
             "after each update)")


def expect_samples(text, name):
    samples = [line for line in text.splitlines() if line.startswith(START)]
    if len(samples) != EPOCHS:
        fail(f"{name} printed {len(samples)} samples in {EPOCHS} epochs; expected one after each epoch "
             "(generate_and_print_sample after the batch loop)")
