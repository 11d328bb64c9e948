"""Checks for ch06.train_classifier: train_classifier_simple's five results, its evaluation schedule, train mode."""
from grader.checks import case, expect_close, expect_type, fail, fail_if_mistake, points, sibling

stand = sibling(__file__, "standins")
EPOCHS, EVAL_FREQ, EVAL_ITER, BATCH, N_TRAIN, N_VAL = 2, 2, 1, 4, 12, 8


def _setup():
    model = stand.tiny_classifier("train.")
    optimizer = stand.PlainSGD(model.parameters(), lr=0.5)
    return model, optimizer, stand.loader(N_TRAIN, BATCH, "train.t"), stand.loader(N_VAL, BATCH, "train.v")


@case
def run(learner):
    model, optimizer, train, val = _setup()
    result = learner.train_classifier_simple(model, train, val, optimizer, "cpu", num_epochs=EPOCHS,
                                             eval_freq=EVAL_FREQ, eval_iter=EVAL_ITER)
    return {"result": list(result) if isinstance(result, tuple) else result, "calls": model.calls}


def _reference_losses(zero_grad=True, first_step=0):
    """train_losses of the book's loop, or of a loop without zero_grad / counting steps from 1 (check-side)."""
    import torch

    model, optimizer, train, _ = _setup()
    ce = torch.nn.functional.cross_entropy
    losses, step = [], first_step - 1
    for _ in range(EPOCHS):
        for x, y in train:
            if zero_grad:
                optimizer.zero_grad()
            ce(model(x)[:, -1], y).backward()
            optimizer.step()
            step += 1
            if step % EVAL_FREQ == 0:
                with torch.no_grad():
                    xb, yb = next(iter(train))
                    losses.append(float(ce(model(xb)[:, -1], yb)))
    return losses


@case
def mistakes(learner):
    """train_losses of a loop without zero_grad, and of one counting its steps from 1 (the same set-up)."""
    return {"the training losses are those of a loop that never resets the gradients: call optimizer.zero_grad() "
            "before each backward pass, or the gradients of all earlier batches add up":
                _reference_losses(zero_grad=False),
            "the training losses are those of a loop whose first step is step 1: the first step is step 0 "
            "(global_step starts at -1), so the first evaluation comes right after the first update":
                _reference_losses(first_step=1)}


def _result(out):
    got = out["run"]["result"]
    if not isinstance(got, list) or len(got) != 5:
        fail(f"train_classifier_simple returned {type(got).__name__}"
             f"{' of ' + str(len(got)) if isinstance(got, list) else ''}; it should return five things: "
             "train_losses, val_losses, train_accs, val_accs, examples_seen")
    return got


def test_returns_five_results(out):
    got = _result(out)
    for i, name in enumerate(("train_losses", "val_losses", "train_accs", "val_accs")):
        expect_type(got[i], list, name)


def test_examples_seen(out):
    seen = _result(out)[4]
    expected = EPOCHS * N_TRAIN
    if seen != expected:
        fail_if_mistake(seen, {
            "the number of batches: add input_batch.shape[0] (examples) each step": EPOCHS * N_TRAIN // BATCH,
            "the number of tokens: count examples, input_batch.shape[0], not numel()": expected * 6,
        }, f"examples_seen is {seen}", atol=0, rtol=0)
        fail(f"examples_seen is {seen}, expected {expected} ({EPOCHS} epochs of {N_TRAIN} examples)")


@points(2)
def test_losses_on_the_book_schedule(out, snap):
    got, expected = _result(out), snap["run"]["result"]
    n = len(expected[0])
    if len(got[0]) != n or len(got[1]) != n:
        fail(f"{len(got[0])} training losses recorded in {EPOCHS * N_TRAIN // BATCH} steps with eval_freq="
             f"{EVAL_FREQ}, expected {n}: evaluate when global_step % eval_freq == 0, with global_step 0 at the "
             "first step (it starts at -1 and grows before the check)")
    expect_close(got[0], expected[0], f"train_losses (evaluate_model over eval_iter={EVAL_ITER} batch)",
                 atol=1e-4, rtol=1e-4, mistakes=out["mistakes"])
    expect_close(got[1], expected[1], "val_losses", atol=1e-4, rtol=1e-4)


def test_accuracies_after_each_epoch(out, snap):
    got, expected = _result(out), snap["run"]["result"]
    for i, name in ((2, "train_accs"), (3, "val_accs")):
        if len(got[i]) != EPOCHS:
            fail(f"{name} has {len(got[i])} values for {EPOCHS} epochs: compute the accuracies once after each epoch")
        expect_close(got[i], expected[i], f"{name} (calc_accuracy_loader over eval_iter={EVAL_ITER} batch after "
                     "each epoch)", atol=1e-6, rtol=0)


def test_learns(out):
    losses = _result(out)[0]
    if len(losses) >= 2 and abs(losses[-1] - losses[0]) < 1e-7:
        fail("the training loss never changes: call loss.backward() and optimizer.step() for every batch")


def test_trains_in_train_mode(out):
    steps = [training for training, grad, _ in out["run"]["calls"] if grad]
    if not steps:
        fail("no forward pass ran with gradients: the training steps must not run under torch.no_grad()")
    if not all(steps):
        k = steps.index(False)
        fail(f"training step {k} ran in eval mode: calc_accuracy_loader and evaluate_model switch to eval mode, "
             "so call model.train() at the start of every epoch")
