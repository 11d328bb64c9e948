"""Learner-facing wording for what went wrong while running their code (no heavy imports)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .runner import JobResult


def format_error(error: dict) -> str:
    where = error.get("where") or {}
    place = f"{where.get('file')}:{where.get('line')}" if where else ""
    kind = error.get("kind")
    if kind == "not_implemented":
        todo = error.get("todo")
        return f"not implemented yet — {place}" + (f" (TODO: {todo})" if todo else "") if place else \
            f"not implemented yet: {error.get('message', '')}"
    text = f"{error.get('type', 'Error')}: {error.get('message', '')}".strip()
    if kind in ("exit", "missing", "type"):
        text = str(error.get("message", ""))
    if kind == "memory":
        text = f"ran out of memory ({text})"
    if where:
        code = where.get("code")
        text += f"\n  in {place}, in {where.get('function')}" + (f": {code}" if code else "")
    return text


def job_message(job: JobResult) -> str:
    base = {
        "timeout": "your code did not finish in time ({detail}): look for a loop that never ends "
                   "or work far bigger than the exercise needs",
        "memory": "your code used more memory than allowed ({detail}): look for a tensor or list far "
                  "bigger than the exercise needs",
        "crashed": "the process running your code ended ({detail}): don't call sys.exit/os._exit "
                   "in library code",
    }.get(job.status, "{detail}")
    return base.format(detail=job.detail or job.status)
