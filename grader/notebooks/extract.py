"""A learner's chapter notebooks become the chapter's modules, graded as .py files, with feedback pointing at cells.

`notebook_to_tree(path, course, dest)` writes a course-shaped tree, dest/exercises: a copy of the
course's exercises/ folder in which every chapter that has a notebook (the one at `path`, the
other chapters' notebooks beside it, or every notebook of a folder `path`) is replaced by the
modules its tagged cells make. Grade that tree as any other; then `Extraction.apply(run)` points
locations at cells ("ch03.ipynb, cell 12 (ch03.causal_attention) line 5"), adds the notes
(skipped magics, lines left out, missing or duplicated cells) to each exercise's feedback, and
gives the exercises whose cells conflict 0 points with the reason.
"""
from __future__ import annotations

import ast
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..core.manifest import CHAPTER_ID, PACKAGE, Course
from ..scoring.grading import grade
from ..scoring.results import RunResult
from . import layout, reader
from .layout import NotebookError
from .reader import Cell, Notebook

PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}   # their body is Python: the magic line alone is skipped
MAGIC_LINE = re.compile(r"^(\s*)(?:[%!]|[\w.]+\s*=\s*[%!]|\?+\s*[\w.]|[\w.]+\?\??\s*$)")
CONSTANT = re.compile(r"_*[A-Z][A-Z0-9_]*")
KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Pass)
LOCATION = re.compile(rf"\b{PACKAGE}/({CHAPTER_ID}/[\w/.-]+?\.py)(?::(\d+))?")
NAME_ERROR = re.compile(r"NameError: name '(\w+)' is not defined")
Origin = tuple[str, int, str, int]   # notebook file name, cell number, the cell's tag, line in the cell


@dataclass
class Extraction:
    tree: Path
    notebooks: dict[str, Path] = field(default_factory=dict)   # chapter -> the notebook graded for it
    notes: dict[str, list[str]] = field(default_factory=dict)  # exercise id -> notes; "" -> about the notebooks
    blocked: dict[str, str] = field(default_factory=dict)      # exercise id -> why its cells cannot be graded
    missing: dict[str, str] = field(default_factory=dict)      # exercise id -> why its stub was graded instead
    origins: dict[str, list] = field(default_factory=dict)     # "ch03/x.py" -> per module line, Origin or None
    defined: dict[str, set] = field(default_factory=dict)      # "ch03/x.py" -> top-level names its cells define
    modules: dict[str, str] = field(default_factory=dict)      # exercise id -> "ch03/x.py"

    def note(self, key: str, text: str) -> None:
        self.notes.setdefault(key, []).append(text)

    def place(self, rel: str, line: int | None) -> str | None:
        """Where line `line` of module `rel` came from, in the learner's words; None for modules not from a notebook."""
        if rel not in self.origins:
            return None
        name = self.notebooks[rel.split("/")[0]].name
        if line is None:
            return f"{name} (the cells of {rel})"
        lines = self.origins[rel]
        origin = lines[line - 1] if 0 < line <= len(lines) else None
        if origin is None:
            return f"{name} ({rel} as handed out, line {line})"
        label, number, tag, cell_line = origin
        if not number:
            return f"{label} (the stub standing in for the missing cell {tag}, line {cell_line})"
        return f"{label}, cell {number} ({tag}) line {cell_line}"

    def locate(self, text: str) -> str:
        """`text` with each exercises/chNN/x.py:LINE of a notebook's module replaced by its cell and line."""
        def swap(found):
            placed = self.place(found.group(1), int(found.group(2)) if found.group(2) else None)
            return placed or found.group(0)
        return LOCATION.sub(swap, text) if text else text

    def import_hints(self, ex) -> list[str]:
        """For a name the exercise's code did not find (NameError) that another module's cells define: in a
        notebook every cell sees it, in the graded module only an import does."""
        names = {n for text in [ex.feedback, *(c.feedback for c in ex.checks)] for n in NAME_ERROR.findall(text)}
        mine = self.modules.get(ex.id)
        hints = []
        for name in sorted(names):
            home = next((rel for rel, defined in self.defined.items() if name in defined and rel != mine), None)
            if home and mine:
                hints.append(f"{name} is defined in the cells of {home}, and {mine} sees it only through an import: "
                             f"add `from {PACKAGE}.{home.removesuffix('.py').replace('/', '.')} import {name}` to "
                             f"the cell tagged {mine}")
        return hints

    def apply(self, run: RunResult, target: str | None = None) -> RunResult:
        """The results of grading `tree`, told in terms of the notebooks."""
        for ex in run.exercises:
            ex.feedback = self.locate(ex.feedback)
            if target is not None:  # `grade ID -v` would grade exercises/, not the notebook
                ex.feedback = ex.feedback.replace(f"grade {ex.id} -v shows all", f"grade {ex.id} --target {target} -v "
                                                                                  "shows all")
            for check in ex.checks:
                check.feedback, check.location = self.locate(check.feedback), self.locate(check.location)
            if ex.id in self.blocked:
                ex.status, ex.feedback = "error", self.blocked[ex.id]
                for check in ex.checks:
                    if check.max_points:
                        check.points, check.status, check.feedback = 0.0, "error", self.blocked[ex.id]
            elif ex.id in self.missing:
                ex.feedback = self.missing[ex.id] + (f"\n{ex.feedback}" if ex.status != "not_implemented" else "")
            notes = self.notes.get(ex.id, []) + self.import_hints(ex)
            if notes:
                ex.feedback = "\n".join([*([ex.feedback] if ex.feedback else []), *(f"Note: {n}" for n in notes)])
        if target is not None:
            run.target = target
        return run


