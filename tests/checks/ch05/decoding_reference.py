"""Chapter 5's decoding helpers: the tokens a correct greedy loop (and its usual mistakes) picks with the
context model, a sampling run on the constant model, and the distributions sampling should use.

The models with known logits and the watch on torch.multinomial live in tests/checks/standins.py: the context
model's logits depend on the tokens it is given (so the tokens a greedy loop picks can be worked out here); the
constant model gives the same logits at every step (so many draws of one generate call show the distribution it
samples from). Whatever the seed, a correct top-k/temperature sampler hands torch.multinomial exactly
softmax(top-k logits / temperature); the checks fall back on the frequencies of the draws when the learner
samples some other way.
"""
from __future__ import annotations

import numpy as np

from grader.checks import sibling

stand = sibling(__file__, "standins")
VOCAB, LOGITS, favourite = stand.CONTEXT_VOCAB, stand.LOGITS, stand.favourite
context_model, constant_model, watch_sampling = stand.context_model, stand.constant_model, stand.watch_sampling


def expected_run(prompt, n, context_size, crop=True, position=-1, eos_id=None, append_eos=False):
    """The ids a greedy loop gives with the context model (crop=False, position=0, append_eos: its mistakes)."""
    row = list(prompt)
    for _ in range(n):
        window = row[-context_size:] if crop else row
        token = favourite(window)[position]
        if token == eos_id:
            if append_eos:
                row.append(token)
            break
        row.append(token)
    return row


def sample_run(generate, n: int, temperature, top_k, seed: int = 0) -> dict:
    """generate(constant model, [[0]], n, 4, temperature, top_k): counts of the drawn tokens and what
    multinomial was given. The seed only makes a run repeatable; the checks judge the distribution."""
    import torch

    torch.manual_seed(seed)
    with watch_sampling() as seen:
        idx = generate(constant_model(), torch.tensor([[0]]), n, 4, temperature=temperature, top_k=top_k)
    drawn = idx[0, 1:].tolist()
    counts = np.bincount(np.array(drawn, dtype=np.int64), minlength=len(LOGITS)).tolist() if drawn else []
    return {"n": len(drawn), "counts": counts, "calls": seen["calls"], "rows": seen["rows"]}


def softmax(values, temperature=1.0, top_k=None) -> np.ndarray:
    x = np.asarray(values, dtype=np.float64)
    if top_k is not None:
        x = np.where(x < np.sort(x)[-top_k], -np.inf, x)
    e = np.exp((x - x.max()) / temperature)
    return e / e.sum()


def frequencies_fit(counts, probs, n) -> bool:
    """Every count within 6 standard deviations (+2) of n * p: a correct sampler fails this about once in 10^8."""
    counts, probs = np.asarray(counts, dtype=np.float64), np.asarray(probs)
    return bool(np.all(np.abs(counts - n * probs) <= 6 * np.sqrt(n * probs * (1 - probs)) + 2))
