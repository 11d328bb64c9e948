"""Points as people read them: one way to write a score everywhere (terminal, notebooks, files, reports)."""
from __future__ import annotations


def fmt(x: float) -> str:
    """Whole numbers as such, anything else to two decimals at most: 3, 1.5, 0.33."""
    return f"{round(float(x), 2):g}"


def fraction(score: float, max_score: float) -> str:
    """"1.5 / 3": a score out of its maximum, both written by `fmt`."""
    return f"{fmt(score)} / {fmt(max_score)}"


def count(x: float, unit: str = "point") -> str:
    """"1 point", "2.5 points"."""
    return f"{fmt(x)} {unit}{'' if x == 1 else 's'}"


def exact(x: float) -> str:
    """A score for a spreadsheet: up to 4 decimals, no trailing zeros."""
    return f"{round(float(x), 4):g}"
