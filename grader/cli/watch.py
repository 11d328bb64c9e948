"""`grade watch`: a warm worker re-grades what each save touched, and one screen shows where you are.

The worker imports torch once and stays up; each save sends it the exercises whose file changed
and those that build on them, each run in a fresh child forked from the warm worker (so every
run starts from a fresh module state). A crash, an endless loop or an exit in the learner's
code ends that exercise's child, not the watch; a worker that died is started again.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..core.manifest import Course, Exercise
from ..core.points import fraction
from ..engine.runner import Worker
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
        return Update(changed, [ex.id for ex in exercises], run, run.duration_s)

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


def changes(target: Path, stop_event=None, step_ms: int = 20):
    """Lists of changed .py files under target, as saves happen (watchfiles, native file events)."""
    from watchfiles import PythonFilter, watch

    for batch in watch(target, watch_filter=PythonFilter(), step=step_ms, debounce=1600, stop_event=stop_event,
                       raise_interrupt=True):
        yield [Path(path) for _, path in batch]


def render_update(update: Update, console, clear: bool) -> None:
    """One screen: what was re-graded and how long it took, every watched exercise on one line,
    and the feedback of the re-graded ones that do not pass yet."""
    from rich.text import Text

    if clear:
        console.clear()
    run = update.run
    when = time.strftime("%H:%M:%S")
    what = f"saved {', '.join(update.changed)}: " if update.changed else ""
    console.print(Text(f"grade watch · {run.target} · {when} · {what}{len(update.graded)} re-graded in "
                       f"{update.seconds:.2f} s", style="dim"))
    render_rows(run.exercises, console, marks=True, max_lines=12,
                feedback=lambda ex: ex.feedback if ex.id in focus(update) else "")
    done = sum(e.status == "passed" for e in run.exercises)
    console.print(f"[bold]Total {fraction(run.score, run.max_score)}[/bold] · {done}/{len(run.exercises)} passed"
                  " · save a file to re-grade, Ctrl-C to stop", highlight=False)


def focus(update: Update, most: int = 3) -> set[str]:
    """The exercises whose feedback one screen shows: the re-graded ones that fail (at most `most`),
    else the first one not passed yet."""
    broken = [e.id for e in update.run.exercises if e.id in update.graded and e.status not in ("passed", "not_implemented")]
    if broken:
        return set(broken[:most])
    todo = next((e.id for e in update.run.exercises if e.status != "passed"), None)
    return {todo} if todo else set()


def watch_loop(watcher: Watcher, console, clear: bool, stop_event=None, on_update=None) -> None:
    """Grade once, then re-grade after every save until Ctrl-C (or stop_event)."""
    update = watcher.start()
    render_update(update, console, clear)
    if on_update:
        on_update(update)
    try:
        for paths in changes(watcher.target, stop_event):
            update = watcher.on_changes(paths)
            if update is not None:
                render_update(update, console, clear)
                if on_update:
                    on_update(update)
    finally:
        watcher.close()
