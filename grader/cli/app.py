"""The `grade` command's one click group and what its commands share: exit codes, the console, the target."""
from __future__ import annotations

import difflib
import enum
import re
import sys
from pathlib import Path

import click

from ..core import manifest


class Exit(enum.IntEnum):
    FULL_MARKS = 0
    POINTS_LOST = 1
    USAGE = 2


class Refusal(click.ClickException):
    """A command refused: one message that says what is wrong and what to type instead (exit 2), without
    the usage text of a command the learner may never have typed (`grade ch2` runs `grade run ch2`)."""

    exit_code = Exit.USAGE


def suggestions(word: str, choices: dict[str, str]) -> list[str]:
    """What a mistyped `word` most likely meant (ch2 -> ch02, splittext -> ch02.split_text), best first;
    `choices` maps each spelling accepted (an id, an exercise's short name) to what it stands for."""
    padded = re.sub(r"^ch(\d)$", r"ch0\1", word)
    by_lower = {k.lower(): v for k, v in choices.items()}
    exact = [by_lower[w] for w in (padded.lower(), word.lower()) if w in by_lower]
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=5, cutoff=0.6)
    return list(dict.fromkeys(exact or [by_lower[c] for c in close]))[:3]


def unknown_ref(course, ref: str, exercises_only: bool = False) -> Refusal:
    """The refusal for a chapter or exercise the course does not have, with the nearest ones."""
    choices = {e.id: e.id for e in course.exercises} | {e.name: e.id for e in course.exercises}
    if not exercises_only:
        choices |= {c.id: c.id for c in course.chapters}
    near = suggestions(ref, choices)
    what = "exercise" if exercises_only else "chapter or exercise"
    if near:
        return Refusal(f"no {what} {ref!r}; did you mean {' or '.join(near)}?")
    listing = "`grade list` shows every exercise" if exercises_only else \
        f"chapters: {', '.join(c.id for c in course.chapters)} (or all); `grade list` shows every exercise"
    return Refusal(f"no {what} {ref!r}; {listing}")


def select(course, refs: list[str]):
    """course.select(refs), or a Refusal naming the first unknown one with what was probably meant."""
    for ref in refs:
        if ref != "all" and not any(c.id == ref for c in course.chapters):
            try:
                course.exercise(ref)
            except KeyError:
                raise unknown_ref(course, ref) from None
    return course.select(refs)


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
    threading.Thread(target=__import__, args=("grader.scoring.report",), daemon=True).start()


def load_course() -> manifest.Course:
    try:
        return manifest.load()
    except manifest.ManifestError as exc:
        raise click.UsageError(str(exc)) from None


def maintainers_course() -> manifest.Course:
    """The course, for the commands that work from its solutions (check, sync, release)."""
    course = load_course()
    if not course.solutions.is_dir():
        raise Refusal("this copy of the course has no solutions/ (a learner's copy): check, sync and release run "
                      "in the course's own repository; here, `grade CHAPTER` grades your code")
    return course


def pick_target(course, solutions: bool, target: str | None) -> Path:
    if solutions and target:
        raise Refusal("use either --solutions or --target, not both")
    if solutions:
        if not course.solutions.is_dir():
            raise Refusal("this copy of the course has no reference solutions (a learner's copy): grade your own code "
                          "with `grade CHAPTER`, or another folder with --target PATH")
        return course.solutions
    path = Path(target) if target else course.stubs
    if not path.is_dir():
        if path.suffix.lower() == ".zip":
            raise Refusal(f"{path} is a zip: unpack it and give the folder to --target (`grade bulk` reads zips as "
                          "they are)")
        raise Refusal(f"{path} is not a folder: --target takes a course-shaped folder (PATH/ch02/...), a notebook "
                      "(.ipynb) or a folder of notebooks" if target else
                      f"{path} is not a folder: the course's exercises/ is missing (`grade doctor` says how to get it "
                      "back)")
    return path


def is_notebook_folder(target: str) -> bool:
    """A folder of notebooks: .ipynb files in it, and no chapter folders."""
    path = Path(target)
    chapters = {c.id for c in load_course().chapters}
    return path.is_dir() and any(path.glob("*.ipynb")) and not any((path / c).is_dir() for c in chapters)


def is_notebook_target(target: str | None) -> bool:
    return bool(target) and (Path(target).suffix == ".ipynb" or is_notebook_folder(target))


def grade_notebook_target(course, target: Path, exercises):
    """Grade a notebook or a folder of notebooks (an unreadable one is a usage error, said in one sentence)."""
    from ..notebooks.extract import grade_notebooks
    from ..notebooks.layout import NotebookError
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


def entry() -> None:
    try:
        main(standalone_mode=True)
    except Exception as exc:  # noqa: BLE001 - an internal error exits 2 with a short message
        console.print(f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))}")
        sys.exit(Exit.USAGE)
