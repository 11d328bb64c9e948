"""The top-level definitions of an exercise file: find them, and put an exercise's stub back (`grade reset`).

An exercise owns the top-level functions, classes and constants its manifest entry `defines`;
each marked region of a solution lies inside one of them.
"""
from __future__ import annotations

import ast
from pathlib import Path

from . import markers, state
from .files import committed
from .manifest import Course, Exercise


class SourceError(ValueError):
    """A file cannot be read or changed as asked; the message says why and what to do."""


def top_level(source: str) -> dict[str, tuple[int, int]]:
    """name -> (first line, last line), 1-based, of each top-level def, class or assignment;
    decorators and a comment block right above belong to the definition."""
    tree = ast.parse(source)
    lines = source.splitlines()
    spans: dict[str, tuple[int, int]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [node.name]
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            first = node.lineno
        else:
            continue
        while first > 1 and lines[first - 2].strip().startswith("#"):
            first -= 1
        for name in names:
            spans[name] = (first, node.end_lineno)
    return spans


def owners(course: Course, relpath: str) -> dict[int, str]:
    """Line number of each marked region's BEGIN line in solutions/<relpath> -> the exercise owning it
    (by `defines`), or "" where no exercise defines the name around it."""
    chapter, file = relpath.split("/", 1)
    source = (course.solutions / relpath).read_text(encoding="utf-8")
    spans = top_level(source)
    exercises = [ex for ex in course.exercises if ex.chapter == chapter and ex.file == file]
    found = {}
    for region in markers.regions(source):
        line = region["line"]
        found[line] = next((ex.id for ex in exercises for name in ex.defines
                            if name in spans and spans[name][0] <= line <= spans[name][1]), "")
    return found


def pristine_stub(course: Course, ex: Exercise) -> str:
    """The exercise file as handed out: generated from solutions/ where it is there, else the copy a
    learner release keeps in tests/stubs/, else the version git has."""
    rel = f"{ex.chapter}/{ex.file}"
    solution = ex.source(course.solutions)
    if solution.is_file():
        return markers.make_stub(solution.read_text(encoding="utf-8"), str(solution))
    kept = course.root / "tests" / "stubs" / rel
    if kept.is_file():
        return kept.read_text(encoding="utf-8")
    known = committed(course.root, f"exercises/{rel}")
    if known is not None:
        return known
    raise SourceError(f"no original of exercises/{rel} to reset from (no solutions/, tests/stubs/ or git history)")


def reset(course: Course, ex: Exercise, tree: Path, whole_file: bool = False) -> tuple[Path, Path]:
    """Put the exercise's stub definitions back into the learner's file, keeping a timestamped backup of
    the file in .grade/backups/. Returns (the file, the backup)."""
    path = ex.source(tree)
    stub = pristine_stub(course, ex)
    current = path.read_text(encoding="utf-8") if path.is_file() else ""
    if whole_file or not current.strip():
        new = stub
    else:
        new = replace_definitions(current, stub, ex.defines, str(path))
    backup = state.backup(course.root, path, f"{ex.chapter}/{ex.file}") if current else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")
    return path, backup


def replace_definitions(current: str, stub: str, names: tuple[str, ...], label: str) -> str:
    """`current` with each of `names` replaced by its definition in `stub`; a definition missing from
    `current` is added after the one before it (or at the end)."""
    try:
        have = top_level(current)
    except SyntaxError as exc:
        raise SourceError(f"{label} has a syntax error (line {exc.lineno}), so its definitions cannot be found; "
                          "fix it, or reset the whole file with --whole-file") from None
    want = top_level(stub)
    stub_lines = stub.splitlines(keepends=True)
    lines = current.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    missing = [n for n in names if n not in want]
    if missing:
        raise SourceError(f"the original file defines no {', '.join(missing)}; reset it with --whole-file")
    # replace from the bottom up, so earlier line numbers stay valid
    edits = sorted(((have[n] if n in have else None), n) for n in names if n in have)
    for (first, last), name in reversed(edits):
        first_new, last_new = want[name]
        lines[first - 1:last] = stub_lines[first_new - 1:last_new]
    for name in (n for n in names if n not in have):
        first_new, last_new = want[name]
        lines += ["\n", "\n", *stub_lines[first_new - 1:last_new]]
    return "".join(lines)
