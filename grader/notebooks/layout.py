"""Chapter notebooks generated from the course's one source: the learner's from the stubs, the reference from the solutions.

A chapter notebook holds each module of the chapter as a section: a module cell tagged with the
module's path (`ch03/causal_attention.py`: its imports, constants and any code no exercise owns),
then one cell per exercise tagged with the exercise id, holding the definitions the exercise
`defines`. Relative imports become imports of the package `exercises` (`from ..ch03.x import A`
-> `from exercises.ch03.x import A`, `from .x import A` -> `from exercises.<chapter>.x import A`),
which `grader.notebooks.kernel.use_course` serves inside a kernel and `grader.notebooks.extract` maps back.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core import markers
from ..core.manifest import PACKAGE, Course, Exercise
from ..core.sources import top_level

LEARNER_DIR = "notebooks"                  # notebooks/<chapter>.ipynb, from the stubs
REFERENCE_DIR = Path("solutions", "notebooks")  # solutions/notebooks/<chapter>.ipynb, from the solutions
LEARNER, REFERENCE = "learner", "reference"


class NotebookError(ValueError):
    """A notebook cannot be generated or read; the message says which and why."""


@dataclass
class Section:
    """One module of a chapter as its notebook shows it."""

    file: str
    doc: str = ""                                          # the module docstring's source, verbatim
    setup: str = ""                                        # the module cell: code no exercise owns
    cells: dict[str, str] = field(default_factory=dict)    # exercise id -> its definitions
    script: str = ""                                       # `if __name__ == "__main__":` blocks, kept out
    imports: set[str] = field(default_factory=set)         # modules of the same chapter it imports


def _is_main_guard(node: ast.stmt) -> bool:
    test = getattr(node, "test", None)
    return (isinstance(node, ast.If) and isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == "__name__" and len(test.comparators) == 1
            and getattr(test.comparators[0], "value", None) == "__main__")


def split_module(source: str, exercises: list[Exercise], label: str) -> Section:
    """`source` (a stub or solved module) cut into its docstring, module cell, exercise cells and script part."""
    tree = ast.parse(source)
    lines = source.splitlines()
    spans = top_level(source)
    taken = set()
    section = Section(file=label.rsplit("/", 1)[-1])
    for ex in exercises:
        missing = [n for n in ex.defines if n not in spans]
        if not ex.defines or missing:
            raise NotebookError(f"{ex.id}: its `defines` in course.toml ({', '.join(ex.defines) or 'none'}) must name "
                                f"top-level definitions of {label}" + (f"; not found: {', '.join(missing)}" if missing else ""))
        chunks = sorted({spans[n] for n in ex.defines})
        for first, last in chunks:
            taken.update(range(first, last + 1))
        section.cells[ex.id] = "\n\n\n".join("\n".join(lines[first - 1:last]) for first, last in chunks)
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0].value, "value", None), str):
        section.doc = "\n".join(lines[body[0].lineno - 1:body[0].end_lineno])
        taken.update(range(body[0].lineno, body[0].end_lineno + 1))
    guards = [node for node in body if _is_main_guard(node) and node.lineno not in taken]
    section.script = "\n\n".join("\n".join(lines[n.lineno - 1:n.end_lineno]) for n in guards)
    for node in guards:
        taken.update(range(node.lineno, node.end_lineno + 1))
    rest = "\n".join(line for n, line in enumerate(lines, 1) if n not in taken)
    section.setup = re.sub(r"\n{4,}", "\n\n\n", rest).strip("\n")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            section.imports |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
    return section


def to_notebook(code: str, chapter: str) -> str:
    """Relative imports as imports of the package `exercises` (what a notebook kernel can run)."""
    code = re.sub(r"(?m)^(\s*)from \.\.(\w+)", rf"\1from {PACKAGE}.\2", code)
    code = re.sub(r"(?m)^(\s*)from \.(\w)", rf"\1from {PACKAGE}.{chapter}.\2", code)
    return re.sub(r"(?m)^(\s*)from \. import ", rf"\1from {PACKAGE}.{chapter} import ", code)


def from_notebook(code: str, chapter: str) -> str:
    """The inverse of to_notebook: the chapter's own modules relative (.x), other chapters' (..chNN.x)."""
    code = re.sub(rf"(?m)^(\s*)from {PACKAGE}\.{chapter}\.(\w)", r"\1from .\2", code)
    code = re.sub(rf"(?m)^(\s*)from {PACKAGE}\.{chapter} import ", r"\1from . import ", code)
    return re.sub(rf"(?m)^(\s*)from {PACKAGE}\.(\w+)", r"\1from ..\2", code)


def chapter_files(course: Course, chapter: str) -> list[str]:
    """The chapter's exercise files in the order of their first exercise in the manifest."""
    return list(dict.fromkeys(ex.file for ex in course.chapter(chapter).exercises))


def sections(course: Course, chapter: str, files: dict[str, str]) -> list[Section]:
    """The chapter's modules (`files`: "ch03/x.py" -> source), each after the modules of the chapter it imports."""
    exercises = course.chapter(chapter).exercises
    found = {}
    for file in chapter_files(course, chapter):
        rel = f"{chapter}/{file}"
        if rel not in files:
            raise NotebookError(f"no source for {rel}")
        found[file] = split_module(files[rel], [ex for ex in exercises if ex.file == file], rel)
    local = {f.removesuffix(".py") for f in found}
    pending, ordered = list(found.values()), []
    while pending:  # manifest order, each module after those of the chapter it imports (a cycle keeps the order)
        placed = {s.file.removesuffix(".py") for s in ordered}
        ready = next((s for s in pending if (s.imports & local) - {s.file.removesuffix(".py")} <= placed), pending[0])
        ordered.append(ready)
        pending.remove(ready)
    return ordered


def pristine_files(course: Course) -> dict[str, str]:
    """Every chapter module as handed out ("ch03/x.py" -> text): generated from solutions/ where it is
    there, else the copies a learner release keeps in tests/stubs/."""
    if course.solutions.is_dir():
        return {rel.as_posix(): text for rel, text in markers.stub_files(course.solutions).items()}
    kept = course.root / "tests" / "stubs"
    return {p.relative_to(kept).as_posix(): p.read_text(encoding="utf-8") for p in sorted(kept.rglob("*.py"))}


def solved_files(course: Course) -> dict[str, str]:
    return {p.relative_to(course.solutions).as_posix(): markers.solved(p.read_text(encoding="utf-8"))
            for p in sorted(course.solutions.rglob("*.py")) if "__pycache__" not in p.parts}
