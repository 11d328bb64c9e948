"""`grade demo CHAPTER`: each chapter's demo is a module here exposing `command`, a click command.

A demo runs the learner's own code (exercises/, or the reference with --solutions) in this
process: it is the learner's code on the learner's machine, as `python -m exercises...` would
run it, not a grading. `load_tree` mounts the tree as the package `exercises`, so a demo
imports the chapter modules the way the chapters import each other.
"""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import click

from ..core import manifest
from ..core.manifest import PACKAGE
from ..engine.probe import mount


def names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def command(name: str) -> click.Command | None:
    if name not in names():
        return None
    return importlib.import_module(f"{__name__}.{name}").command


def load_tree(solutions: bool = False):
    """The course, and a function importing a module of the learner's tree (or of solutions/):
    module("ch05/train.py") -> that module, with chapters importing each other as usual."""
    course = manifest.load()
    tree = course.solutions if solutions else course.stubs
    if not tree.is_dir():
        raise click.UsageError(f"{tree} is not a folder")
    from course_data import gpt2
    gpt2.use_offline()
    mount(tree)

    def module(relpath: str):
        return importlib.import_module(f"{PACKAGE}." + relpath.removesuffix(".py").replace("/", "."))
    return course, module


def not_ready(exc: NotImplementedError, what: str) -> click.ClickException:
    """The demo needs code the learner has not written yet: say which, and how to find out more."""
    return click.ClickException(f"{what} is not implemented yet ({exc}). Finish it first — `grade` shows "
                                "what is left — or run the demo on the reference code with --solutions.")


def output_dir(path: str | None, chapter: str) -> Path:
    out = Path(path) if path else Path("demo-output") / chapter
    out.mkdir(parents=True, exist_ok=True)
    return out
