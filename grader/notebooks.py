"""Chapter notebooks generated from the course's one source: the learner's from the stubs, the reference from the solutions.

A chapter notebook holds each module of the chapter as a section: a module cell tagged with the
module's path (`ch03/causal_attention.py`: its imports, constants and any code no exercise owns),
then one cell per exercise tagged with the exercise id, holding the definitions the exercise
`defines`. Relative imports become imports of the package `exercises` (`from ..ch03.x import A`
-> `from exercises.ch03.x import A`, `from .x import A` -> `from exercises.<chapter>.x import A`),
which `grader.jupyter.use_course` serves inside a kernel and `grader.nbtree` maps back.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import markers
from .manifest import Course, Exercise
from .sources import top_level

LEARNER_DIR = "notebooks"                  # notebooks/<chapter>.ipynb, from the stubs
REFERENCE_DIR = Path("solutions", "notebooks")  # solutions/notebooks/<chapter>.ipynb, from the solutions
PACKAGE = "exercises"
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


def _cell(kind: str, source: str, cell_id: str, tags: list[str] = ()):
    import nbformat
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(source=source, id=re.sub(r"[^A-Za-z0-9_-]", "-", cell_id)[:64])
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def build(course: Course, chapter: str, files: dict[str, str], kind: str) -> str:
    """The chapter's notebook (`kind` learner or reference) as the text of an .ipynb file."""
    import nbformat
    from . import nbtext

    chap = course.chapter(chapter)
    parts = sections(course, chapter, files)
    cells = [_cell("markdown", nbtext.intro(chap, kind), "intro"),
             _cell("code", nbtext.SETUP.format(chapter=chapter), "setup")]
    defined: dict[str, str] = {}
    for section in parts:
        rel = f"{chapter}/{section.file}"
        names = [n for ex in chap.exercises if ex.file == section.file for n in ex.defines]
        again = [n for n in names if n in defined]
        cells.append(_cell("markdown", nbtext.section(chapter, section, again, defined), f"md-{rel}"))
        cells.append(_cell("code", to_notebook(section.setup, chapter), rel, [rel]))
        defined.update({n: section.file for n in names})
        for ex in (e for e in chap.exercises if e.file == section.file):
            cells.append(_cell("markdown", nbtext.exercise(ex, kind), f"md-{ex.id}"))
            cells.append(_cell("code", to_notebook(section.cells[ex.id], chapter), ex.id, [ex.id]))
    cells += [_cell("markdown", nbtext.GRADE_MD.format(chapter=chapter), "md-grade"),
              _cell("code", nbtext.GRADE_CELL, "grade")]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"},
        "course": {"chapter": chapter, "kind": kind,
                   "generated": "by `grade sync` from " + ("the stubs" if kind == LEARNER else "solutions/")}})
    return nbformat.writes(nb) + "\n"


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


def write(course: Course, chapters: set[str] | None = None) -> list[Path]:
    """Regenerate the notebooks of `chapters` (all when None); returns those that changed."""
    written = []
    for path, text in expected(course, chapters).items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def drift(course: Course) -> list[str]:
    """The generated notebooks that are missing or differ from what the source generates."""
    try:
        wanted = expected(course)
    except NotebookError as exc:
        return [str(exc)]
    stale = [p for p, text in wanted.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
    return [f"{p.relative_to(course.root).as_posix()} is out of date with "
            + ("solutions/" if REFERENCE_DIR.as_posix() in p.as_posix() else "the stubs") for p in stale]
