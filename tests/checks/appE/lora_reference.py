"""Shared by the appendix-E checks (numpy only): known LoRA matrices and inputs, the accepted scalings, and
the trusted-side judgement of a LoRA update. Loaded with grader.checks.sibling on both sides."""
from __future__ import annotations

import numpy as np

from grader.checks import fail, fail_if_mistake, which_mistake
from grader.checks.weights import pattern

IN, OUT, RANK, ALPHA = 12, 10, 4, 8
A = pattern((IN, RANK), "lora.A", 0.5)
B = pattern((RANK, OUT), "lora.B", 0.5)
X = pattern((3, IN), "lora.x", 1.0)
X3 = pattern((2, 5, IN), "lora.x3", 1.0)

# The printed book scales by alpha; the book's repository (since 2025) by alpha / rank: both are right.
ACCEPTED = {"alpha": ALPHA, "alpha / rank": ALPHA / RANK}
OTHERWISE = f"scale it by alpha (the book), or alpha / rank (alpha={ALPHA}, rank={RANK})"
SCALING_MISTAKES = {f"the update is not scaled: multiply x @ A @ B by alpha (alpha={ALPHA}, rank={RANK})": 1.0,
                    f"the update is scaled by rank / alpha: {OTHERWISE}": RANK / ALPHA,
                    f"the update is scaled by alpha * rank: {OTHERWISE}": ALPHA * RANK,
                    f"the update is scaled by alpha / sqrt(rank): {OTHERWISE}": ALPHA / np.sqrt(RANK)}


def expect_lora_update(update, x, what: str) -> None:
    """`update` (from the learner's code) should be s * x @ A @ B with s = alpha or alpha / rank."""
    base = x @ A @ B
    if not isinstance(update, np.ndarray):
        fail(f"{what} should be a tensor, got {type(update).__name__}")
    if update.shape != base.shape:
        fail(f"{what} has shape {list(update.shape)}, expected {list(base.shape)} (..., out_dim)")
    if np.allclose(update, 0, atol=1e-7):
        fail(f"{what} is all zeros although B is not: the update is x @ A @ B, scaled")
    scale = float((update * base).sum() / (base * base).sum())
    if not np.allclose(update, scale * base, atol=1e-4, rtol=1e-4):
        fail(f"{what} is not a multiple of x @ A @ B (A of shape (in_dim, rank), B of shape (rank, out_dim)): "
             "compute x @ self.A @ self.B")
    if which_mistake(scale, ACCEPTED, atol=0, rtol=1e-3):
        return
    fail_if_mistake(scale, SCALING_MISTAKES, what, atol=0, rtol=1e-3)
    fail(f"{what} is x @ A @ B scaled by {scale:.4g}; expected alpha = {ALPHA} (the book) or alpha / rank = "
         f"{ALPHA / RANK:g} (alpha={ALPHA}, rank={RANK})")
