"""Inside a chapter notebook's kernel: import your other chapters (`use_course`), grade the notebook and see the table (`grade_notebook`), get a hint (`hint`).

`use_course("ch04")` mounts the package `exercises` as grading sees it: each other chapter from
its notebook in the notebook's folder when there is one, else from the course's exercises/
folder; and `exercises.ch04.<module>` means this notebook's own cells (what they define now), so
`from exercises.ch04.gpt import GELU` in a later cell works as `from .gpt import GELU` does in
the chapter's modules.
"""
from __future__ import annotations

import atexit
import html
import io
import importlib
import importlib.abc
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import types
from pathlib import Path

from rich.console import Console

from ..core import manifest, state
from ..core.manifest import PACKAGE
from ..engine.probe import mount
from ..scoring.report import render_html, render_run
from ..scoring.results import RunResult
from . import extract, reader
from .layout import NotebookError

_session: dict = {}


class NotebookHelperError(Exception):
    """What went wrong in use_course, grade_notebook or hint, told in one line: IPython shows an exception
    with `_render_traceback_` as those lines instead of a traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[31m{self}\x1b[0m"]  # one line, in red as Jupyter shows errors


class _Cells(types.ModuleType):
    """A module of this notebook's chapter: its attributes are what the notebook's cells define now."""

    def __init__(self, name: str, namespace: dict):
        super().__init__(name)
        self.__dict__["_namespace"] = namespace

    def __getattr__(self, name):
        try:
            return self._namespace[name]
        except KeyError:
            raise AttributeError(f"{name} is not defined in this notebook yet: run the cell that defines it "
                                 "first") from None


class _ThisNotebook(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, chapter: str, namespace: dict):
        self.prefix, self.namespace = f"{PACKAGE}.{chapter}.", namespace

    def find_spec(self, fullname, path=None, target=None):
        return importlib.util.spec_from_loader(fullname, self) if fullname.startswith(self.prefix) else None

    def create_module(self, spec):
        return _Cells(spec.name, self.namespace)

    def exec_module(self, module):
        pass


def use_course(chapter: str, folder: str | Path | None = None) -> None:
    """Make `exercises` importable in this kernel for the notebook of `chapter` (see the module doc).
    Run again after changing another chapter's notebook."""

    namespace = sys._getframe(1).f_globals
    folder = Path(folder or os.getcwd()).resolve()
    course = manifest.load(manifest.find_root(folder))
    if chapter not in {c.id for c in course.chapters}:
        raise NotebookHelperError(f"no chapter {chapter!r} in the course at {course.root}; its chapters: "
                                  + ", ".join(c.id for c in course.chapters))
    if _session.get("tree"):
        shutil.rmtree(_session["tree"], ignore_errors=True)
    tmp = tempfile.mkdtemp(prefix="course-notebook-")
    atexit.register(shutil.rmtree, tmp, True)
    ext = extract.build_tree(course, Path(tmp), folder, strict=False, skip={chapter})
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _ThisNotebook)]
    mount(ext.tree)
    sys.meta_path.insert(0, _ThisNotebook(chapter, namespace))
    importlib.import_module(f"{PACKAGE}.{chapter}")  # the chapter's __init__ (chapter 2's makes tiktoken offline)
    _session.update(chapter=chapter, folder=folder, root=course.root, tree=tmp)
    mine = ", ".join(f"{c} from {p.name}" for c, p in sorted(ext.notebooks.items()))
    print(f"exercises.{chapter}: this notebook's cells. Your other chapters: "
          + (f"{mine}; the rest" if mine else "all") + f" from {course.stubs}.")
    for note in ext.notes.get("", []):
        print(f"Note: {note}")


def _this_notebook(chapter: str, folder: Path) -> Path:
    """The notebook file of this kernel: as Jupyter or VS Code names it, else the one notebook of the
    chapter in the folder."""

    named = [os.environ.get("JPY_SESSION_NAME", ""), str(_user_namespace().get("__vsc_ipynb_file__", ""))]
    for name in named:
        for path in (Path(name), folder / Path(name).name):
            if name.endswith(".ipynb") and path.is_file():
                return path
    course = manifest.load(_session["root"])
    mine = []
    for path in sorted(folder.glob("*.ipynb")):
        try:
            if reader.read(path, course).chapter == chapter:
                mine.append(path)
        except NotebookError:
            continue
    exact = [p for p in mine if p.name == f"{chapter}.ipynb"]
    if len(mine) == 1 or exact:
        return (exact or mine)[0]
    if not mine:
        raise NotebookHelperError(f"no saved notebook for {chapter} in {folder}: save this notebook first")
    raise NotebookHelperError(f"{len(mine)} notebooks in {folder} are for {chapter} "
                              f"({', '.join(p.name for p in mine)}) and none is named {chapter}.ipynb: say which "
                              f'this is, e.g. grade_notebook(path="{mine[0].name}")')


