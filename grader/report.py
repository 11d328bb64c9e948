"""Reporters: render a RunResult for a terminal (rich) or as files. They never decide a score."""
from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .manifest import Course
from .results import RunResult

STATUS_STYLE = {
    "passed": ("passed", "green"), "failed": ("failed", "red"), "not_implemented": ("not implemented", "yellow"),
    "error": ("error", "red"), "timeout": ("timeout", "magenta"), "memory": ("memory", "magenta"),
    "skipped": ("skipped", "dim"),
}


CONTROL = {c: "\N{REPLACEMENT CHARACTER}" for c in [*range(0, 9), *range(11, 32), 127]}


def printable(text: str) -> str:
    """Learner-controlled text (messages, printed output) without control characters, so it
    cannot clear or recolour the terminal."""
    return text.translate(CONTROL)


def fmt_points(score: float, max_score: float) -> str:
    return f"{score:.3g} / {max_score:g}" if score % 1 else f"{score:g} / {max_score:g}"


def status_text(status: str) -> Text:
    label, style = STATUS_STYLE.get(status, (status, ""))
    return Text(label, style=style)


def render_run(run: RunResult, console: Console, verbose: bool = False) -> None:
    chapters = sorted({e.chapter for e in run.exercises}, key=[e.chapter for e in run.exercises].index)
    for chapter in chapters:
        table = Table(title=f"{chapter} · {run.target}", title_justify="left", show_lines=True, expand=False)
        table.add_column("Exercise", no_wrap=True)
        table.add_column("Points", justify="right", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        table.add_column("Feedback", overflow="fold")
        for ex in (e for e in run.exercises if e.chapter == chapter):
            name = Text(ex.id.split(".", 1)[1]) + Text(f" §{ex.book}", style="dim")
            feedback = ex.feedback
            if verbose:
                feedback = "\n".join(
                    f"{'✓' if c.passed else '✗'} {c.name} ({fmt_points(c.points, c.max_points)})"
                    + (f": {c.feedback}" if c.feedback and not c.passed else "") for c in ex.checks)
                if ex.output:
                    feedback += f"\nyour code printed:\n{ex.output[:400]}"
            table.add_row(name, fmt_points(ex.score, ex.max_score), status_text(ex.status), Text(printable(feedback)))
        console.print(table)
    done = sum(e.status == "passed" for e in run.exercises)
    console.print(f"[bold]Total {fmt_points(run.score, run.max_score)}[/bold] · {done}/{len(run.exercises)} "
                  f"exercises passed · {run.duration_s:.1f} s")
    todo = next((e for e in run.exercises if e.status != "passed"), None)
    if todo:
        console.print(f"Next: [bold]{todo.id}[/bold] — `grade hint {todo.id}` for a hint.", highlight=False)


def render_progress(course: Course, run: RunResult, console: Console) -> None:
    """`grade` with no chapter: one line per chapter of the manifest."""
    table = Table(title="Progress", title_justify="left")
    for col, kw in (("Chapter", {}), ("Title", {}), ("Exercises passed", {"justify": "right"}),
                    ("Points", {"justify": "right"})):
        table.add_column(col, **kw)
    for chapter in course.chapters:
        results = [e for e in run.exercises if e.chapter == chapter.id]
        passed = sum(e.status == "passed" for e in results)
        score = sum(e.score for e in results)
        style = "green" if passed == len(results) else ("yellow" if score else "")
        table.add_row(chapter.id, chapter.title, f"{passed} / {len(results)}",
                      Text(fmt_points(score, chapter.points), style=style))
    console.print(table)
    console.print(f"[bold]Total {fmt_points(run.score, run.max_score)}[/bold] · {run.duration_s:.1f} s")
    todo = next((e for e in run.exercises if e.status != "passed"), None)
    if todo:
        console.print(f"Next: [bold]{todo.id}[/bold] ({todo.title}) — run `grade {todo.chapter}` "
                      f"to see what to fix, `grade hint {todo.id}` for a hint.", highlight=False)


def write_json(run: RunResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(run.to_json() + "\n", encoding="utf-8")
    tmp.replace(path)
