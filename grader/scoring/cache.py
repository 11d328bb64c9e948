"""Results of exercises nothing has changed for, kept between runs of `grade` (the overview).

An exercise's result is reused when its key is unchanged: the grader, the manifest, the check modules and
snapshots (`grader_version`), Python and torch, and every .py file of the exercise's chapter and of the
chapters it builds on (`depends`, followed to the end). Results that depend on the machine's load or
state (timeout, memory, a lost worker) are never kept. The cache is the learner's own, in
.grade/results.json; deleting it, or `grade all`, grades everything again.
"""
from __future__ import annotations

import hashlib
import json
import sys
from importlib import metadata
from pathlib import Path

from ..core import state
from ..core.files import atomic_write
from ..core.manifest import Course, Exercise
from .results import ExerciseResult, RunResult

FILE = "results.json"
NOT_KEPT = ("timeout", "memory")
GRADER = Path(__file__).resolve().parents[1]


def grader_version(course: Course) -> str:
    """A hash of everything besides the learner's code that decides a score: the grader, the manifest, the
    checks and their snapshots."""
    h = hashlib.sha256()
    files = [*((GRADER.parent, p) for p in GRADER.rglob("*.py")),
             *((course.root, p) for p in [course.root / "course.toml",
                                          *(course.root / "tests" / "checks").rglob("*.py"),
                                          *(course.root / "tests" / "snapshots").rglob("*")])]
    for base, path in sorted((b, p) for b, p in files if p.is_file() and "__pycache__" not in p.parts):
        h.update(path.relative_to(base).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


class ResultCache:
    """The kept results for one tree (`target`) of `course`."""

    def __init__(self, course: Course, target: Path):
        self.course, self.target = course, Path(target)
        self.path = state.folder(course.root) / FILE
        try:
            torch = metadata.version("torch")
        except metadata.PackageNotFoundError:
            torch = "-"
        self.base = f"{grader_version(course)}\0{sys.version}\0{torch}\0{self.target.resolve()}"
        self._chapters: dict[str, str] = {}
        self.kept = self._load()

    def _load(self) -> dict:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return doc if isinstance(doc, dict) else {}

    def _chapter(self, chapter: str) -> str:
        if chapter not in self._chapters:
            h = hashlib.sha256()
            folder = self.target / chapter
            for path in sorted(folder.rglob("*.py")) if folder.is_dir() else []:
                if "__pycache__" not in path.parts:
                    h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
            self._chapters[chapter] = h.hexdigest()
        return self._chapters[chapter]

    def key(self, ex: Exercise) -> str:
        chapters, stack, seen = {ex.chapter}, list(ex.depends), set()
        while stack:
            dep = self.course.exercise(stack.pop())
            if dep.id not in seen:
                seen.add(dep.id)
                chapters.add(dep.chapter)
                stack += dep.depends
        init = self.target / "__init__.py"
        parts = [self.base, ex.id, init.read_text(encoding="utf-8") if init.is_file() else "",
                 *(f"{c}:{self._chapter(c)}" for c in sorted(chapters))]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def split(self, exercises: list[Exercise]) -> tuple[dict[str, ExerciseResult], list[Exercise]]:
        """(exercise id -> kept result, for those unchanged; the exercises to grade)."""
        reused, todo = {}, []
        for ex in exercises:
            entry = self.kept.get(ex.id)
            if isinstance(entry, dict) and entry.get("key") == self.key(ex):
                try:
                    (result,) = RunResult.from_dict({"exercises": [entry["result"]]}).exercises
                    reused[ex.id] = result
                    continue
                except (KeyError, TypeError, ValueError):
                    pass
            todo.append(ex)
        return reused, todo

    def store(self, run: RunResult) -> None:
        """Keep the results of `run` (for exercises of this course) that do not depend on the machine's state."""
        by_id = {ex.id: ex for ex in self.course.exercises}
        doc = RunResult("", [e for e in run.exercises if e.id in by_id and e.status not in NOT_KEPT]).to_dict()
        for entry in doc["exercises"]:
            self.kept[entry["id"]] = {"key": self.key(by_id[entry["id"]]), "result": entry}
        try:
            atomic_write(self.path, json.dumps(self.kept))
        except OSError:
            pass  # a read-only course folder: nothing is kept, everything is graded next time
