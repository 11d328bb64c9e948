"""Shared by the DPO checks (numpy at import, torch inside functions): preference entries, hand-made token pairs and
their batches, the notebook's formulas in numpy (and their usual mistakes), and a policy and a reference model.

Check modules load it with grader.checks.sibling, on both sides of the worker boundary.
"""
from __future__ import annotations

import numpy as np

from grader.checks import sibling
from grader.checks.weights import pattern

stand = sibling(__file__, "standins")
PAD, NEWLINE = 50256, 198
ENTRIES = [
    {"instruction": "Give the plural form of the word.", "input": "mouse", "output": "mice",
     "rejected": "Obviously it is mice. Try to keep up.", "chosen": "Of course. The plural is mice."},
    {"instruction": "What is an antonym of 'early'?", "input": "", "output": "late",
     "rejected": "The opposite of 'early' is 'early'.", "chosen": "The opposite of 'early' is 'late'."},
    {"instruction": "Sort the words {alphabetically}.", "input": "pear\nfig", "output": "fig\npear",
     "rejected": "Sure!\n\nfig\npear\n\nThat was easy, and so is everything else.", "chosen": "fig\npear"},
]

# ---- token pairs as PreferenceDataset gives them: prompt ids, then 2 newline ids, then the response ----
TINY_VOCAB, SEQ = stand.V, 16          # the tiny GPT's vocabulary (60) and a context long enough for the pairs
NL = 1                                 # the "newline" id of the hand-made pairs (any id below TINY_VOCAB)


def pair(prompt, chosen, rejected):
    return {"prompt": list(prompt), "chosen": [*prompt, NL, NL, *chosen], "rejected": [*prompt, NL, NL, *rejected]}


ITEMS = [pair([11, 12, 13], [20, 21, 22], [30, 31]),          # the rejected response is the shorter one here
         pair([14, 15], [23], [32, 33, 34, 35, 36, 39]),      # the longer one here: it sets the common length
         pair([16, 17, 18, 19], [24, 25], [37, 38])]


def expected_batch(items, pad=PAD, allowed_max_length=None, mask_prompt_tokens=True, extra=1, common=True,
                   prompt_extra=2, mask_padding=True):
    """{"chosen", "rejected", "chosen_mask", "rejected_mask"} as lists, the notebook's way; the keyword arguments
    give the usual mistakes (extra=0: padded to the longest only; common=False: chosen and rejected each to their
    own longest; prompt_extra=0: the two newlines left in; mask_padding=False: padding selected)."""
    out = {"chosen": [], "rejected": [], "chosen_mask": [], "rejected_mask": []}
    for key in ("chosen", "rejected"):
        keys = ("chosen", "rejected") if common else (key,)
        width = max(len(item[k]) for item in items for k in keys) + extra
        for item in items:
            seq = item[key]
            first = len(item["prompt"]) + prompt_extra if mask_prompt_tokens else 0
            last = len(seq) if mask_padding else width
            out[key].append(seq + [pad] * (width - len(seq)))
            out[f"{key}_mask"].append([first <= i < last for i in range(width)])
    if allowed_max_length is not None:
        out = {k: [row[:allowed_max_length] for row in rows] for k, rows in out.items()}
    return out


def batch_of(items, allowed_max_length=None):
    """The notebook's batch of `items` as tensors (made here, not by the learner's collate)."""
    import torch

    lists = expected_batch(items, pad=0, allowed_max_length=allowed_max_length)
    batch = {key: torch.tensor(rows) for key, rows in lists.items()}
    batch["prompt"] = [torch.tensor(item["prompt"]) for item in items]
    return batch


def token_pairs(n: int, key: str):
    """n preference pairs of tiny-vocabulary ids: prompts of 3 to 5 tokens, responses of 1 to 6 (at most SEQ)."""
    sizes = (np.abs(pattern((n, 3), key + ".sizes", 1.0)) * 100).astype(int)
    ids = (np.abs(pattern((n, 20), key + ".ids", 1.0)) * 1000).astype(int) % (TINY_VOCAB - 2) + 2
    items = []
    for k in range(n):
        p, c, r = 3 + sizes[k, 0] % 3, 1 + sizes[k, 1] % 6, 1 + sizes[k, 2] % 6
        items.append(pair(ids[k, :p], ids[k, p:p + c], ids[k, 10:10 + r]))
    return items


def loader(n_batches: int, batch_size: int, key: str):
    """A list of n_batches batches (a list serves as a DataLoader here: len() and iteration)."""
    items = token_pairs(n_batches * batch_size, key)
    return [batch_of(items[b * batch_size:(b + 1) * batch_size]) for b in range(n_batches)]


