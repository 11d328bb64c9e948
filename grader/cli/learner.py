"""The learner's commands: run, watch, progress, hint, reset, doctor, list and demo.

Each command imports the grader's packages it uses when it runs, not at the top: `grade ch02` starts the
worker (which imports torch) before the trusted side loads pytest, numpy, rich and nbformat, ~0.2 s that
would otherwise come first (measured with `python -X importtime`); the import-linter contract still sees them.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..core.points import count
from .app import (Exit, console, escape, grade_notebook_target, is_notebook_target, load_course, pick_target,
                  select, unknown_ref, warm_up_reporting)


@click.command("run", short_help="Grade chapters or exercises (grade ch02 is grade run ch02).")
@click.argument("chapters", nargs=-1, required=True)
@click.option("--solutions", is_flag=True, help="Grade the reference solutions instead of exercises/.")
@click.option("--target", metavar="PATH", help="Grade another course-shaped folder (PATH/ch02/...), a notebook "
              "(PATH.ipynb) or a folder of notebooks.")
@click.option("--json", "json_path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the results as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="Show every check, not just the first problem.")
def run_cmd(chapters, solutions, target, json_path, verbose):
    """Grade CHAPTERS (ch02, ch02.split_text, or all)."""
    from ..scoring.grading import grade
    course = load_course()
    exercises = select(course, list(chapters))
    warm_up_reporting()
    if not solutions and is_notebook_target(target):
        run = grade_notebook_target(course, Path(target), exercises)
    else:
        run = grade(course, pick_target(course, solutions, target), exercises)
    from ..scoring.report import render_run, write_json
    render_run(run, console, verbose)
    if json_path:
        write_json(run, json_path)
    sys.exit(Exit.FULL_MARKS if run.score >= run.max_score else Exit.POINTS_LOST)


@click.command("watch", short_help="Re-grade what each save touches, on one screen.")
@click.argument("chapters", nargs=-1)
@click.option("--target", metavar="PATH", help="Watch another course-shaped folder instead of exercises/, or a "
              "notebook (.ipynb).")
def watch_cmd(chapters, target):
    """Re-grade as you save: CHAPTERS (default all), each save re-grading what it touched.

    torch is imported once; each save re-runs only the exercises of the saved file and those that
    build on them, in fresh processes. Ctrl-C stops."""
    from .watch import Watcher, watch_loop
    course = load_course()
    exercises = select(course, list(chapters))
    if target and Path(target).suffix == ".ipynb":
        from ..notebooks.layout import NotebookError
        from .watch import NotebookWatcher
        try:
            chapter = reader_chapter(course, Path(target))
            exercises = [ex for ex in (exercises if chapters else course.chapter(chapter).exercises)
                         if ex.chapter == chapter] or list(course.chapter(chapter).exercises)
            watcher = NotebookWatcher(course, Path(target), exercises)
        except NotebookError as exc:
            raise click.UsageError(str(exc)) from None
    elif is_notebook_target(target):
        raise click.UsageError("grade watch follows one notebook at a time: `grade watch --target NOTEBOOK.ipynb`")
    else:
        watcher = Watcher(course, pick_target(course, False, target), exercises)
    try:
        watch_loop(watcher, console, clear=sys.stdout.isatty())
    except KeyboardInterrupt:
        console.print("\nStopped watching.")


@click.command("progress", hidden=True)
def progress_cmd():
    """Progress over every chapter (what a bare `grade` does): exercises unchanged since the last overview
    keep their results (grader/scoring/cache.py); only what changed is graded."""
    import time

    from ..scoring.cache import ResultCache
    from ..scoring.grading import grade
    from ..scoring.results import RunResult
    start = time.perf_counter()
    course = load_course()
    cache = ResultCache(course, course.stubs)
    reused, todo = cache.split(list(course.exercises))
    if todo:
        warm_up_reporting()
        fresh = grade(course, course.stubs, todo)
        cache.store(fresh)
        by_id = {**reused, **{e.id: e for e in fresh.exercises}}
        limits = fresh.limits
    else:
        by_id, limits = reused, []
    run = RunResult("exercises", [by_id[ex.id] for ex in course.exercises], time.perf_counter() - start, limits)
    from ..scoring.report import render_progress
    render_progress(course, run, console, reused=len(reused))
    sys.exit(Exit.FULL_MARKS if run.score >= run.max_score else Exit.POINTS_LOST)


def reader_chapter(course, notebook: Path) -> str:
    """The chapter a notebook is for (its tags), or NotebookError saying why it cannot be read."""
    from ..notebooks import reader
    return reader.read(notebook, course).chapter


def hint_paragraphs(text: str) -> list[str]:
    """Prose paragraphs reflowed to the screen; a paragraph whose lines are indented (code) kept as written."""
    import textwrap
    paragraphs = []
    for part in text.split("\n\n"):
        lines = part.strip("\n").splitlines()
        if any(line.startswith("    ") for line in lines):
            paragraphs.append(textwrap.dedent("\n".join(lines)))
        else:
            paragraphs.append(" ".join(part.split()))
    return paragraphs


@click.command("hint", short_help="The next hint for an exercise (code only in the last).")
@click.argument("exercise")
@click.option("--more", is_flag=True, help="Show the next tier (what asking again does).")
@click.option("--tier", type=int, metavar="N", help="Show tier N only, without counting it as seen.")
def hint_cmd(exercise, more, tier):
    """Hints for EXERCISE (e.g. ch02.split_text or split_text), one tier at a time.

    The first time you ask you get the idea; each time you ask again, the next tier (the formula
    or the steps); only the last tier shows code."""
    from ..core import state
    course = load_course()
    try:
        ex = course.exercise(exercise)
    except KeyError:
        raise unknown_ref(course, exercise, exercises_only=True) from None
    total = len(ex.hints)
    if tier is not None and not 1 <= tier <= total:
        raise click.UsageError(f"{ex.id} has hint tiers 1 to {total}")
    stub = ex.source(course.stubs).relative_to(course.root)
    points = count(ex.points)
    console.print(f"[bold]{ex.id}[/bold] — {escape(ex.title)} (book §{ex.book}, {points})")
    console.print(f"File: {stub}", markup=False)
    if ex.depends:
        console.print(f"Builds on: {', '.join(ex.depends)}", markup=False)
    shown = [tier] if tier else range(1, state.reveal_hint(course.root, ex.id, total) + 1)
    for n in shown:
        console.print(f"\n[bold]Hint {n} of {total}[/bold]")
        console.print("\n\n".join(hint_paragraphs(ex.hints[n - 1])), markup=False)
    last = max(shown)
    if last < total and not tier:
        console.print(f"\n[dim]Stuck still? `grade hint {ex.id}` again shows hint {last + 1}"
                      f"{' (with code)' if last + 1 == total and not course.hints_withheld else ''}.[/dim]")
    elif not tier and course.hints_withheld:
        console.print(f"\n[dim]That was the last hint for {ex.id} in this copy of the course: the one with code is "
                      "left out of it (ask your instructor, or read the book's section again). "
                      f"`grade hint {ex.id} --tier N` shows one of these again.[/dim]")
    elif not tier:
        console.print(f"\n[dim]That was the last hint for {ex.id} ({total} of {total}): there are no more. "
                      f"`grade hint {ex.id} --tier N` shows one of them again.[/dim]")


@click.command("reset", short_help="Put an exercise's stub back; your file is backed up.")
@click.argument("exercise")
@click.option("--whole-file", is_flag=True, help="Restore the exercise's whole file, not just its definitions.")
@click.option("--target", metavar="PATH", help="A course-shaped folder other than exercises/, or a notebook (.ipynb).")
def reset_cmd(exercise, whole_file, target):
    """Put EXERCISE's stub back (its functions and classes, or its notebook cell), keeping a backup.

    Other exercises in the same file keep your code. The backup goes to .grade/backups/."""
    from ..core.sources import SourceError, reset
    course = load_course()
    try:
        ex = course.exercise(exercise)
    except KeyError:
        raise unknown_ref(course, exercise, exercises_only=True) from None
    try:
        if target and Path(target).suffix == ".ipynb":
            from ..notebooks import edit
            from ..notebooks.layout import NotebookError
            try:
                path, backup = edit.reset(course, ex, Path(target), whole_file)
            except NotebookError as exc:
                raise click.UsageError(str(exc)) from None
        else:
            path, backup = reset(course, ex, pick_target(course, False, target), whole_file)
    except SourceError as exc:
        raise click.UsageError(str(exc)) from None
    what = "the whole file" if whole_file else ", ".join(ex.defines) or "the file"
    console.print(f"Reset {ex.id}: {what} in {path} as handed out.", markup=False, highlight=False)
    if backup:
        console.print(f"Your version is kept in {backup}", markup=False, highlight=False)


@click.command("doctor", short_help="Check Python, torch, the tokenizer, containment, offline.")
def doctor_cmd():
    """Check that everything grading needs is in place (offline): Python, torch, the tokenizer and
    data caches, what containment this OS gives, and your exercises/ folder."""
    from .doctor import PROBLEM, WARN, diagnose
    course = load_course()
    findings = diagnose(course)
    marks = {"ok": "[green]✓[/green]", WARN: "[yellow]![/yellow]", PROBLEM: "[red]✗[/red]"}
    for f in findings:
        console.print(f"{marks[f.status]} {escape(f.what)}")
        if f.fix:
            console.print(f"    fix: {escape(f.fix)}")
    problems = sum(f.status == PROBLEM for f in findings)
    warnings = sum(f.status == WARN for f in findings)
    if problems:
        console.print(f"[red]{problems} problem(s)[/red] to fix before grading; run `grade doctor` again after.")
        sys.exit(Exit.POINTS_LOST)
    less = f" ({warnings} warning(s): grading works, with less)" if warnings else ""
    console.print("[green]All set.[/green]" + less)


@click.command("list", short_help="Every exercise with its book section, points and file.")
def list_cmd():
    """List every exercise of the course with its book section, points and file (under exercises/CHAPTER/)."""
    from ..scoring.report import book_label
    course = load_course()
    ids = max(len(ex.name) for ex in course.exercises)
    book = 14   # "§3.6.2 ex. 3.3"; a longer label (a bonus notebook's section) is cut
    console.print(f"[dim]  {'exercise':<{ids}} pts {'book':<{book}} file (in exercises/CHAPTER/)[/dim]")
    for chapter in course.chapters:
        console.print(f"[bold]{chapter.id}[/bold] {escape(chapter.title)} ({count(chapter.points)})")
        for ex in chapter.exercises:
            label = book_label(ex.book)
            label = label if len(label) <= book else label[:book - 1] + "…"
            console.print(f"  {ex.name:<{ids}} {ex.points:>3g} {label:<{book}} {ex.file}",
                          markup=False, overflow="ellipsis", no_wrap=True)


class DemoGroup(click.Group):
    """The chapters' demos, found in grader/demos/ (one module each), loaded only when run."""

    def list_commands(self, ctx):
        from ..demos import names
        return names()

    def get_command(self, ctx, name):
        from ..demos import command
        return command(name)


@click.group("demo", cls=DemoGroup, short_help="Run a chapter's demo on your own code (grade demo ch05).")
def demo_group():
    """Run a chapter's demo on your own code (e.g. `grade demo ch05` trains your GPT)."""


COMMANDS = (run_cmd, watch_cmd, progress_cmd, hint_cmd, reset_cmd, doctor_cmd, list_cmd, demo_group)
