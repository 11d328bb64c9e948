"""Checks for dpo.compute_dpo_loss: the loss and both rewards equal the notebook's formulas on hand-made
log-probabilities (two batches, two betas), the loss's gradient reaches the policy's log-probabilities, and the
rewards are only tracked (detached)."""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail, fail_if_mistake, points, sibling, tip

ref = sibling(__file__, "dpo_reference")
TOL = dict(atol=1e-6, rtol=1e-5)
# log-probabilities (mean per token) of 4 chosen and 4 rejected responses, under the policy and the reference
POLICY_CHOSEN = [-1.20, -0.85, -2.10, -0.40]
POLICY_REJECTED = [-1.90, -0.70, -2.60, -1.75]
REFERENCE_CHOSEN = [-1.35, -0.80, -2.40, -0.95]
REFERENCE_REJECTED = [-1.60, -0.95, -2.20, -1.10]
INPUTS = (POLICY_CHOSEN, POLICY_REJECTED, REFERENCE_CHOSEN, REFERENCE_REJECTED)
WIDE = ([2.5, -3.0], [-1.0, -4.5], [-2.0, 0.5], [-4.0, -1.0])   # a batch of 2 with large log-ratios, same order
BETAS = {"book": 0.1, "half": 0.5}


def run(learner, values, beta):
    """The learner's compute_dpo_loss on the four tensors (the policy's with gradients), then backward() on the loss:
    its three results and the gradient of the loss with respect to the policy's log-probabilities."""
    import torch

    pc, pr, rc, rr = (torch.tensor(v, dtype=torch.float32) for v in values)
    pc.requires_grad_(True)
    pr.requires_grad_(True)
    result = learner.compute_dpo_loss(model_chosen_logprobs=pc, model_rejected_logprobs=pr,
                                      reference_chosen_logprobs=rc, reference_rejected_logprobs=rr, beta=beta)
    loss = result[0] if isinstance(result, (tuple, list)) else result
    grads = None
    if isinstance(loss, torch.Tensor) and loss.requires_grad and loss.numel() == 1:
        loss.sum().backward()
        grads = [g if g is not None else torch.zeros(len(values[0])) for g in (pc.grad, pr.grad)]
    return {"result": list(result) if isinstance(result, (tuple, list)) else result, "grads": grads}


book = case(run, INPUTS, BETAS["book"])
half = case(run, INPUTS, BETAS["half"])
wide = case(run, WIDE, BETAS["book"])


def _three(out, name):
    result = out[name]["result"]
    if not isinstance(result, list) or len(result) != 3:
        fail("compute_dpo_loss should return three values, (loss, chosen_rewards, rejected_rewards); got "
             + (f"{len(result)} values" if isinstance(result, list) else type(result).__name__))
    return result


def _inputs(name):
    return WIDE if name == "wide" else INPUTS


def test_three_numbers(out):
    for k, what in enumerate(("the loss", "the chosen rewards", "the rejected rewards")):
        value = _three(out, "book")[k]
        fail_if_mistake(list(getattr(value, "shape", [])), {
            f"{what} has one value per example: average over the batch with .mean()": [len(POLICY_CHOSEN)]},
            f"compute_dpo_loss on a batch of {len(POLICY_CHOSEN)}")
        expect_shape(value, [], f"{what} (a 0-d tensor, the mean over the batch)")


@points(3)
def test_loss(out, snap):
    for name in ("book", "half", "wide"):
        beta = BETAS.get(name, BETAS["book"])
        got, want = _three(out, name)[0], snap[name]["result"][0]
        mistakes = {
            "the log-ratios are subtracted the wrong way round: logits = (policy chosen - policy rejected) - "
            "(reference chosen - reference rejected), so that preferring the chosen response lowers the loss":
                "flipped",
            "beta multiplies the log-sigmoid: it scales the logits inside it, -logsigmoid(beta * logits)":
                "beta_outside",
            "beta is missing: the loss is -logsigmoid(beta * logits)": "no_beta",
            "the reference model's log-ratio is missing: logits = policy log-ratio - reference log-ratio":
                "no_reference",
            "the losses are summed over the batch: take their mean": "sum",
            "the log is missing: the loss is -logsigmoid(beta * logits) (F.logsigmoid), not -sigmoid": "no_log",
        }
        expect_close(got, want, f"the loss with beta={beta} on the {name} batch", **TOL, mistakes={
            advice: ref.dpo_loss(*_inputs(name), beta, mistake)[0] for advice, mistake in mistakes.items()})


@points(2)
def test_rewards(out, snap):
    for name in ("book", "half"):
        beta = BETAS[name]
        got, want = np.array([float(v) for v in _three(out, name)[1:]]), np.array(snap[name]["result"][1:])
        mistakes = {
            "the rewards are scaled by beta: the notebook's rewards are the policy's log-probabilities minus the "
            "reference's, without beta": "beta_rewards",
            "the chosen and rejected rewards are swapped": "swapped_rewards",
            "the rewards are summed over the batch: take their mean": "sum",
        }
        expect_close(got, want, f"(chosen_rewards, rejected_rewards) with beta={beta}", **TOL, mistakes={
            advice: np.array(ref.dpo_loss(*INPUTS, beta, mistake)[1:]) for advice, mistake in mistakes.items()})


@points(2)
def test_gradient_reaches_the_policy(out, snap):
    grads = out["book"]["grads"]
    if grads is None:
        fail("the loss has no gradient with respect to the policy's log-probabilities (requires_grad is False): "
             "compute it with tensor operations from them, without .detach(), .item() or torch.no_grad()")
    for k, which in enumerate(("chosen", "rejected")):
        expect_close(grads[k], snap["book"]["grads"][k], f"the gradient of the loss with respect to the policy's "
                     f"{which} log-probabilities", **TOL)


@tip
def test_rewards_are_detached(out):
    for k, which in enumerate(("chosen", "rejected")):
        if getattr(_three(out, "book")[k + 1], "requires_grad", False):
            fail(f"the {which} rewards keep their gradient: they are only tracked, never trained on, so .detach() "
                 "them, as the notebook does")
