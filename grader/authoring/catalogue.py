"""The catalogue of learner bugs and of correct alternatives, kept in tests/catalogue/<chapter>.toml.

Each entry is a small edit of a reference solution:

    [[bug]]                                   # a plausible wrong answer
    exercise = "ch02.split_text"
    name = "keeps whitespace pieces"
    replace = '''<a line of the reference solution>'''
    with = '''<the same line with the bug>'''
    check = "test_no_whitespace_tokens"       # this check must fail...
    message = "whitespace"                    # ...with feedback containing this (case-insensitive)

    [[alternative]]                           # a correct answer written another way: full marks
    exercise = "ch03.multihead_attention"
    name = "einsum"
    edits = [{replace = "...", with = "..."}, ...]
    tip = "..."                               # optional: a 0-point tip it must get, with this text

`file` (default: the exercise's file, or "chNN/file.py" for another chapter) picks the module
edited. Every `replace` text must occur exactly once, so an entry fails loudly when the
solution drifts instead of silently testing nothing.
"""
from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..core.manifest import Course, Exercise


class CatalogueError(ValueError):
    pass


@dataclass(frozen=True)
class Entry:
    kind: str                      # "bug" or "alternative"
    exercise: Exercise
    name: str
    file: str                      # relative to the tree, e.g. ch02/tokenizers.py
    edits: tuple[tuple[str, str], ...]
    check: str = ""
    message: str = ""
    source: str = ""
    tip: str = ""

    @property
    def key(self) -> str:
        return f"{self.exercise.id}:{self.kind}:{self.name}"


def load(course: Course, chapters: list[str] | None = None) -> list[Entry]:
    folder = course.root / "tests" / "catalogue"
    entries = []
    for path in sorted(folder.glob("*.toml")):
        if chapters and path.stem not in chapters:
            continue
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for kind in ("bug", "alternative"):
            for raw in data.get(kind, []):
                entries.append(_entry(course, kind, raw, path))
    keys = [e.key for e in entries]
    dupes = {k for k in keys if keys.count(k) > 1}
    if dupes:
        raise CatalogueError(f"duplicate catalogue entries: {sorted(dupes)}")
    return entries


def _entry(course: Course, kind: str, raw: dict, path: Path) -> Entry:
    where = f"{path.name}: {kind} {raw.get('name', '?')!r}"
    try:
        exercise = course.exercise(raw["exercise"])
    except KeyError:
        raise CatalogueError(f"{where}: unknown exercise {raw.get('exercise')!r}") from None
    edits = [(e["replace"], e["with"]) for e in raw.get("edits", [])]
    if "replace" in raw:
        edits.insert(0, (raw["replace"], raw["with"]))
    if not edits:
        raise CatalogueError(f"{where}: needs replace/with or edits")
    file = raw.get("file", exercise.file)
    if "/" not in file:
        file = f"{exercise.chapter}/{file}"
    if kind == "bug" and not (raw.get("check") and raw.get("message")):
        raise CatalogueError(f"{where}: a bug names the check that must fail and a message fragment")
    return Entry(kind, exercise, raw["name"], file, tuple(edits), raw.get("check", ""),
                 raw.get("message", ""), path.name, raw.get("tip", ""))


def materialise(entry: Entry, solutions: Path, dest: Path) -> Path:
    """Copy the solutions tree to `dest` with the entry's edits applied; returns `dest`."""
    shutil.copytree(solutions, dest, ignore=shutil.ignore_patterns("__pycache__"))
    module = dest / entry.file
    text = module.read_text(encoding="utf-8")
    for old, new in entry.edits:
        count = text.count(old)
        if count != 1:
            raise CatalogueError(f"{entry.source}: {entry.key}: the text to replace occurs {count} times "
                                 f"in {entry.file} (must be exactly once):\n{old}")
        text = text.replace(old, new)
    module.write_text(text, encoding="utf-8")
    return dest
