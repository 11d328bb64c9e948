"""Checks for dpo.compute_dpo_loss_batch: on a fixed batch, a policy and a reference model (the learner's chapter-4 GPT,
two sets of known weights), the loss and rewards of the notebook's formulas with each sequence's own mask; the
gradient reaches the policy model, and the reference model, which is never trained, needs none."""
import numpy as np

from grader.checks import case, expect_close, fail, points, sibling, tip

ref = sibling(__file__, "dpo_reference")
TOL = dict(atol=2e-5, rtol=1e-4)
BETA = 0.5


def _setup(learner):
    policy, reference = ref.models(learner)
    return ref.batch_of(ref.ITEMS), policy, reference


@case
def values(learner):
    """The learner's loss and rewards, the notebook's computed here, and those of the usual mistakes (computed here
    too, from the same models)."""
    batch, policy, reference = _setup(learner)
    got = learner.compute_dpo_loss_batch(batch, policy, reference, BETA)
    variants = {"swapped": ref.reference_dpo_batch(batch, reference, policy, BETA),
                "policy_twice": ref.reference_dpo_batch(batch, policy, policy, BETA),
                "no_masks": ref.reference_dpo_batch(batch, policy, reference, BETA, None, None),
                "chosen_mask_twice": ref.reference_dpo_batch(batch, policy, reference, BETA, "", "chosen_mask")}
    got = [v.detach() if hasattr(v, "detach") else v for v in got]   # the loss keeps its graph: no warning
    return {"got": [float(v) for v in got], "expected": ref.reference_dpo_batch(batch, policy, reference, BETA),
            "variants": variants}


@case
def gradients(learner):
    """backward() on the learner's loss: which parameters of each model got a gradient, and how each model's forward
    passes ran (gradients on or off)."""
    batch, policy, reference = _setup(learner)
    policy_calls, reference_calls = ref.stand.watch_forward(policy), ref.stand.watch_forward(reference)
    loss = learner.compute_dpo_loss_batch(batch, policy, reference, BETA)[0]
    loss.backward()
    norms = {name: float(p.grad.norm()) if p.grad is not None else 0.0 for name, p in policy.named_parameters()}
    return {"policy": norms,
            "reference": [name for name, p in reference.named_parameters() if p.grad is not None],
            "policy_calls": policy_calls, "reference_calls": reference_calls}


@points(3)
def test_loss_and_rewards(out, snap):
    got, expected = np.array(out["values"]["got"]), np.array(out["values"]["expected"])
    variants = out["values"]["variants"]
    expect_close(got, expected, "(loss, chosen_rewards, rejected_rewards) of the batch", **TOL, mistakes={
        "the policy and the reference model are swapped: the log-probabilities of policy_model are the ones that "
        "train": np.array(variants["swapped"]),
        "the reference log-probabilities come from the policy model: use reference_model for them":
            np.array(variants["policy_twice"]),
        "the masks are not used: pass selection_mask=batch[\"chosen_mask\"] (and \"rejected_mask\") so that only "
        "the response tokens count": np.array(variants["no_masks"]),
        "the rejected sequences are read with the chosen mask: each sequence goes with its own mask, "
        "batch[\"rejected_mask\"] for batch[\"rejected\"]": np.array(variants["chosen_mask_twice"])})
    expect_close(got, np.array(snap["values"]["expected"]), "(loss, chosen_rewards, rejected_rewards)", **TOL)


@points(2)
def test_gradient_reaches_the_policy(out, snap):
    out.error("gradients", {"RuntimeError: does not require grad": (
        "the loss has no gradient: the policy model's forward passes must run with gradients on; only the "
        "reference model's go inside torch.no_grad()")})
    grads = out["gradients"]
    if any(not c["grad"] for c in grads["policy_calls"]):
        fail("the policy model ran with gradients off (torch.no_grad): it is the model being trained")
    missing = [name for name, norm in grads["policy"].items() if norm == 0.0 and snap["gradients"]["policy"][name]]
    if missing:
        fail(f"after backward() no gradient reached the policy's {', '.join(missing[:4])}: the loss must come from "
             "the policy model's logits")
    names = sorted(snap["gradients"]["policy"])
    expect_close(np.array([grads["policy"].get(n, 0.0) for n in names]),
                 np.array([snap["gradients"]["policy"][n] for n in names]),
                 "the size of the gradient of each of the policy's parameters", atol=1e-5, rtol=1e-3)


@tip
def test_reference_runs_without_gradients(out):
    grads = out["gradients"]
    if grads["reference"] or any(c["grad"] for c in grads["reference_calls"]):
        fail("the reference model ran with gradients on"
             + (f", and backward() gave {len(grads['reference'])} of its parameters a gradient" if grads["reference"]
                else "")
             + ": it is never trained, so compute its log-probabilities inside `with torch.no_grad():`, as the "
             "notebook does since January 2025; this saves the memory and time of its backward pass")
