"""Checks for dpo.compute_logprobs: on hand-made logits, the mean log-probability of each row's labels, shifted by
one position, over every position or only over those the mask selects; what the mask leaves out does not count."""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail, points, sibling
from grader.checks.weights import pattern

ref = sibling(__file__, "dpo_reference")
TOL = dict(atol=1e-5, rtol=1e-5)
B, T, V = 3, 7, 9
LOGITS = pattern((B, T, V), "dpo.logprobs.logits", 2.0)
LABELS = (np.abs(pattern((B, T), "dpo.logprobs.labels", 1.0)) * 100).astype(np.int64) % V
# as custom_collate_fn makes them: False on the prompt (and its 2 newlines) and on the padding
MASK = np.array([[0, 0, 0, 1, 1, 1, 0],     # prompt of 1 + 2 newlines, response of 3, 1 padding
                 [0, 0, 0, 0, 1, 1, 1],     # no padding
                 [0, 0, 1, 1, 0, 0, 0]], dtype=bool)


def run(learner, masked, changed=False):
    """compute_logprobs on the hand-made logits and labels; `changed`: with other logits and labels wherever the mask
    says a position does not count (the logits predicting a masked label, and that label)."""
    import torch

    logits, labels = torch.tensor(LOGITS), torch.tensor(LABELS)
    if changed:
        left_out = torch.tensor(~MASK)
        labels = torch.where(left_out, (labels + 4) % V, labels)
        predicting = torch.cat([left_out[:, 1:], torch.ones(B, 1, dtype=torch.bool)], dim=1)  # logits at t -> t+1
        logits = torch.where(predicting.unsqueeze(-1), logits.flip(-1) * 3, logits)
    mask = torch.tensor(MASK) if masked else None
    return learner.compute_logprobs(logits=logits, labels=labels, selection_mask=mask)


unmasked = case(run, False)
masked = case(run, True)
masked_changed = case(run, True, changed=True)

LABEL_MISTAKES = {
    "the labels are not shifted: the logits at position t predict the token at t + 1, so compare "
    "logits[:, :-1] with labels[:, 1:]": "no_shift",
    "the logits are used as they are: take log_softmax over the vocabulary first": "raw_logits",
    "the log-probabilities are summed: take their mean": "sum",
}


def test_one_value_per_row(out):
    expect_shape(out["unmasked"], [B], f"compute_logprobs on logits of shape {[B, T, V]} (one mean per row)")
    expect_shape(out["masked"], [B], f"compute_logprobs with a selection_mask, logits of shape {[B, T, V]}")


@points(2)
def test_without_mask(out, snap):
    expect_close(out["unmasked"], snap["unmasked"], "compute_logprobs(logits, labels) without a mask", **TOL,
                 mistakes={advice: ref.logprobs(LOGITS, LABELS, None, m) for advice, m in LABEL_MISTAKES.items()})


@points(3)
def test_with_mask(out, snap):
    mistakes = {
        "the mask is not shifted with the labels: use selection_mask[:, 1:]": "mask_unshifted",
        "the mask is ignored: multiply the log-probabilities by it and divide by the number it selects":
            "mask_ignored",
        "the sum of the selected log-probabilities is divided by every position: divide by the number of "
        "selected ones, mask.sum(-1)": "all_positions",
        **LABEL_MISTAKES}
    expect_close(out["masked"], snap["masked"], "compute_logprobs(logits, labels, selection_mask)", **TOL,
                 mistakes={advice: ref.logprobs(LOGITS, LABELS, MASK, m) for advice, m in mistakes.items()})


def test_masked_positions_do_not_count(out):
    got, same = np.asarray(out["masked_changed"]), np.asarray(out["masked"])
    if got.shape != same.shape or not np.allclose(got, same, **TOL):
        before, after = np.round(same.astype(float), 4).tolist(), np.round(got.astype(float), 4).tolist()
        fail("changing the labels the mask leaves out (and the logits that predict them) changed the result, "
             f"from {before} to {after}: only the selected positions may count, labels[:, 1:] weighted by "
             "selection_mask[:, 1:]")