def _user_namespace() -> dict:
    try:
        return get_ipython().user_ns  # noqa: F821 - defined inside IPython
    except NameError:
        return {}


def grade_notebook(*exercises: str, path: str | Path | None = None, verbose: bool = False) -> None:
    """Grade this notebook as last saved (all its exercises, or the ones named) and show the results;
    `verbose=True` shows every check of each exercise, as `grade -v` does."""
    if "chapter" not in _session:
        raise NotebookHelperError("run the notebook's first code cell (use_course) first")
    chapter, folder = _session["chapter"], _session["folder"]
    notebook = Path(path).resolve() if path else _this_notebook(chapter, folder)
    if not notebook.is_file():
        raise NotebookHelperError(f"{notebook} does not exist")
    refs = [e if "." in e else f"{chapter}.{e}" for e in exercises] or [chapter]
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        out = Path(tmp) / "results.json"
        done = subprocess.run([sys.executable, "-m", "grader.cli", *refs, "--target", str(notebook), "--json", str(out)],
                              cwd=_session["root"], capture_output=True, text=True)
        if not out.is_file():
            said = (done.stdout + done.stderr).strip().splitlines()
            raise NotebookHelperError(said[-1].removeprefix("Error: ") if said else
                                      f"grading stopped (exit {done.returncode})")
        run = RunResult.from_dict(json.loads(out.read_text(encoding="utf-8")))
    for ex in run.exercises:  # in a notebook, the way to see every check is this function's verbose form
        ex.feedback = MORE_CHECKS.sub(lambda m: f'grade_notebook("{m[1].split(".", 1)[1]}", verbose=True) shows all',
                                      ex.feedback)
    saved = f"Graded {notebook.name} as saved at {_mtime(notebook)} (save first to grade your latest changes)."
    show(run, saved, verbose)


MORE_CHECKS = re.compile(r"grade ([\w.]+) (?:--target \S+ )?-v shows all")


def show(run: RunResult, saved: str, verbose: bool) -> None:
    """The report in both forms a notebook keeps, HTML and plain text: JupyterLab and VS Code show the table,
    a text-only viewer (nbconvert to text, a terminal, GitHub's diff) the text."""
    text = io.StringIO()
    render_run(run, Console(file=text, width=88, force_terminal=False, force_jupyter=False, color_system=None,
                            highlight=False), verbose)
    plain = f"{saved}\n" + re.sub(r"`grade hint ([\w.]+)`", r'hint("\1")', text.getvalue())
    try:
        from IPython.display import display
    except ImportError:
        print(plain)
        return
    display({"text/plain": plain,
             "text/html": f"<p style='color:#6e7781'>{html.escape(saved)}</p>" + render_html(run, verbose)}, raw=True)


def _mtime(path: Path) -> str:
    import time
    return time.strftime("%H:%M:%S", time.localtime(path.stat().st_mtime))


def hint(exercise: str) -> None:
    """The next hint tier for an exercise of this notebook (e.g. hint("softmax_naive")), with those seen before."""

    root = _session.get("root") or manifest.find_root()
    course = manifest.load(root)
    chapter = _session.get("chapter")
    try:
        ex = course.exercise(exercise if "." in exercise or not chapter else f"{chapter}.{exercise}")
    except KeyError:
        mine = course.chapter(chapter).exercises if chapter else course.exercises
        raise NotebookHelperError(f"no exercise {exercise!r}; this chapter's: "
                                  + ", ".join(e.name for e in mine)) from None
    shown = state.reveal_hint(course.root, ex.id, len(ex.hints))
    print(f"{ex.id} — {ex.title} (book §{ex.book})")
    for n in range(1, shown + 1):
        print(f"\nHint {n} of {len(ex.hints)}\n" + "\n\n".join(" ".join(p.split()) for p in ex.hints[n - 1].split("\n\n")))
    if shown < len(ex.hints):
        print(f"\nAsk again for hint {shown + 1}" + (" (with code)." if shown + 1 == len(ex.hints) else "."))
    elif course.hints_withheld:
        print(f"\nThat was the last hint for {ex.id} in this copy of the course: the one with code is left out of it.")
    else:
        print(f"\nThat was the last hint for {ex.id} ({shown} of {len(ex.hints)}): there are no more.")
