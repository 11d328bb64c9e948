"""Checks for ch05.checkpoint (section 5.4, exercise 5.4): one file with the model's and the optimizer's state
under the book's keys, restored into a new model and optimizer so that training resumes exactly as if it had
never stopped. The optimizer is the checks' stand-in Adam, whose state (moments, step count) matters as AdamW's."""
import numpy as np

from grader.checks import case, expect_names, fail, sibling

stand = sibling(__file__, "standins")
PATH = "model_and_optimizer.pth"   # in the exercise's scratch folder
BOOK_KEYS = ["model_state_dict", "optimizer_state_dict"]


def _train(model, optimizer, batches):
    import torch
    losses = []
    model.train()
    for x, y in batches:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x).flatten(0, 1), y.flatten())
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    return losses


@case
def resume(learner):
    """Train 3 steps, save, train 3 more (run A); then a new model (other weights) and a new optimizer, load,
    train the same 3 steps (run B). A and B must agree."""
    import torch
    batches = stand.batches(6, 2, 8, "ckpt.")
    model = stand.tiny_gpt(learner, "ckpt.a.")
    optimizer = stand.recording_adam(model, [], lr=1e-2)
    _train(model, optimizer, batches[:3])
    saved = {k: v.detach().clone() for k, v in model.state_dict().items()}
    saved_steps = sorted(float(s["step"]) for s in optimizer.state.values())
    learner.save_checkpoint(model, optimizer, PATH)
    run_a = _train(model, optimizer, batches[3:])

    fresh = stand.tiny_gpt(learner, "ckpt.b.").eval()
    fresh_optimizer = stand.recording_adam(fresh, [], lr=1e-3)
    returned = learner.load_checkpoint(PATH, fresh, fresh_optimizer)
    if isinstance(returned, (tuple, list)) and len(returned) == 2:
        fresh, fresh_optimizer = returned
    restored = {k: bool(torch.equal(v, saved[k])) for k, v in fresh.state_dict().items() if k in saved}
    steps = sorted(float(s["step"]) for s in fresh_optimizer.state.values())
    training = fresh.training
    run_b = _train(fresh, fresh_optimizer, batches[3:])
    return {"run_a": run_a, "run_b": run_b, "restored": restored, "steps": steps, "saved_steps": saved_steps,
            "lr": fresh_optimizer.param_groups[0]["lr"], "training": training}


@case
def saved_keys(learner):
    """What save_checkpoint wrote, read back as the book reads it: torch.load(path, weights_only=True)."""
    import torch
    model = stand.tiny_gpt(learner, "ckpt.k.")
    learner.save_checkpoint(model, stand.recording_adam(model, []), PATH)
    return sorted(torch.load(PATH, weights_only=True))


def test_file_holds_both_states(out):
    out.error("saved_keys", {"UnpicklingError": "torch.load(path, weights_only=True) cannot read the file: save the "
                                                "state dicts, model.state_dict() and optimizer.state_dict(), not the "
                                                "model or optimizer objects themselves"})
    expect_names(out["saved_keys"], BOOK_KEYS, "the keys of the saved dict (section 5.4)", "key")


def test_model_restored(out):
    restored = out["resume"]["restored"]
    wrong = [k for k, ok in restored.items() if not ok]
    if not restored or wrong:
        fail(f"after load_checkpoint the new model's {', '.join(wrong[:3]) or 'weights'} differ from the saved ones: "
             "model.load_state_dict(checkpoint[\"model_state_dict\"])")


def test_optimizer_restored(out):
    got = out["resume"]
    if got["steps"] != got["saved_steps"] or got["lr"] != 1e-2:
        fail(f"after load_checkpoint the optimizer has taken {int(max(got['steps'], default=0))} steps with learning "
             f"rate {got['lr']:g}; the saved one had taken {int(max(got['saved_steps']))} steps at 0.01. AdamW keeps "
             "moments and a step count for every parameter: save optimizer.state_dict() and restore it with "
             "optimizer.load_state_dict(...)")


def test_training_resumes_identically(out):
    a, b = np.array(out["resume"]["run_a"]), np.array(out["resume"]["run_b"])
    if a.shape != b.shape or not np.allclose(a, b, atol=1e-6, rtol=1e-6):
        fail(f"training resumed from the checkpoint gives the losses {np.round(b, 4).tolist()}, but the run that "
             f"never stopped gives {np.round(a, 4).tolist()}: both the weights and the optimizer's state must come "
             "back")


def test_left_in_training_mode(out):
    if not out["resume"]["training"]:
        fail("after load_checkpoint the model is in eval mode: call model.train() before returning, ready to "
             "continue pretraining")
