"""Write the chapter notebooks from the course's one source: the learner's from the stubs, the reference from the solutions.

`grade sync` writes them (`write`); `grade check` fails when one drifted (`drift`).
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

from ..core import state
from ..core.files import in_sync
from ..core.manifest import Course
from . import text
from .layout import (
    LEARNER,
    LEARNER_DIR,
    REFERENCE,
    REFERENCE_DIR,
    NotebookError,
    pristine_files,
    sections,
    solved_files,
    to_notebook,
)


def _cell(kind: str, source: str, cell_id: str, tags: list[str] = ()):
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(source=source, id=re.sub(r"[^A-Za-z0-9_-]", "-", cell_id)[:64])
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def build(course: Course, chapter: str, files: dict[str, str], kind: str) -> str:
    """The chapter's notebook (`kind` learner or reference) as the text of an .ipynb file."""
    import nbformat


    chap = course.chapter(chapter)
    parts = sections(course, chapter, files)
    cells = [_cell("markdown", text.intro(chap, kind), "intro"),
             _cell("code", text.SETUP.format(chapter=chapter), "setup")]
    defined: dict[str, str] = {}
    for section in parts:
        rel = f"{chapter}/{section.file}"
        names = [n for ex in chap.exercises if ex.file == section.file for n in ex.defines]
        again = [n for n in names if n in defined]
        cells.append(_cell("markdown", text.section(chapter, section, again, defined), f"md-{rel}"))
        cells.append(_cell("code", to_notebook(section.setup, chapter), rel, [rel]))
        defined.update({n: section.file for n in names})
        for ex in (e for e in chap.exercises if e.file == section.file):
            cells.append(_cell("markdown", text.exercise(ex, kind), f"md-{ex.id}"))
            cells.append(_cell("code", to_notebook(section.cells[ex.id], chapter), ex.id, [ex.id]))
    cells += [_cell("markdown", text.GRADE_MD.format(chapter=chapter), "md-grade"),
              _cell("code", text.GRADE_CELL, "grade")]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"},
        "course": {"chapter": chapter, "kind": kind,
                   "generated": "by `grade sync` from " + ("the stubs" if kind == LEARNER else "solutions/")}})
    return nbformat.writes(nb) + "\n"


def expected(course: Course, chapters: set[str] | None = None) -> dict[Path, str]:
    """Path -> text of every notebook `grade sync` writes: the learner's always, the reference where
    solutions/ is there."""
    wanted = [c.id for c in course.chapters if c.exercises and (chapters is None or c.id in chapters)]
    found: dict[Path, str] = {}
    stubs = pristine_files(course)
    for chapter in wanted:
        found[course.root / LEARNER_DIR / f"{chapter}.ipynb"] = build(course, chapter, stubs, LEARNER)
    if course.solutions.is_dir():
        solved = solved_files(course)
        for chapter in wanted:
            found[course.root / REFERENCE_DIR / f"{chapter}.ipynb"] = build(course, chapter, solved, REFERENCE)
    return found


def write(course: Course, chapters: set[str] | None = None) -> tuple[list[Path], list[tuple[Path, Path]]]:
    """Regenerate the notebooks of `chapters` (all when None); returns (those that changed, (notebook, backup)
    for each that held someone's own work, kept in .grade/backups/)."""
    written, kept = [], []
    for path, wanted in expected(course, chapters).items():
        changed, backup = state.regenerate(course.root, path, path.relative_to(course.root).as_posix(), wanted)
        written += [path] if changed else []
        kept += [(path, backup)] if backup else []
    return written, kept


def drift(course: Course) -> list[str]:
    """The generated notebooks that are missing or differ from what the source generates."""
    try:
        wanted = expected(course)
    except NotebookError as exc:
        return [str(exc)]
    stale = [p for p, text in wanted.items() if not in_sync(course.root, p, text)]
    return [f"{p.relative_to(course.root).as_posix()} is out of date with "
            + ("solutions/" if REFERENCE_DIR.as_posix() in p.as_posix() else "the stubs") for p in stale]