def models(learner, drop_rate: float = 0.0, same: bool = False):
    """(policy, reference): the learner's chapter-4 GPTModel on the tiny config with a context of SEQ, known weights
    (the reference's other ones unless `same`), in eval mode as the notebook hands them over."""
    policy = stand.tiny_gpt(learner, "dpo.policy.", context_length=SEQ, drop_rate=drop_rate).eval()
    reference = stand.tiny_gpt(learner, "dpo.policy." if same else "dpo.reference.", context_length=SEQ,
                               drop_rate=drop_rate).eval()
    return policy, reference


def reference_logprobs(model, batch, key, mask_key=""):
    """The notebook's log-probability of batch[key]'s masked tokens under model, computed here (torch); mask_key
    picks another mask ("chosen_mask"), or None for every position."""
    import torch

    with torch.no_grad():
        logits = model(batch[key])
    ids = batch[key][:, 1:]
    mask = torch.ones_like(ids, dtype=torch.float) if mask_key is None else \
        batch[mask_key or f"{key}_mask"][:, 1:].float()
    lp = torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, ids.unsqueeze(-1)).squeeze(-1)
    return (lp * mask).sum(-1) / mask.sum(-1)


def reference_dpo_batch(batch, policy, reference, beta, chosen_mask="", rejected_mask=""):
    """[loss, chosen_reward, rejected_reward] of one batch, the notebook's formulas computed here (torch); the mask
    keys as in reference_logprobs (for the usual mistakes)."""
    pc, pr = (reference_logprobs(policy, batch, "chosen", chosen_mask),
              reference_logprobs(policy, batch, "rejected", rejected_mask))
    rc, rr = (reference_logprobs(reference, batch, "chosen", chosen_mask),
              reference_logprobs(reference, batch, "rejected", rejected_mask))
    return [float(x) for x in dpo_loss(pc.numpy(), pr.numpy(), rc.numpy(), rr.numpy(), beta)]


# ---- the notebook's formulas in numpy, and their usual mistakes ----
def log_sigmoid(x):
    return -np.logaddexp(0.0, -np.asarray(x, dtype=np.float64))


def dpo_loss(pc, pr, rc, rr, beta, mistake=None):
    """(loss, chosen_reward, rejected_reward) of the notebook's compute_dpo_loss, or with one of its usual mistakes:
    "flipped" (rejected - chosen), "beta_outside" (beta * logsigmoid), "no_beta", "no_reference", "sum" (over the
    batch), "no_log" (-sigmoid), "beta_rewards" (rewards scaled by beta), "swapped_rewards"."""
    pc, pr, rc, rr = (np.asarray(v, dtype=np.float64) for v in (pc, pr, rc, rr))
    logits = (pc - pr) - (rc - rr)
    if mistake == "flipped":
        logits = -logits
    if mistake == "no_reference":
        logits = pc - pr
    losses = {"beta_outside": -beta * log_sigmoid(logits), "no_beta": -log_sigmoid(logits),
              "no_log": -1 / (1 + np.exp(-beta * logits))}.get(mistake, -log_sigmoid(beta * logits))
    chosen, rejected = pc - rc, pr - rr
    if mistake == "beta_rewards":
        chosen, rejected = beta * chosen, beta * rejected
    if mistake == "swapped_rewards":
        chosen, rejected = rejected, chosen
    reduce = np.sum if mistake == "sum" else np.mean
    return float(reduce(losses)), float(reduce(chosen)), float(reduce(rejected))


def log_softmax(logits):
    logits = np.asarray(logits, dtype=np.float64)
    top = logits.max(-1, keepdims=True)
    return logits - top - np.log(np.exp(logits - top).sum(-1, keepdims=True))


def logprobs(logits, labels, mask=None, mistake=None):
    """The notebook's compute_logprobs in numpy, or with one of its usual mistakes: "no_shift", "raw_logits" (no
    log-softmax), "sum" (not the mean), "mask_unshifted" (mask[:, :-1]), "all_positions" (divided by every
    position), "mask_ignored"."""
    logits, labels = np.asarray(logits, dtype=np.float64), np.asarray(labels)
    if mistake == "no_shift":
        scores, ids = logits, labels
    else:
        scores, ids = logits[:, :-1], labels[:, 1:]
    scores = scores if mistake == "raw_logits" else log_softmax(scores)
    picked = np.take_along_axis(scores, ids[..., None], axis=-1)[..., 0]
    if mask is None or mistake == "mask_ignored":
        return picked.sum(-1) if mistake == "sum" else picked.mean(-1)
    mask = np.asarray(mask, dtype=np.float64)
    mask = mask if mistake == "no_shift" else (mask[:, :-1] if mistake == "mask_unshifted" else mask[:, 1:])
    total = (picked * mask).sum(-1)
    if mistake == "sum":
        return total
    return total / (mask.shape[-1] if mistake == "all_positions" else mask.sum(-1))
