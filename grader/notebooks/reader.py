"""Read a learner's notebook defensively: its cells, their tags, and the chapter it is for.

Nothing here runs learner code. A notebook that is not JSON, is truncated or is not a notebook
raises NotebookError with a message for the learner; odd cells (no source, tags that are not
strings) are read as empty or untagged, never as a crash. What is parsed is bounded by bytes and by
count (its JSON values, counted by their separators before parsing), so a small file of nested empty
lists cannot take the reader's memory.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..core.manifest import Course
from .layout import NotebookError

MAX_BYTES = 64 * 2**20
MAX_VALUES = 4_000_000


@dataclass
class Cell:
    number: int               # position in the notebook, counted from 1 at the top
    kind: str                 # code, markdown or raw
    source: str
    tags: tuple[str, ...]


@dataclass
class Notebook:
    path: Path
    cells: list[Cell]
    chapter: str


def _text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(part for part in value if isinstance(part, str))
    return ""


def read(path: Path, course: Course) -> Notebook:
    """The notebook at `path`, or NotebookError saying why it cannot be graded."""
    name = path.name
    fix = ("restore it from a backup or from .ipynb_checkpoints/ beside it, or start again from a fresh copy of "
           "the course's notebook")
    try:
        if path.stat().st_size > MAX_BYTES:
            raise NotebookError(f"{name} is larger than {MAX_BYTES >> 20} MB; clear its outputs and save it again")
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
        if sum(raw.count(c) for c in (b",", b":", b"[", b"{")) > MAX_VALUES:
            raise NotebookError(f"{name} holds more values than a notebook of the course could; clear its outputs "
                                "and save it again")
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NotebookError(f"{name} is not a notebook (not UTF-8 text): {fix}") from None
    except OSError as exc:
        raise NotebookError(f"{name} cannot be read: {exc.strerror or exc}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        cut = exc.pos >= len(text.rstrip())
        raise NotebookError(f"{name} is not a readable notebook: " + (
            f"it ends in the middle (truncated at line {exc.lineno})" if cut else
            f"its JSON is broken at line {exc.lineno}, column {exc.colno} ({exc.msg})") + f"; {fix}") from None
    except RecursionError:
        raise NotebookError(f"{name} is not a readable notebook (nested too deeply); {fix}") from None
    if isinstance(doc, dict) and "worksheets" in doc and "cells" not in doc:
        doc = _upgrade(text, name)
    if not isinstance(doc, dict) or not isinstance(doc.get("cells"), list):
        raise NotebookError(f"{name} is JSON but not a Jupyter notebook (it has no list of cells); {fix}")
    cells = []
    for number, raw in enumerate(doc["cells"], 1):
        raw = raw if isinstance(raw, dict) else {}
        meta = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
        tags = meta.get("tags") if isinstance(meta.get("tags"), list) else []
        kind = raw.get("cell_type") if raw.get("cell_type") in ("code", "markdown", "raw") else "raw"
        cells.append(Cell(number, kind, _text(raw.get("source")), tuple(t.strip() for t in tags if isinstance(t, str))))
    return Notebook(path, cells, chapter_of(doc, cells, name, course))


def _upgrade(text: str, name: str) -> dict:
    """A notebook of format 3 (worksheets), as format 4."""
    try:
        import nbformat
        return json.loads(nbformat.writes(nbformat.reads(text, as_version=4)))
    except Exception as exc:  # noqa: BLE001 - whatever nbformat makes of it, the learner gets one sentence
        raise NotebookError(f"{name} is an old-format notebook that could not be converted ({exc})") from None


def chapter_of(doc: dict, cells: list[Cell], name: str, course: Course) -> str:
    """The chapter a notebook is for: by its cells' exercise tags, else the course metadata the
    generated notebooks carry, else a chapter id in the file name."""
    known = {c.id for c in course.chapters}
    votes: dict[str, int] = {}
    for cell in cells:
        for tag in cell.tags:
            chapter = tag.replace("/", ".").split(".", 1)[0]
            if chapter in known and tag_kind(tag, course):
                votes[chapter] = votes.get(chapter, 0) + 1
    if votes:
        return max(votes, key=votes.get)
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    stated = meta.get("course", {}).get("chapter") if isinstance(meta.get("course"), dict) else None
    if stated in known:
        return stated
    named = course.chapter_in_name(name)
    if named:
        return named
    raise NotebookError(f"cannot tell which chapter {name} is for: none of its cells is tagged with an exercise id "
                        "(such as ch03.causal_attention); start from the course's notebook for the chapter")


def tag_kind(tag: str, course: Course) -> str:
    """"exercise" for an exercise id, "module" for a module tag (ch03/causal_attention.py), else ""."""
    if "/" in tag:
        chapter, _, file = tag.partition("/")
        return "module" if any(e.chapter == chapter and e.file == file for e in course.exercises) else ""
    return "exercise" if any(e.id == tag for e in course.exercises) else ""
