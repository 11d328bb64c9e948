"""Declaring a check module's parts: `@case` (worker side), `@points`, `@tip`, `@hidden`, and `fail`."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


class CheckFailed(AssertionError):
    """A check found a difference; its message is the learner's feedback."""


def case(fn, *args, **kwargs):
    """Declare a worker-side case, a function of the learner's module returning plain data, in one of two forms:

        @case
        def mask_buffer(learner):            # named by its def
            ...

        book_batch = case(run, BOOK)         # run(learner, BOOK), named by the variable: one line for
        other_sizes = case(run, OTHER)       # each configuration of a shared runner, no wrapper function

    The name keys `out` and `snap` on the trusted side. Cases run in the order they are declared.
    """
    if not args and not kwargs:
        fn._grader_case = True
        return fn
    line = sys._getframe(1).f_lineno

    def configured(learner):
        return fn(learner, *args, **kwargs)
    configured._grader_case = True
    configured._grader_line = line
    configured.__doc__ = fn.__doc__
    return configured


def declared_cases(module) -> list[tuple[str, object]]:
    """(name, function) of every case a check module declares, in the order declared."""
    found = [(name, f) for name, f in vars(module).items() if callable(f) and getattr(f, "_grader_case", False)
             and (name == getattr(f, "__name__", None) or hasattr(f, "_grader_line"))]
    return sorted(found, key=lambda item: getattr(item[1], "_grader_line", None) or item[1].__code__.co_firstlineno)


def points(weight: float):
    """Weight of a check within its exercise (default 1); the exercise's points are shared by weight."""
    def mark(fn):
        fn._grader_points = float(weight)
        return fn
    return mark


def tip(fn):
    """Mark a check as a 0-point tip: when it fails, its message is shown as a suggestion and costs
    nothing (for a behaviour the book's printed code lacks and the book's own use does not need)."""
    fn._grader_points = 0.0
    return fn


def hidden(fn):
    """Mark a check (or a case only hidden checks read) as hidden: `grade release` leaves it and its snapshot
    data out of the learner's copy, where the report then says how many more checks run at grading; the
    course's own grading (instructors, `grade check`) runs it like any other."""
    fn._grader_hidden = True
    return fn


def fail(message: str):
    raise CheckFailed(message)


def sibling(check_file: str, name: str):
    """A helper module kept beside the check modules (e.g. attention_reference.py), loaded by path
    once per process; check modules are not a package, so a plain import would not find it.
    `name` may name another chapter's helper, sibling(__file__, "ch04/gpt_reference"), or one that
    every chapter's checks share, kept in tests/checks/ itself: sibling(__file__, "standins")."""
    folder = Path(check_file).parent
    if "/" in name:
        chapter, name = name.split("/", 1)
        folder = folder.parent / chapter
    path = folder / f"{name}.py"
    if not path.is_file() and (folder.parent / f"{name}.py").is_file():
        path = folder.parent / f"{name}.py"  # shared by every chapter's checks: tests/checks/<name>.py
    key = f"_grader_sibling_{path.parent.name}_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]
