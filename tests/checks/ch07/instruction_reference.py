"""Shared by the chapter-7 checks (no torch at import): test entries, a tokenizer that records what it is
asked to encode, and feedback helpers for prompts and batches.

Check modules load it with grader.checks.sibling, on both sides of the worker boundary.
"""
from __future__ import annotations

from grader.checks import expect_type, fail

PAD, IGNORE = 50256, -100
ENTRIES = [
    {"instruction": "Give the plural form of the word.", "input": "mouse", "output": "mice"},
    {"instruction": "What is an antonym of 'early'?", "input": "", "output": "The opposite of 'early' is 'late'."},
    {"instruction": "Sort the words {alphabetically}.", "input": "pear\nfig\nplum", "output": "fig\npear\nplum"},
    {"instruction": "Add the two numbers.", "input": "3 + 4", "output": "7"},
]


def text_difference(got: str, expected: str) -> str:
    """Where two texts first differ, with a little context on each side, written for a terminal."""
    i = next((k for k, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
    lo = max(0, i - 24)

    def piece(text):
        return ("…" if lo else "") + repr(text[lo:i + 24])[1:-1] + ("…" if i + 24 < len(text) else "")
    return (f"first difference at character {i}:\n  expected {piece(expected)}\n  got      {piece(got)}"
            + (f"\n  lengths: expected {len(expected)}, got {len(got)}" if len(got) != len(expected) else ""))


def expect_text(got, expected: str, what: str, advice: str = ""):
    """`got` is a str equal to `expected`; else the first difference, after `advice` if given."""
    expect_type(got, str, what)
    if got != expected:
        fail(f"{what} {('— ' + advice + '. ') if advice else 'differs from the expected text; '}"
             + text_difference(got, expected))


class RecordingTokenizer:
    """GPT-2's tokenizer, keeping every text it is asked to encode (in `texts`)."""

    def __init__(self):
        from course_data.gpt2 import get_encoding
        self.inner, self.texts = get_encoding(), []

    def encode(self, text, **kwargs):
        self.texts.append(text)
        return self.inner.encode(text, **kwargs)

    def decode(self, ids):
        return self.inner.decode(ids)


DEVICE = "cpu:0"   # a device string of its own, so that its use can be seen on a CPU-only machine


def device_uses(run) -> int:
    """How many times run() hands DEVICE to torch: to Tensor.to or as a tensor factory's device."""
    import torch

    count = 0

    def counting(fn):
        def wrapper(*args, **kwargs):
            nonlocal count
            count += any(isinstance(a, (str, torch.device)) and str(a) == DEVICE for a in (*args, *kwargs.values()))
            return fn(*args, **kwargs)
        return wrapper

    owners = [(torch.Tensor, "to")] + [(torch, n) for n in ("tensor", "as_tensor", "full", "zeros", "ones", "empty")]
    saved = [(owner, name, getattr(owner, name)) for owner, name in owners]
    try:
        for owner, name, fn in saved:
            setattr(owner, name, counting(fn))
        run()
    finally:
        for owner, name, fn in saved:
            setattr(owner, name, fn)
    return count


def rows(value, what: str) -> list:
    """A 2-D tensor that came back from the worker as a list of lists of ints (shape checked elsewhere)."""
    if not hasattr(value, "tolist") or getattr(value, "ndim", 0) != 2:
        fail(f"{what} should be a 2-D tensor (batch, length), got {type(value).__name__}"
             + (f" of shape {list(value.shape)}" if hasattr(value, "shape") else ""))
    return [[int(v) for v in row] for row in value.tolist()]
