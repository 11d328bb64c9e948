"""Reporters: render a RunResult for a terminal (rich) or as files. They never decide a score."""
from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..core.files import atomic_write
from ..core.manifest import Course
from ..core.points import fraction
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


def status_label(ex) -> tuple[str, str]:
    """(label, style) of an exercise's status; a pass with hidden checks still to run is a public pass."""
    if ex.status == "passed" and ex.hidden_checks:
        return "passed (public)", "green"
    return STATUS_STYLE.get(ex.status, (ex.status, ""))


def status_text(ex) -> Text:
    label, style = status_label(ex)
    return Text(label, style=style)


WIDE = 100  # from this width on, the table; below it, each exercise's feedback on rows of its own


def book_label(book: str) -> str:
    """"3.6.2 (exercise 3.3)" -> "§3.6.2 ex. 3.3": short enough for a narrow column."""
    section, _, rest = book.partition(" (exercise ")
    return f"§{section}" + (f" ex. {rest.rstrip(')')}" if rest else "")


def exercise_label(ex) -> Text:
    return Text(ex.id.split(".", 1)[1]) + Text(f" {book_label(ex.book)}", style="dim")


def feedback_text(ex, verbose: bool) -> str:
    if not verbose:
        return ex.feedback
    lines = [f"· {c.name}: {c.feedback}" if c.status == "skipped" else
             f"{'✓' if c.passed else ('·' if c.tip else '✗')} {c.name} "
             f"({'tip, no points' if c.tip else fraction(c.points, c.max_points)})"
             + (f": {c.feedback}" if c.feedback and not c.passed else "") for c in ex.checks]
    if ex.output:
        lines.append(f"your code printed:\n{ex.output[:400]}")
    return "\n".join(lines)


def render_run(run: RunResult, console: Console, verbose: bool = False) -> None:
    for note in run.notes:
        console.print(Text(f"Note: {printable(note)}", style="dim"))
    chapters = sorted({e.chapter for e in run.exercises}, key=[e.chapter for e in run.exercises].index)
    for chapter in chapters:
        exercises = [e for e in run.exercises if e.chapter == chapter]
        title = f"{chapter} · {run.target}"
        if console.width >= WIDE:
            _render_table(exercises, title, console, verbose)
        else:
            console.print(Text(title, style="italic"))
            render_rows(exercises, console, lambda ex: feedback_text(ex, verbose))
    total, rest = summary(run)
    console.print(Text(total, style="bold") + Text(rest))
    todo = next_exercise(run)
    if todo:
        console.print(f"Next: [bold]{todo.id}[/bold] — `grade hint {todo.id}` for a hint.", highlight=False)


def summary(run: RunResult) -> tuple[str, str]:
    """The closing line of a report: ("Total 7 / 10", " · 3/5 exercises passed · 2.1 s")."""
    done = sum(e.status == "passed" for e in run.exercises)
    hidden = sum(e.hidden_checks for e in run.exercises)
    passed = (f"{done}/{len(run.exercises)} exercises pass their public checks; {hidden} more check"
              f"{'s' if hidden > 1 else ''} run at grading" if hidden
              else f"{done}/{len(run.exercises)} exercises passed")
    return f"Total {fraction(run.score, run.max_score)}", f" · {passed} · {run.duration_s:.1f} s"


def next_exercise(run: RunResult):
    return next((e for e in run.exercises if e.status != "passed"), None)


HTML_COLOURS = {"green": "#1a7f37", "red": "#cf222e", "yellow": "#9a6700", "magenta": "#8250df", "dim": "#6e7781"}
HTML_STYLE = ("<style>.grade-report table{border-collapse:collapse}.grade-report th,.grade-report td{padding:4px 8px;"
              "vertical-align:top;text-align:left;border-top:1px solid #d0d7de}.grade-report .points{text-align:right;"
              "white-space:nowrap}.grade-report .status{white-space:nowrap}.grade-report pre{white-space:pre-wrap;"
              "margin:0;font-size:90%;background:none}.grade-report .note{color:#6e7781;margin:2px 0}</style>")


