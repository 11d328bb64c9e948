"""`grade watch`: a warm worker re-grades what each save touched, and one screen shows where you are.

The worker imports torch once and stays up; each save sends it the exercises whose file changed
and those that build on them, each run in a fresh child forked from the warm worker (so every
run starts from a fresh module state). A crash, an endless loop or an exit in the learner's
code ends that exercise's child, not the watch; a worker that died is started again.
"""
from __future__ import annotations

import time
import shutil
import tempfile
import textwrap
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..core.manifest import Course, Exercise
from ..core.points import fraction
from ..engine.runner import Worker
from ..notebooks import extract
from ..notebooks.layout import NotebookError
from ..scoring.grading import (
    blame_dependencies,
    display_path,
    score_jobs,
    with_dependencies,
)
from ..scoring.report import render_rows
from ..scoring.results import ExerciseResult, RunResult


@dataclass
class Update:
    """One re-grade: what triggered it, what was graded, and the state of every watched exercise."""

    changed: list[str]
    graded: list[str]
    run: RunResult
    seconds: float
    titles: dict[str, str] = field(default_factory=dict)  # chapter id -> title


class Watcher:
    def __init__(self, course: Course, target: Path, exercises: list[Exercise], parallel: int | None = None,
                 limits: dict | None = None):
        self.course, self.target, self.limits = course, Path(target), limits
        self.exercises = exercises
        self.graded = with_dependencies(course, exercises)  # dependencies are graded too, for blame
        self.parallel = parallel
        self.latest: dict[str, ExerciseResult] = {}
        self.worker: Worker | None = None

    def start(self) -> Update:
        """Start the warm worker and grade everything watched once."""
        self._ensure_worker()
        return self.regrade(self.graded, [])

    def _ensure_worker(self) -> Worker:
        if self.worker is None or not self.worker.alive:
            if self.worker is not None:
                self.worker.close()
            self.worker = Worker([], self.course, parallel=self.parallel, limits=self.limits, keep_open=True,
                                 targets=[self.target], preload=self.graded)
        return self.worker

    def affected(self, changed: list[Path]) -> list[Exercise]:
        """The watched exercises whose file is among `changed`, and those that build on them."""
        hit = set()
        for path in changed:
            try:
                rel = Path(path).resolve().relative_to(self.target.resolve()).as_posix()
            except ValueError:
                continue
            hit |= {ex.id for ex in self.graded if f"{ex.chapter}/{ex.file}" == rel}
        grew = True
        while grew:
            more = {ex.id for ex in self.graded if hit & set(ex.depends)} - hit
            hit |= more
            grew = bool(more)
        return [ex for ex in self.graded if ex.id in hit]

    def regrade(self, exercises: list[Exercise], changed: list[str]) -> Update:
        start = time.perf_counter()
        jobs = self._ensure_worker().submit([(self.target, ex) for ex in exercises])
        for job in jobs:
            job.wait()
        (fresh,) = score_jobs(self.course, [{ex.id: job for ex, job in zip(exercises, jobs)}])
        self.latest.update(fresh)
        for ex in self.graded:
            if ex.id in fresh:
                blame_dependencies(ex, self.latest)
        run = RunResult(display_path(self.target, self.course.root),
                        [self.latest[ex.id] for ex in self.exercises if ex.id in self.latest],
                        time.perf_counter() - start, list(self.worker.info.get("limits", [])))
        return Update(changed, [ex.id for ex in exercises], run, run.duration_s,
                      {c.id: c.title for c in self.course.chapters})

    def on_changes(self, paths: list[Path]) -> Update | None:
        exercises = self.affected(paths)
        if not exercises:
            return None
        rel = sorted({display_path(Path(p), self.target) for p in paths})
        return self.regrade(exercises, rel)

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    @property
    def watched(self) -> tuple[Path, tuple[str, ...]]:
        """The folder whose saves matter, and the file endings that do."""
        return self.target, (".py",)


class NotebookWatcher(Watcher):
    """`grade watch --target NOTEBOOK`: each save of the notebook turns its tagged cells into the chapter's
    modules again (grader/notebooks/extract.py), in a tree of its own that the warm worker grades; the
    feedback points at the notebook's cells."""

    def __init__(self, course: Course, notebook: Path, exercises: list[Exercise], **options):
        self.notebook = Path(notebook).resolve()
        self.home = Path(tempfile.mkdtemp(prefix="grade-watch-"))
        self.ext = extract.notebook_to_tree(self.notebook, course, self.home)
        super().__init__(course, self.ext.tree, exercises, **options)

    @property
    def watched(self) -> tuple[Path, tuple[str, ...]]:
        return self.notebook.parent, (".ipynb",)

    def regrade(self, exercises: list[Exercise], changed: list[str]) -> Update:
        update = super().regrade(exercises, changed)
        self.ext.apply(update.run, str(self.notebook))
        return update

    def on_changes(self, paths: list[Path]) -> Update | None:
        if not any(Path(p).suffix == ".ipynb" for p in paths):
            return None
        fresh = Path(tempfile.mkdtemp(prefix="grade-watch-", dir=self.home))
        try:
            self.ext = extract.notebook_to_tree(self.notebook, self.course, fresh)
        except NotebookError as exc:  # saved half-way, or broken: say so and keep watching
            self.latest = {k: replace(v, feedback=f"{exc}") for k, v in self.latest.items()}
            return self.regrade([], [self.notebook.name])
        _mirror(self.ext.tree, self.target)   # the worker sees this tree through a bind: same folder, new files
        self.ext.tree = self.target
        shutil.rmtree(fresh, ignore_errors=True)
        return self.regrade(self.graded, [self.notebook.name])

    def close(self) -> None:
        super().close()
        shutil.rmtree(self.home, ignore_errors=True)


