"""`grade demo CHAPTER`: each chapter's demo is a module here exposing `command`, a click command.

A demo runs the learner's own code (exercises/, or the reference with --solutions) in this
process: it is the learner's code on the learner's machine, as `python -m exercises...` would
run it, not a grading. `load_tree` mounts the tree as the package `exercises`, so a demo
imports the chapter modules the way the chapters import each other.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
import shutil
import sys
import textwrap
import traceback
from pathlib import Path

import click

from ..core import manifest
from ..core.manifest import PACKAGE
from ..core.sources import top_level
from ..engine.probe import mount


def names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def command(name: str) -> click.Command | None:
    """The demo's click command; code of the learner's that is still a stub stops it with `not_ready`."""
    if name not in names():
        return None
    cmd = importlib.import_module(f"{__name__}.{name}").command
    if not getattr(cmd.callback, "_guarded", False):
        callback = cmd.callback

        @functools.wraps(callback)
        def guarded(*args, **kwargs):
            try:
                return callback(*args, **kwargs)
            except NotImplementedError as exc:
                raise not_ready(exc, "Code this demo runs") from None
        guarded._guarded = True
        cmd.callback = guarded
    return cmd


def load_tree(solutions: bool = False):
    """The course, and a function importing a module of the learner's tree (or of solutions/):
    module("ch05/train.py") -> that module, with chapters importing each other as usual."""
    course = manifest.load()
    tree = course.solutions if solutions else course.stubs
    if solutions and not tree.is_dir():
        raise click.UsageError("this copy of the course has no reference solutions (a learner's copy): run the demo "
                               "without --solutions, on your own code in exercises/")
    if not tree.is_dir():
        raise click.UsageError(f"{tree} is not a folder: the demo runs your code in exercises/ (`grade doctor` "
                               "checks the course's folders)")
    from course_data import gpt2
    gpt2.use_offline()
    mount(tree)

    def module(relpath: str):
        return importlib.import_module(f"{PACKAGE}." + relpath.removesuffix(".py").replace("/", "."))
    return course, module


class NotReady(click.ClickException):
    """A demo that cannot run yet; its message is wrapped to the terminal at word boundaries."""

    def show(self, file=None) -> None:
        width = max(40, shutil.get_terminal_size((80, 24)).columns)
        click.echo(textwrap.fill(f"Error: {self.message}", width, break_long_words=False, break_on_hyphens=False),
                   file=file, err=True)


def not_ready(exc: NotImplementedError, what: str) -> click.ClickException:
    """The demo needs code the learner has not written yet: name the exercise, its file and line (where the
    TODO is), and what to do; --solutions is offered only where the course has its reference code."""
    course = manifest.load()
    found = _stub_of(exc, course)
    if found:
        ex, place = found
        text = (f"{what} is not written yet: {ex.id} ({ex.title}), the TODO at {place}. Finish it first "
                f"(`grade {ex.id}` says what is missing, `grade hint {ex.id}` helps)")
    else:
        text = f"{what} is not written yet ({exc}). Finish it first (`grade` shows what is left)"
    if course.solutions.is_dir():
        text += ", or run the demo on the reference code with --solutions"
    return NotReady(text + ".")


def _stub_of(exc: BaseException, course) -> tuple | None:
    """(exercise, "exercises/chNN/file.py:LINE") of the innermost frame of `exc` in the mounted tree, the
    line moved up to the TODO comment above a stub's raise."""
    package = sys.modules.get(PACKAGE)
    roots = [Path(p).resolve() for p in getattr(package, "__path__", [])]
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename).resolve()
        root = next((r for r in roots if path.is_relative_to(r)), None)
        if root is None:
            continue
        rel = path.relative_to(root).as_posix()
        line = frame.lineno or 0
        lines = path.read_text(encoding="utf-8").splitlines()
        todo = next((n for n in range(line - 1, max(0, line - 30), -1) if lines[n - 1].strip().startswith("# TODO")),
                    line)
        try:
            spans = top_level("\n".join(lines))
        except SyntaxError:
            spans = {}
        owner = next((name for name, (first, last) in spans.items() if first <= line <= last), None)
        ex = next((e for e in course.exercises if f"{e.chapter}/{e.file}" == rel and owner in e.defines), None)
        if ex:
            return ex, f"{PACKAGE}/{rel}:{todo}"
    return None


def output_dir(path: str | None, chapter: str) -> Path:
    out = Path(path) if path else Path("demo-output") / chapter
    out.mkdir(parents=True, exist_ok=True)
    return out