def render_html(run: RunResult, verbose: bool = False) -> str:
    """The report as HTML, for a notebook: one table row per exercise, its feedback as preformatted text."""
    from html import escape

    rows = []
    for ex in run.exercises:
        label, style = status_label(ex)
        rows.append(
            f"<tr><td><code>{escape(ex.id)}</code><br><small>{escape(book_label(ex.book))}</small></td>"
            f"<td class='points'>{escape(fraction(ex.score, ex.max_score))}</td>"
            f"<td class='status' style='color:{HTML_COLOURS.get(style, 'inherit')}'>{escape(label)}</td>"
            f"<td><pre>{escape(printable(feedback_text(ex, verbose)))}</pre></td></tr>")
    head = "".join(f"<th>{name}</th>" for name in ("Exercise", "Points", "Status", "Feedback"))
    notes = "".join(f"<p class='note'>Note: {escape(printable(n))}</p>" for n in run.notes)
    total, rest = summary(run)
    todo = next_exercise(run)
    hint = (f"<p>Next: <b>{escape(todo.id)}</b> — <code>hint(\"{escape(todo.id)}\")</code> for a hint.</p>"
            if todo else "")
    return (f"<div class='grade-report'>{HTML_STYLE}{notes}<table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table><p><b>{escape(total)}</b>{escape(rest)}</p>{hint}</div>")


def _render_table(exercises, title: str, console: Console, verbose: bool) -> None:
    table = Table(title=title, title_justify="left", show_lines=True, expand=False)
    table.add_column("Exercise", max_width=30, overflow="fold")
    table.add_column("Points", justify="right", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Feedback", overflow="fold", min_width=40)
    for ex in exercises:
        table.add_row(exercise_label(ex), fraction(ex.score, ex.max_score), status_text(ex),
                      Text(printable(feedback_text(ex, verbose))))
    console.print(table)


def render_rows(exercises, console: Console, feedback, marks: bool = False, max_lines: int = 0) -> None:
    """Narrow screens, notebooks, logs and `grade watch`: one line per exercise (name, points,
    status), its feedback(ex) indented on the lines below, using the whole width; `max_lines`, when
    set, bounds the feedback lines printed in all."""
    left = max_lines or None  # feedback lines left to print in all (`grade watch` fits one screen)
    points_w = max(len(fraction(e.score, e.max_score)) for e in exercises)
    status_w = max(len(status_label(e)[0]) for e in exercises)
    for ex in exercises:
        line = Table.grid(padding=(0, 1), expand=True)
        line.add_column(ratio=1, overflow="fold")
        line.add_column(justify="right", no_wrap=True, width=points_w)
        line.add_column(no_wrap=True, width=status_w)
        label = (Text("✓ " if ex.status == "passed" else "· ") if marks else Text()) + exercise_label(ex)
        line.add_row(label, fraction(ex.score, ex.max_score), status_text(ex))
        console.print(line)
        lines = indented(printable(feedback(ex)), console.width)
        if left is not None:
            lines, left = lines[:left], max(0, left - len(lines))
        for text in lines:
            console.print(Text(text), soft_wrap=True)


def indented(text: str, width: int, indent: int = 4) -> list[str]:
    """Each line of `text` wrapped to the width, indented, without trailing spaces."""
    import textwrap
    room = max(20, width - indent)
    return [" " * indent + piece for line in text.splitlines()
            for piece in (textwrap.wrap(line, room, break_long_words=True, break_on_hyphens=False) or [""])]


def render_progress(course: Course, run: RunResult, console: Console, reused: int = 0) -> None:
    """`grade` with no chapter: one line per chapter of the manifest; `reused` results were kept from an
    earlier run because nothing they depend on changed."""
    table = Table(title="Progress", title_justify="left")
    for col, kw in (("Chapter", {}), ("Title", {}), ("Passed", {"justify": "right"}),
                    ("Points", {"justify": "right"})):
        table.add_column(col, **kw)
    for chapter in course.chapters:
        results = [e for e in run.exercises if e.chapter == chapter.id]
        passed = sum(e.status == "passed" for e in results)
        score = sum(e.score for e in results)
        style = "green" if passed == len(results) else ("yellow" if score else "")
        table.add_row(chapter.id, chapter.title, f"{passed} / {len(results)}",
                      Text(fraction(score, chapter.points), style=style))
    console.print(table)
    console.print(f"[bold]Total {fraction(run.score, run.max_score)}[/bold] · {run.duration_s:.1f} s")
    if reused:
        graded = len(run.exercises) - reused
        console.print(f"[dim]{reused} result{'s' if reused != 1 else ''} reused (their files unchanged since the last "
                      f"`grade`), {graded} graded now; `grade all` grades everything again.[/dim]")
    todo = next((e for e in run.exercises if e.status != "passed"), None)
    if todo:
        console.print(f"Next: [bold]{todo.id}[/bold] ({todo.title}) — run `grade {todo.chapter}` "
                      f"to see what to fix, `grade hint {todo.id}` for a hint.", highlight=False)


def write_json(run: RunResult, path: Path) -> None:
    atomic_write(path, run.to_json() + "\n")