def _mirror(source: Path, dest: Path) -> None:
    """Make the folder `dest` hold exactly the files of `source`, changing files in place."""
    wanted = {p.relative_to(source) for p in source.rglob("*") if p.is_file()}
    for path in [p for p in dest.rglob("*") if p.is_file() and p.relative_to(dest) not in wanted]:
        path.unlink()
    for rel in wanted:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        data = (source / rel).read_bytes()
        if not (dest / rel).is_file() or (dest / rel).read_bytes() != data:
            (dest / rel).write_bytes(data)


def changes(target: Path, stop_event=None, step_ms: int = 20, suffixes: tuple[str, ...] = (".py",)):
    """Lists of changed files under target (ending in one of `suffixes`), as saves happen (watchfiles, native
    file events)."""
    from watchfiles import DefaultFilter, watch

    def wanted(change, path: str) -> bool:
        return DefaultFilter()(change, path) and path.endswith(suffixes)
    for batch in watch(target, watch_filter=wanted, step=step_ms, debounce=1600, stop_event=stop_event,
                       raise_interrupt=True):
        yield [Path(path) for _, path in batch]


def render_update(update: Update, console, clear: bool) -> None:
    """One screen that fits the terminal (80 x 40 and up): a header line, the chapter the save touched (or
    the first one not finished) with its exercises and the feedback of those that need it, one line on
    every other chapter, and the total. What does not fit the height is cut from the feedback, never from
    the saved chapter's rows."""
    from rich.text import Text

    if clear:
        console.clear()
    run, width = update.run, console.width
    chapter = focus_chapter(update)
    shown = [e for e in run.exercises if e.chapter == chapter]
    others = chapter_summary(run, exclude=chapter)
    when = time.strftime("%H:%M:%S")
    what = f"saved {', '.join(update.changed)} · " if update.changed else ""
    where = "" if run.target == "exercises" else f" · {run.target}"
    console.print(Text(fit(f"grade watch · {when} · {what}{len(update.graded)} graded in {update.seconds:.1f} s"
                           f"{where}", width), style="dim"))
    console.print(Text(fit(f"{chapter} · {update.titles.get(chapter, '')}".rstrip(" ·"), width), style="bold"))
    elsewhere = textwrap.wrap("elsewhere: " + others, width)[:2] if others else []
    if len(textwrap.wrap("elsewhere: " + others, width)) > 2:
        elsewhere[-1] = fit(elsewhere[-1] + " …", width)
    fixed = 2 + len(shown) + len(elsewhere) + 1  # header, heading, rows, the other chapters, the total
    room = max(3, (console.height or 40) - fixed - 1)
    wanted = focus(update)
    render_rows(shown, console, marks=True, max_lines=room,
                feedback=lambda ex: ex.feedback if ex.id in wanted else "")
    for line in elsewhere:
        console.print(Text(line, style="dim"))
    done = sum(e.status == "passed" for e in run.exercises)
    console.print(Text(fit(f"Total {fraction(run.score, run.max_score)} · {done}/{len(run.exercises)} passed · "
                           "save to re-grade, Ctrl-C stops", width), style="bold"))


def fit(text: str, width: int) -> str:
    """One line of at most `width` columns (ellipsis at the end when cut)."""
    return text if len(text) <= width else text[:max(0, width - 1)] + "…"


def focus_chapter(update: Update) -> str:
    """The chapter one screen shows: that of the first file saved, else the first one not passed yet."""
    exercises = update.run.exercises
    for rel in update.changed:
        chapter = rel.split("/", 1)[0]
        if any(e.chapter == chapter for e in exercises):
            return chapter
    graded = [e for e in exercises if e.id in update.graded and e.status != "passed"]
    todo = graded[0] if graded else next((e for e in exercises if e.status != "passed"), exercises[0])
    return todo.chapter


def chapter_summary(run: RunResult, exclude: str) -> str:
    """"ch02 15/15 ✓ · ch03 3/19 · ..." for every chapter but `exclude`, in course order."""
    parts = []
    for chapter in dict.fromkeys(e.chapter for e in run.exercises):
        if chapter == exclude:
            continue
        mine = [e for e in run.exercises if e.chapter == chapter]
        score, top = sum(e.score for e in mine), sum(e.max_score for e in mine)
        parts.append(f"{chapter} {fraction(score, top).replace(' ', '')}" + (" ✓" if score >= top else ""))
    return " · ".join(parts)


def focus(update: Update, most: int = 3) -> set[str]:
    """The exercises whose feedback one screen shows: the re-graded ones that fail (at most `most`),
    else the first one not passed yet."""
    broken = [e.id for e in update.run.exercises
              if e.id in update.graded and e.status not in ("passed", "not_implemented")]
    if broken:
        return set(broken[:most])
    todo = next((e.id for e in update.run.exercises if e.status != "passed" and e.chapter == focus_chapter(update)),
                None)
    return {todo} if todo else set()


def watch_loop(watcher: Watcher, console, clear: bool, stop_event=None, on_update=None) -> None:
    """Grade once, then re-grade after every save until Ctrl-C (or stop_event)."""
    update = watcher.start()
    render_update(update, console, clear)
    if on_update:
        on_update(update)
    try:
        folder, suffixes = watcher.watched
        for paths in changes(folder, stop_event, suffixes=suffixes):
            update = watcher.on_changes(paths)
            if update is not None:
                render_update(update, console, clear)
                if on_update:
                    on_update(update)
    finally:
        watcher.close()
