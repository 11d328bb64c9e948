"""Shared by the decoding checks: stand-in models whose logits are known exactly, and a watch on sampling.

The context model's logits depend on the tokens it is given (so the tokens a correct greedy loop picks, and
those of the usual mistakes, can be worked out here); the constant model gives the same logits at every step
(so many draws of one generate call show the distribution it samples from). `watch_sampling()` records the
distributions handed to torch.multinomial — whatever the seed, a correct top-k/temperature sampler hands it
exactly softmax(top-k logits / temperature) — and the checks fall back on the frequencies of the draws
when the learner samples some other way.
"""
from __future__ import annotations

import contextlib

import numpy as np

VOCAB = 50
LOGITS = [2.0, -1.0, 0.5, 3.1, -2.2, 1.4, 0.0, 2.6, -0.7, 1.9, -3.0, 0.9]   # distinct: no ties in top-k


def favourite(window):
    """The context model's top token after each position of `window` (a list of ids)."""
    picks, total = [], 0
    for t, token in enumerate(window):
        total += 5 * token + 3
        picks.append((11 * total + 7 * t + 17) % VOCAB)
    return picks


def expected_run(prompt, n, context_size, crop=True, position=-1, eos_id=None, append_eos=False):
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


def context_model():
    import torch

    class ContextModel(torch.nn.Module):
        """logits[b, t, v] = -((v - favourite) mod VOCAB) / 4: 0 for the favourite token, negative elsewhere."""

        def __init__(self):
            super().__init__()
            self.lengths, self.grad_enabled = [], []

        def forward(self, idx):
            self.lengths.append(int(idx.shape[1]))
            self.grad_enabled.append(torch.is_grad_enabled())
            fav = torch.tensor([favourite(row) for row in idx.tolist()], dtype=torch.long)
            v = torch.arange(VOCAB)
            logits = -((v[None, None, :] - fav[:, :, None]) % VOCAB).float() / 4
            return logits.requires_grad_(torch.is_grad_enabled())

    return ContextModel()


def constant_model():
    import torch

    class ConstantModel(torch.nn.Module):
        def forward(self, idx):
            return torch.tensor(LOGITS).expand(idx.shape[0], idx.shape[1], len(LOGITS)).clone()

    return ConstantModel()


@contextlib.contextmanager
def watch_sampling(keep: int = 3):
    """Record the (normalised) first rows handed to torch.multinomial / Tensor.multinomial, and how often."""
    import torch

    seen = {"calls": 0, "rows": []}
    originals = torch.multinomial, torch.Tensor.multinomial

    def record(probs):
        seen["calls"] += 1
        if len(seen["rows"]) < keep:
            row = probs.detach().double().reshape(-1, probs.shape[-1])[0]
            seen["rows"].append((row / row.sum()).tolist() if float(row.sum()) > 0 else row.tolist())

    def multinomial(input, *args, **kwargs):
        record(input)
        return originals[0](input, *args, **kwargs)

    def method(self, *args, **kwargs):
        record(self)
        return originals[1](self, *args, **kwargs)

    torch.multinomial, torch.Tensor.multinomial = multinomial, method
    try:
        yield seen
    finally:
        torch.multinomial, torch.Tensor.multinomial = originals


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
