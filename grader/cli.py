"""The `grade` command: thin click commands that parse, call one function and render."""
from __future__ import annotations

import enum
import sys
from pathlib import Path

import click

from . import manifest


class Exit(enum.IntEnum):
    FULL_MARKS = 0
    POINTS_LOST = 1
    USAGE = 2


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape
    return rich_escape(text)


class LazyConsole:
    """rich loads only once something is printed, after the worker has started; each use sees the
    terminal (and COLUMNS) as it is now."""

    def __getattr__(self, name):
        from rich.console import Console
        return getattr(Console(highlight=False), name)


console = LazyConsole()


class DefaultGroup(click.Group):
    """`grade ch02` means `grade run ch02`; a bare `grade` shows progress over all chapters."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["run", *args]
        elif not args:
            args = ["progress"]
        return super().parse_args(ctx, args)


def warm_up_reporting() -> None:
    """Import the reporters in the background while the worker imports torch (~0.1 s saved)."""
    import threading
    threading.Thread(target=__import__, args=("grader.report",), daemon=True).start()


def load_course() -> manifest.Course:
    try:
        return manifest.load()
    except manifest.ManifestError as exc:
        raise click.UsageError(str(exc)) from None


def maintainers_course() -> manifest.Course:
    """The course, for the commands that work from its solutions (check, sync, release)."""
    course = load_course()
    if not course.solutions.is_dir():
        raise click.UsageError("this copy of the course has no solutions/ (a learner's copy): this command is "
                               "for the course's own repository")
    return course


def pick_target(course, solutions: bool, target: str | None) -> Path:
    if solutions and target:
        raise click.UsageError("use either --solutions or --target, not both")
    if solutions:
        if not course.solutions.is_dir():
            raise click.UsageError("this copy of the course has no solutions/ folder")
        return course.solutions
    path = Path(target) if target else course.stubs
    if not path.is_dir():
        raise click.UsageError(f"{path} is not a folder")
    return path


def is_notebook_folder(target: str) -> bool:
    """A folder of notebooks: .ipynb files in it, and no chapter folders."""
    path = Path(target)
    return path.is_dir() and any(path.glob("*.ipynb")) and not any(p.is_dir() for p in path.glob("ch[0-9][0-9]"))


def is_notebook_target(target: str | None) -> bool:
    return bool(target) and (Path(target).suffix == ".ipynb" or is_notebook_folder(target))


def grade_notebook_target(course, target: Path, exercises):
    """Grade a notebook or a folder of notebooks (an unreadable one is a usage error, said in one sentence)."""
    from .nbtree import grade_notebooks
    from .notebooks import NotebookError
    try:
        return grade_notebooks(course, target, exercises)
    except NotebookError as exc:
        raise click.UsageError(str(exc)) from None


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="llm-from-scratch-course")
def main():
    """Grade your exercises for Build a Large Language Model (From Scratch).

    \b
      grade ch02              grade chapter 2 (your code in exercises/ch02)
      grade ch02 ch03 -v      several chapters, every check shown
      grade                   progress over all chapters
      grade hint split_text   a hint for one exercise
    """


@main.command("run")
@click.argument("chapters", nargs=-1, required=True)
@click.option("--solutions", is_flag=True, help="Grade the reference solutions instead of exercises/.")
@click.option("--target", metavar="PATH", help="Grade another course-shaped folder (PATH/ch02/...), a notebook "
              "(PATH.ipynb) or a folder of notebooks.")
@click.option("--json", "json_path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the results as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="Show every check, not just the first problem.")
def run_cmd(chapters, solutions, target, json_path, verbose):
    """Grade CHAPTERS (ch02, ch02.split_text, or all)."""
    from .grading import grade
    course = load_course()
    try:
        exercises = course.select(list(chapters))
    except KeyError as exc:
        known = ", ".join(c.id for c in course.chapters)
        raise click.UsageError(f"unknown chapter or exercise {exc}; chapters: {known}, or all") from None
    warm_up_reporting()
    if not solutions and is_notebook_target(target):
        run = grade_notebook_target(course, Path(target), exercises)
    else:
        run = grade(course, pick_target(course, solutions, target), exercises)
    from .report import render_run, write_json
    render_run(run, console, verbose)
    if json_path:
        write_json(run, json_path)
    sys.exit(Exit.FULL_MARKS if run.score >= run.max_score else Exit.POINTS_LOST)


@main.command("watch")
@click.argument("chapters", nargs=-1)
@click.option("--target", metavar="PATH", help="Watch another course-shaped folder instead of exercises/.")
def watch_cmd(chapters, target):
    """Re-grade as you save: CHAPTERS (default all), each save re-grading what it touched.

    torch is imported once; each save re-runs only the exercises of the saved file and those that
    build on them, in fresh processes. Ctrl-C stops."""
    from .watch import Watcher, watch_loop
    course = load_course()
    try:
        exercises = course.select(list(chapters))
    except KeyError as exc:
        raise click.UsageError(f"unknown chapter or exercise {exc}") from None
    if is_notebook_target(target):
        raise click.UsageError("grade watch follows .py files; grade a notebook with its last cell, "
                               f"grade_notebook(), or `grade CHAPTER --target {target}`")
    watcher = Watcher(course, pick_target(course, False, target), exercises)
    try:
        watch_loop(watcher, console, clear=sys.stdout.isatty())
    except KeyboardInterrupt:
        console.print("\nStopped watching.")


@main.command("progress", hidden=True)
def progress_cmd():
    """Progress over every chapter (what a bare `grade` does)."""
    from .grading import grade
    course = load_course()
    warm_up_reporting()
    run = grade(course, course.stubs, list(course.exercises))
    from .report import render_progress
    render_progress(course, run, console)
    sys.exit(Exit.FULL_MARKS if run.score >= run.max_score else Exit.POINTS_LOST)


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


@main.command("hint")
@click.argument("exercise")
@click.option("--more", is_flag=True, help="Show the next tier (what asking again does).")
@click.option("--tier", type=int, metavar="N", help="Show tier N only, without counting it as seen.")
def hint_cmd(exercise, more, tier):
    """Hints for EXERCISE (e.g. ch02.split_text or split_text), one tier at a time.

    The first time you ask you get the idea; each time you ask again, the next tier (the formula
    or the steps); only the last tier shows code."""
    from . import state
    course = load_course()
    try:
        ex = course.exercise(exercise)
    except KeyError:
        names = ", ".join(e.id for e in course.exercises)
        raise click.UsageError(f"no exercise {exercise!r}; exercises: {names}") from None
    total = len(ex.hints)
    if tier is not None and not 1 <= tier <= total:
        raise click.UsageError(f"{ex.id} has hint tiers 1 to {total}")
    stub = ex.source(course.stubs).relative_to(course.root)
    points = f"{ex.points:g} point{'' if ex.points == 1 else 's'}"
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
                      f"{' (with code)' if last + 1 == total else ''}.[/dim]")


@main.command("reset")
@click.argument("exercise")
@click.option("--whole-file", is_flag=True, help="Restore the exercise's whole file, not just its definitions.")
@click.option("--target", metavar="PATH", help="A course-shaped folder other than exercises/.")
def reset_cmd(exercise, whole_file, target):
    """Put EXERCISE's stub back (its functions and classes), keeping a backup of your file.

    Other exercises in the same file keep your code. The backup goes to .grade/backups/."""
    from .sources import SourceError, reset
    course = load_course()
    try:
        ex = course.exercise(exercise)
    except KeyError:
        raise click.UsageError(f"no exercise {exercise!r}; `grade list` shows them all") from None
    try:
        path, backup = reset(course, ex, pick_target(course, False, target), whole_file)
    except SourceError as exc:
        raise click.UsageError(str(exc)) from None
    what = "the whole file" if whole_file else ", ".join(ex.defines) or "the file"
    console.print(f"Reset {ex.id}: {what} in {path} as handed out.", markup=False, highlight=False)
    if backup:
        console.print(f"Your version is kept in {backup}", markup=False, highlight=False)


@main.command("doctor")
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
    console.print("[green]All set.[/green]" + (f" ({warnings} warning(s): grading works, with less)" if warnings else ""))


@main.command("list")
def list_cmd():
    """List every exercise of the course with its file and points."""
    course = load_course()
    for chapter in course.chapters:
        console.print(f"[bold]{chapter.id}[/bold] {escape(chapter.title)} ({chapter.points:g} points)")
        for ex in chapter.exercises:
            console.print(f"  {ex.id:<34} §{ex.book:<5} {ex.points:>3g} pt  exercises/{ex.chapter}/{ex.file}")


class DemoGroup(click.Group):
    """The chapters' demos, found in grader/demos/ (one module each), loaded only when run."""

    def list_commands(self, ctx):
        from .demos import names
        return names()

    def get_command(self, ctx, name):
        from .demos import command
        return command(name)


@main.group("demo", cls=DemoGroup)
def demo_group():
    """Run a chapter's demo on your own code (e.g. `grade demo ch05` trains your GPT)."""


from . import cli_course  # noqa: E402,F401 - registers check, sync, release and bulk on `main`


def entry() -> None:
    try:
        main(standalone_mode=True)
    except Exception as exc:  # noqa: BLE001 - an internal error exits 2 with a short message
        console.print(f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))}")
        sys.exit(Exit.USAGE)


if __name__ == "__main__":
    # Run as `python -m grader.cli`, this file is `__main__`, and cli_course registered its commands on
    # the group of the module `grader.cli` it imported: start that one, so every command is there.
    from grader.cli import entry as _entry

    _entry()
