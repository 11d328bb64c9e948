"""Read a learner's notebook defensively: its cells and tags, its chapter, and each cell's code as grading takes it.

Nothing here runs learner code. A notebook that is not JSON, is truncated or is not a notebook
raises NotebookError with a message for the learner; odd cells (no source, tags that are not
strings) are read as empty or untagged, never as a crash.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

from . import notebooks
from .manifest import Course
from .notebooks import NotebookError

MAX_BYTES = 256 * 2**20
CHAPTER_IN_NAME = re.compile(r"(ch\d\d|app[A-Z])")
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}   # their body is Python: the magic line alone is skipped
MAGIC_LINE = re.compile(r"^(\s*)(?:[%!]|[\w.]+\s*=\s*[%!]|\?+\s*[\w.]|[\w.]+\?\??\s*$)")
CONSTANT = re.compile(r"_*[A-Z][A-Z0-9_]*")
KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Pass)


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
        text = path.read_bytes().decode("utf-8")
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
    found = CHAPTER_IN_NAME.search(name)
    if found and found.group(1) in known:
        return found.group(1)
    raise NotebookError(f"cannot tell which chapter {name} is for: none of its cells is tagged with an exercise id "
                        "(such as ch03.causal_attention); start from the course's notebook for the chapter")


def tag_kind(tag: str, course: Course) -> str:
    """"exercise" for an exercise id, "module" for a module tag (ch03/causal_attention.py), else ""."""
    if "/" in tag:
        chapter, _, file = tag.partition("/")
        return "module" if any(e.chapter == chapter and e.file == file for e in course.exercises) else ""
    return "exercise" if any(e.id == tag for e in course.exercises) else ""


def _parse(code: str):
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def clean(cell: Cell) -> tuple[list[str], list[tuple[int, str]]]:
    """The cell's lines with IPython syntax (magics, shell and help lines) blanked out, line numbers kept,
    and the (line, text) of each skipped line. A cell magic whose body is not Python skips the cell."""
    lines = cell.source.splitlines()
    skipped: list[tuple[int, str]] = []
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = (lines[first].strip()[2:].split() or [""])[0]
        skipped.append((first + 1, lines[first].strip()))
        if magic not in PYTHON_CELL_MAGICS:
            return [], skipped
        lines[first] = ""
    if _parse("\n".join(lines)) is None:
        for i, line in enumerate(lines):
            found = MAGIC_LINE.match(line)
            if found:
                skipped.append((i + 1, line.strip()))
                lines[i] = f"{found.group(1)}pass" if found.group(1) else ""
    return lines, skipped


def graded_lines(lines: list[str], defines: tuple[str, ...]) -> tuple[list[int], list[tuple[int, str]]]:
    """Of an exercise cell's (cleaned) lines, the numbers (from 1) of those grading keeps, and the
    (first line, text) of each top-level statement left out: anything but imports, functions, classes
    and constants (a name the exercise defines, an UPPER_CASE name, or a literal value)."""
    tree = _parse("\n".join(lines))
    every = list(range(1, len(lines) + 1))
    if tree is None:
        return every, []   # a syntax error: kept as written, so grading reports it where it is
    keep, drop, dropped = set(), set(), []
    for node in tree.body:
        span = set(range(node.lineno, node.end_lineno + 1))
        if _kept(node, defines):
            keep |= span
        else:
            drop |= span
            dropped.append((node.lineno, lines[node.lineno - 1].strip()))
    return [n for n in every if n not in drop - keep], dropped


def _kept(node: ast.stmt, defines: tuple[str, ...]) -> bool:
    if isinstance(node, KEPT):
        return True
    if isinstance(node, ast.Expr):
        return isinstance(getattr(node.value, "value", None), str)   # a docstring-like string
    if not isinstance(node, (ast.Assign, ast.AnnAssign)):
        return False
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if not all(isinstance(t, ast.Name) for t in targets):
        return False
    names = [t.id for t in targets]
    if any(n in defines for n in names) or all(CONSTANT.fullmatch(n) for n in names) or node.value is None:
        return True
    try:
        ast.literal_eval(node.value)
        return True
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return False


def defined_names(lines: list[str]) -> set[str]:
    """Top-level names a cell defines (for noticing an exercise written in an untagged cell)."""
    tree = _parse("\n".join(lines))
    names = set()
    for node in tree.body if tree else []:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def cell_code(cell: Cell, nb: Notebook, tag: str, defines: tuple[str, ...] | None):
    """(module lines, their origins, notes) for one cell; `defines` set for an exercise's cell, whose lines
    beyond definitions are left out."""
    lines, skipped = clean(cell)
    keep, dropped = (graded_lines(lines, defines) if defines is not None
                     else (list(range(1, len(lines) + 1)), []))
    code = notebooks.from_notebook("\n".join(lines), nb.chapter).split("\n") if lines else []
    where = f"{nb.path.name}, cell {cell.number}"
    notes = []
    if skipped:
        notes.append(f"{where}: skipped {listing(skipped)} (magics and shell lines run only in Jupyter)")
    if dropped:
        notes.append(f"{where}: left out of grading {listing(dropped)} (an exercise's cell is graded for its "
                     "imports, functions, classes and constants; try things out in a cell of your own)")
    return [code[n - 1] for n in keep], [(nb.path.name, cell.number, tag, n) for n in keep], notes


def listing(items: list[tuple[int, str]]) -> str:
    shown = [f"line {line} `{text[:40]}{'...' if len(text) > 40 else ''}`" for line, text in items[:3]]
    return ", ".join(shown) + (f" and {len(items) - 3} more" if len(items) > 3 else "")


def choose(tag: str, cells: list[Cell], name: str) -> tuple[Cell | None, str]:
    """The cell graded for `tag` (the last of identical copies), and a problem: no code cell has the tag,
    or several differing ones do."""
    code = [c for c in cells if c.kind == "code"]
    if not code:
        if cells:
            return None, (f"{name}, cell {cells[0].number} is tagged {tag} but is a {cells[0].kind} cell "
                          "(change its type back to Code)")
        return None, f"{name} has no cell tagged {tag} (was it deleted, or its tag removed?)"
    if len({c.source.strip() for c in code}) > 1:
        numbers = ", ".join(str(c.number) for c in code[:-1]) + f" and {code[-1].number}"
        both = len(code) == 2
        return code[-1], (f"cells {numbers} of {name} are {'both' if both else 'all'} tagged {tag}: keep one "
                          f"(delete the other{'' if both else 's'}, or remove {'its' if both else 'their'} tag)")
    return code[-1], ""
