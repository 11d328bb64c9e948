"""Changes a command makes to a learner's notebook (`grade reset` on a notebook): always with a backup first."""
from __future__ import annotations

from pathlib import Path

import nbformat

from ..core import state
from ..core.manifest import Course, Exercise
from . import generate, layout, reader
from .layout import NotebookError


def reset(course: Course, ex: Exercise, notebook: Path, whole: bool = False) -> tuple[Path, Path]:
    """Put the stub of `ex` back into its tagged code cell(s) of `notebook` (with `whole`, the whole notebook
    as handed out), keeping a copy of the notebook in .grade/backups/. Returns (the notebook, the backup)."""
    notebook = Path(notebook)
    found = reader.read(notebook, course)   # NotebookError, in one sentence, when it cannot be read
    if found.chapter != ex.chapter:
        raise NotebookError(f"{notebook.name} is the notebook of {found.chapter}, not of {ex.chapter}")
    files = layout.pristine_files(course)
    if whole:
        text = generate.build(course, ex.chapter, files, layout.LEARNER)
    else:
        section = next(s for s in layout.sections(course, ex.chapter, files) if s.file == ex.file)
        stub = layout.to_notebook(section.cells[ex.id], ex.chapter)
        nb = nbformat.read(notebook, as_version=4)
        cells = [c for c in nb.cells if c.cell_type == "code" and ex.id in c.get("metadata", {}).get("tags", [])]
        if not cells:
            raise NotebookError(f"{notebook.name} has no code cell tagged {ex.id}: tag the exercise's cell with it, "
                                "or reset the whole notebook with --whole-file")
        for cell in cells:
            cell.source = stub
            cell.outputs, cell.execution_count = [], None
        text = nbformat.writes(nb) + "\n"
    backup = state.backup(course.root, notebook, f"notebooks/{notebook.name}")
    notebook.write_text(text, encoding="utf-8")
    return notebook, backup
