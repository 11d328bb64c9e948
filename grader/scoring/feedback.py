"""Learner-facing wording for what went wrong while running their code (no heavy imports)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine.protocol import (
    EXIT,
    JOB_CRASHED,
    JOB_MEMORY,
    JOB_TIMEOUT,
    MEMORY,
    MISSING,
    NOT_IMPLEMENTED,
    WRONG_TYPE,
    location,
)

if TYPE_CHECKING:
    from ..engine.runner import JobResult


def not_implemented(place: str, message: str = "") -> str:
    return f"not implemented yet — {place}" if place else f"not implemented yet: {message}"


def format_error(error: dict) -> str:
    where = error.get("where") or {}
    place = location(error)
    kind = error.get("kind")
    if kind == NOT_IMPLEMENTED:
        return not_implemented(place, error.get("message", ""))
    text = f"{error.get('type', 'Error')}: {error.get('message', '')}".strip()
    if kind in (EXIT, MISSING, WRONG_TYPE):
        text = str(error.get("message", ""))
    if kind == MEMORY:
        text = f"ran out of memory ({text})"
    if where:
        code = where.get("code")
        text += f"\n  in {place}, in {where.get('function')}" + (f": {code}" if code else "")
    return text


def job_message(job: JobResult) -> str:
    base = {
        JOB_TIMEOUT: "your code did not finish in time ({detail}): look for a loop that never ends "
                   "or work far bigger than the exercise needs",
        JOB_MEMORY: "your code used more memory than allowed ({detail}): look for a tensor or list far "
                  "bigger than the exercise needs",
        JOB_CRASHED: "the process running your code ended ({detail}): don't call sys.exit/os._exit "
                   "in library code",
    }.get(job.status, "{detail}")
    return base.format(detail=job.detail or job.status)
