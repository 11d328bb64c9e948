"""Checks for dpo.train_model_dpo_simple, watching the loop from outside on a tiny GPT: one fresh update per batch in
training mode, the six values and the tokens seen recorded every eval_freq steps, a sample after each epoch, the
chosen-over-rejected reward margin rising over a few steps, and the reference model left exactly as it was."""
import numpy as np

from grader.checks import case, expect_close, expect_names, expect_type, fail, fail_if_mistake, points, sibling, tip

ref = sibling(__file__, "dpo_reference")
stand = ref.stand
EPOCHS, BATCHES, BATCH, EVAL_FREQ, EVAL_ITER, BETA, LR = 2, 3, 2, 2, 1, 0.5, 1e-2
STEPS = EPOCHS * BATCHES
EVAL_STEPS = [s for s in range(STEPS) if s % EVAL_FREQ == 0]
START = "the painter"
KEYS = ["train_losses", "train_chosen_rewards", "train_rejected_rewards", "val_losses", "val_chosen_rewards",
        "val_rejected_rewards", "tokens_seen"]


@case
def training(learner):
    """The learner's loop with a recording stand-in for AdamW over the policy's parameters; the reference starts as a
    copy of the policy, as in the notebook. The notebook's loop samples from its global `model` (the policy there):
    a third copy stands in for that global, so that its code runs here as in its notebook."""
    policy, reference = ref.models(learner, same=True)
    notebook_model = stand.tiny_gpt(learner, "dpo.policy.", context_length=ref.SEQ).eval()
    fn = learner.train_model_dpo_simple
    getattr(fn, "__globals__", {}).setdefault("model", notebook_model)
    before = {name: p.detach().clone() for name, p in reference.named_parameters()}
    watched = {"policy": stand.watch_forward(policy), "reference": stand.watch_forward(reference),
               "global model": stand.watch_forward(notebook_model)}
    log = []
    optimizer = stand.recording_adam(policy, log, lr=LR)
    train, val = ref.loader(BATCHES, BATCH, "dpo.train."), ref.loader(2, BATCH, "dpo.val.")
    result, text = stand.printed(fn, policy, reference, train, val, optimizer, EPOCHS, BETA, EVAL_FREQ, EVAL_ITER,
                                 START, stand.CharTokenizer())
    moved = max(float((p.detach() - before[name]).abs().max()) for name, p in reference.named_parameters())
    samplers = {name: sum(1 for c in calls if c["shape"][:1] == [1]) for name, calls in watched.items()}
    return {"result": {k: list(v) for k, v in result.items()} if isinstance(result, dict) else repr(result)[:80],
            "steps": log, "printed": text, "reference_moved": moved, "samplers": samplers,
            "widths": [int(b["chosen"].shape[1]) for b in train]}


def _tracking(out):
    result = out["training"]["result"]
    expect_type(result, dict, "train_model_dpo_simple's result (the tracking dict)")
    expect_names(list(result), KEYS, "the keys of the tracking dict", item="key")
    for key in KEYS:
        if len(result[key]) != len(EVAL_STEPS):
            fail(f"tracking[{key!r}] has {len(result[key])} entries after {STEPS} steps with eval_freq={EVAL_FREQ}; "
                 f"expected {len(EVAL_STEPS)}, one per evaluation at steps {EVAL_STEPS} (global_step % eval_freq == 0, "
                 "counting from step 0)")
    return result


def test_one_fresh_update_per_batch(out):
    steps = out["training"]["steps"]
    if len(steps) != STEPS:
        fail(f"train_model_dpo_simple called optimizer.step() {len(steps)} times in {EPOCHS} epochs of {BATCHES} "
             f"batches; expected one update per batch, {STEPS}")
    for k, s in enumerate(steps):
        if s["n_grads"] == 0:
            fail(f"at update {k} no parameter of the policy had a gradient: call loss.backward() on "
                 "compute_dpo_loss_batch(batch, policy_model, reference_model, beta)'s loss before optimizer.step()")
        if not s["fresh"]:
            fail(f"at update {k} the gradients still held those of earlier batches: call optimizer.zero_grad() at the "
                 "start of every step (backward() adds to the gradients, it does not replace them)")


def test_trains_in_training_mode(out):
    off = [k for k, s in enumerate(out["training"]["steps"]) if not s["training"]]
    if off:
        fail(f"the policy model was updated in eval mode (dropout off) at step {off[0]}: call policy_model.train() at "
             "the start of each epoch — it may come in eval mode, as in the notebook")


def test_tokens_seen(out, snap):
    got, want = _tracking(out)["tokens_seen"], snap["training"]["result"]["tokens_seen"]
    seen = np.cumsum([BATCH * w for w in out["training"]["widths"] * EPOCHS])
    fail_if_mistake(got, {
        "the tokens of the chosen and the rejected sequences are both counted: count batch[\"chosen\"].numel()":
            [int(2 * seen[s]) for s in EVAL_STEPS],
        "you count sequences; count tokens, batch[\"chosen\"].numel()": [(s + 1) * BATCH for s in EVAL_STEPS],
        "it is one batch behind: add the batch's tokens before evaluating": [int(seen[s - 1]) if s else 0
                                                                              for s in EVAL_STEPS]},
        f"tracking['tokens_seen'] is {got}")
    if got != want:
        fail(f"tracking['tokens_seen'] is {got}, expected {want} (the tokens of batch[\"chosen\"], counted after each "
             "update)")


@points(3)
def test_margin_rises(out, snap):
    result, want = _tracking(out), snap["training"]["result"]
    margins = np.array(result["train_chosen_rewards"]) - np.array(result["train_rejected_rewards"])
    if np.allclose(margins, 0, atol=1e-7) and np.allclose(result["train_losses"], np.log(2), atol=1e-6):
        fail("the loss stays log 2 and the reward margins 0 at every evaluation: the rewards are measured against "
             "the policy itself. Pass reference_model, which keeps the weights training started from, as the "
             "reference")
    if not margins[-1] > margins[0]:
        fail(f"the train reward margin (chosen - rejected reward) does not rise: {np.round(margins, 4).tolist()} at "
             f"steps {EVAL_STEPS}, with AdamW at lr {LR} and beta {BETA}")
    for key in KEYS[:-1]:
        expect_close(np.array(result[key], dtype=float), np.array(want[key]), f"tracking[{key!r}]", atol=1e-4,
                     rtol=1e-3)


def test_reference_stays_frozen(out):
    moved = out["training"]["reference_moved"]
    if moved > 0:
        fail(f"the reference model's weights changed during training (by up to {moved:.3g}): it is the yardstick the "
             "rewards are measured against, so nothing in the loop may change it — no optimizer step, no "
             "load_state_dict from the policy")


def test_sample_after_each_epoch(out):
    samples = [line for line in out["training"]["printed"].splitlines() if line.startswith(START)]
    if len(samples) != EPOCHS:
        fail(f"train_model_dpo_simple printed {len(samples)} samples in {EPOCHS} epochs; expected one after each epoch "
             "(chapter 5's generate_and_print_sample after the batch loop)")


@tip
def test_sample_from_the_policy(out):
    samplers = out["training"]["samplers"]
    if samplers["global model"]:
        fail("the sample after each epoch comes from a global variable `model` (the notebook's own, its policy "
             "model): pass model=policy_model to generate_and_print_sample, so the function works on any model")
    if samplers["reference"] and not samplers["policy"]:
        fail("the sample after each epoch comes from the reference model, which never changes: sample from "
             "policy_model to see what training did")