def notebook_to_tree(path: Path, course: Course, dest: Path) -> Extraction:
    """The course-shaped tree dest/exercises for the notebook `path` (with the other chapters' notebooks
    beside it) or for the folder of notebooks `path`. Raises NotebookError when `path` itself is not a
    readable notebook."""
    path = Path(path)
    if path.is_dir():
        return build_tree(course, dest, path, strict=True)
    return build_tree(course, dest, path.parent, strict=False, own=reader.read(path, course))


def build_tree(course: Course, dest: Path, folder: Path, strict: bool, own: Notebook | None = None,
               skip: set[str] = frozenset()) -> Extraction:
    """dest/exercises: exercises/ with the chapters of the notebooks in `folder` (and `own`, which wins for its
    chapter) made from their cells, except the chapters in `skip`."""
    ext = Extraction(tree=Path(dest) / PACKAGE)
    if course.stubs.is_dir():
        shutil.copytree(course.stubs, ext.tree, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    files = layout.pristine_files(course)
    for rel, text in files.items():
        if rel.endswith("__init__.py") and not (ext.tree / rel).exists():
            (ext.tree / rel).parent.mkdir(parents=True, exist_ok=True)
            (ext.tree / rel).write_text(text, encoding="utf-8")
    ignore = set(skip) | ({own.chapter} if own else set())
    chosen = _collect(folder, course, ext, strict, ignore)
    if own is not None and own.chapter not in skip:
        chosen[own.chapter] = own
    for chapter, nb in sorted(chosen.items()):
        ext.notebooks[chapter] = nb.path
        _extract_chapter(course, nb, files, ext)
    return ext


def _collect(folder: Path, course: Course, ext: Extraction, strict: bool, ignore: set[str]) -> dict:
    """chapter -> Notebook for the notebooks in `folder`, but for the chapters in `ignore`. Strict (a folder was
    asked for): a chapter whose notebook is unreadable or ambiguous is blocked. Otherwise (notebooks beside
    the one asked for) such a chapter is graded from exercises/ and a note says why."""
    found: dict[str, list[Notebook]] = {}
    for path in sorted(folder.glob("*.ipynb")):
        named = course.chapter_in_name(path.name)
        try:
            nb = reader.read(path, course)
        except NotebookError as exc:
            if named in ignore:
                continue
            if strict and named:
                _block_chapter(course, named, str(exc), ext)
            else:
                ext.note("", f"{exc} (not used)")
            continue
        if nb.chapter not in ignore:
            found.setdefault(nb.chapter, []).append(nb)
    chosen = {}
    for chapter, nbs in found.items():
        exact = [nb for nb in nbs if nb.path.name == f"{chapter}.ipynb"]
        names = ", ".join(nb.path.name for nb in nbs)
        if len(nbs) == 1 or exact:
            chosen[chapter] = nbs[0] if len(nbs) == 1 else exact[0]
            if len(nbs) > 1:
                ext.note("", f"{names} are all notebooks for {chapter}: graded {chapter}.ipynb")
        elif strict:
            _block_chapter(course, chapter, f"{names} are all notebooks for {chapter}: keep one in the folder, "
                                            "or grade one of them with --target FILE", ext)
        else:
            ext.note("", f"{names} beside it are all notebooks for {chapter}, none named {chapter}.ipynb: "
                         f"{chapter} was graded from exercises/")
    return chosen


def _block_chapter(course: Course, chapter: str, reason: str, ext: Extraction) -> None:
    for ex in course.chapter(chapter).exercises:
        ext.blocked[ex.id] = reason


class _Module:
    """A module put together from cells, with where each of its lines came from (an Origin, or None for
    code as handed out)."""

    def __init__(self, doc: str):
        self.lines = doc.splitlines()
        self.origins: list = [None] * len(self.lines)

    def add(self, code: list[str], origins: list | None = None, gap: bool = True) -> None:
        if not code:
            return
        if self.lines and gap:
            self.lines += ["", ""]
            self.origins += [None, None]
        self.lines += code
        self.origins += origins if origins is not None else [None] * len(code)


def _extract_chapter(course: Course, nb: Notebook, files: dict[str, str], ext: Extraction) -> None:
    """Write the chapter's modules from the notebook's tagged cells (the handed-out code where a cell is
    missing), and note for each exercise what was skipped, left out, missing or duplicated."""
    chapter, name = nb.chapter, nb.path.name
    exercises = course.chapter(chapter).exercises
    by_tag: dict[str, list[Cell]] = {}
    for cell in nb.cells:
        for tag in dict.fromkeys(cell.tags):
            by_tag.setdefault(tag, []).append(cell)
    own = {ex.id for ex in exercises} | {f"{chapter}/{ex.file}" for ex in exercises}
    for tag, cells in by_tag.items():
        if tag not in own and reader.tag_kind(tag, course):
            ext.note("", f"{name}, cell {cells[0].number} is tagged {tag}, which is another chapter's: "
                         "it is graded from that chapter's notebook")
    untagged = {n: c.number for c in nb.cells if c.kind == "code" and not own & set(c.tags)
                for n in defined_names(clean(c)[0])}
    for section in layout.sections(course, chapter, files):
        rel = f"{chapter}/{section.file}"
        mine = [ex for ex in exercises if ex.file == section.file]
        module, used = _Module(section.doc), set()
        cell, problem = choose(rel, by_tag.get(rel, []), name)
        if cell is None:
            module.add(section.setup.splitlines(), gap=False)
            ext.note(mine[0].id, f"{problem}: graded with the module's imports and constants as handed out")
        else:
            code, origins, notes = cell_code(cell, nb, rel, None)
            module.add(code, origins, gap=False)
            used.add(cell.number)
            for text in ([problem + ": graded the last one"] if problem else []) + notes:
                ext.note(mine[0].id, text)
        for ex in mine:
            cell, problem = choose(ex.id, by_tag.get(ex.id, []), name)
            strays = [f"cell {untagged[n]} (not tagged) defines {n}" for n in ex.defines if n in untagged]
            if cell is None:
                stub = section.cells[ex.id].splitlines()
                module.add(stub, [(name, 0, ex.id, n) for n in range(1, len(stub) + 1)])
                ext.missing[ex.id] = f"{problem}; " + (f"{', '.join(strays)}: tag it {ex.id} to have it graded"
                                                       if strays else "its stub was graded in its place")
                continue
            if cell.number not in used:   # a cell tagged with several exercises goes in once
                code, origins, notes = cell_code(cell, nb, ex.id, ex.defines)
                module.add(code, origins)
                used.add(cell.number)
                for text in notes:
                    ext.note(ex.id, text)
            if problem:
                ext.blocked[ex.id] = problem
            for stray in strays:
                ext.note(ex.id, f"{name}, {stray}; grading uses cell {cell.number}, tagged {ex.id}")
        module.add(section.script.splitlines())
        (ext.tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (ext.tree / rel).write_text("\n".join(module.lines) + "\n", encoding="utf-8")
        ext.origins[rel] = module.origins
        ext.defined[rel] = defined_names(module.lines)
        ext.modules.update({ex.id: rel for ex in mine})


def grade_notebooks(course: Course, target: Path, exercises: list, **options) -> RunResult:
    """Grade `exercises` of the notebook (or folder of notebooks) `target`: the results told in terms of the
    notebooks, with what concerns the notebooks as a whole in `notes`. Raises NotebookError for an
    unreadable notebook or one of another chapter than asked."""
    target = Path(target)
    if not target.exists():
        raise NotebookError(f"{target} does not exist")
    with tempfile.TemporaryDirectory(prefix="grade-notebook-") as tmp:
        ext = notebook_to_tree(target, course, Path(tmp))
        asked = list(dict.fromkeys(ex.chapter for ex in exercises))
        if target.is_file():
            own = next(c for c, p in ext.notebooks.items() if p == target)
            if own not in asked:
                raise NotebookError(f"{target.name} is the notebook of {own}: grade it with "
                                    f"`grade {own} --target {target}`")
        for chapter in asked:
            if chapter not in ext.notebooks and target.is_dir():
                ext.note("", f"no notebook for {chapter} in {target}: graded exercises/{chapter}")
        run = grade(course, ext.tree, exercises, **options)
    run.notes = ext.notes.get("", [])
    return ext.apply(run, str(target))


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
    code = layout.from_notebook("\n".join(lines), nb.chapter).split("\n") if lines else []
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
