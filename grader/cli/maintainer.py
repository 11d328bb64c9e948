"""The `grade` commands for course maintainers and instructors: check, sync, release, bulk, gradescope and
classroom (and gradescope-run, which the Gradescope bundle's run_autograder calls).

`grader.cli` registers them on the one click group, beside the learner's commands (learner.py).

Each command imports the grader's packages it uses when it runs, not at the top: `grade ch02` starts the
worker (which imports torch) before the trusted side loads pytest, numpy, rich and nbformat, ~0.2 s that
would otherwise come first (measured with `python -X importtime`); the import-linter contract still sees them.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .app import Exit, console, escape, load_course, maintainers_course, select


@click.command("check", short_help="Maintainers: the CI gate (solutions full, stubs zero, in sync).")
@click.argument("chapters", nargs=-1)
def check_cmd(chapters):
    """Course CI gate: solutions full marks, stubs zero, stubs and snapshots in sync."""
    from ..authoring.sync import check
    course = maintainers_course()
    problems = check(course, select(course, list(chapters)))
    for p in problems:
        console.print(f"[red]✗[/red] {escape(p.what)}\n    fix: {escape(p.fix)}")
    if problems:
        console.print(f"[red]{len(problems)} problem(s)[/red]")
        sys.exit(Exit.POINTS_LOST)
    console.print("[green]✓ course is consistent: solutions full marks, stubs zero, stubs and snapshots in sync"
                  "[/green]")


@click.command("sync", short_help="Maintainers: regenerate stubs, notebooks and snapshots.")
@click.argument("chapters", nargs=-1)
def sync_cmd(chapters):
    """Maintainers: regenerate exercises/, the notebooks and the snapshots from solutions/."""
    from ..authoring.sync import sync
    from ..notebooks.layout import NotebookError
    course = maintainers_course()
    try:
        stubs, snapshots, kept = sync(course, select(course, list(chapters)))
    except NotebookError as exc:
        raise click.UsageError(str(exc)) from None
    for path in stubs:
        kind = "notebook" if path.suffix == ".ipynb" else "stub"
        console.print(f"{kind:<9} {path.relative_to(course.root)}", markup=False)
    for ex_id in snapshots:
        console.print(f"snapshot  {ex_id}", markup=False)
    console.print(f"{len(stubs)} stub(s) or notebook(s) and {len(snapshots)} snapshot(s) written", markup=False)
    for path, backup in kept:
        console.print(f"Your version of {path.relative_to(course.root)} held code of your own: it is kept in "
                      f"{backup.relative_to(course.root)}", markup=False)


@click.command("release", short_help="Instructors: write the learner's copy of the course.")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--with-code-hints", "code_hints", is_flag=True,
              help="Keep each exercise's last hint tier, the one that may show code (a copy for self-study).")
@click.option("--list-overlaps", is_flag=True, help="List every solution line the course's own code holds too.")
def release_cmd(out, code_hints, list_overlaps):
    """Instructors: write the learner's copy of the course to the new folder OUT.

    Stubs, learner notebooks, public checks and snapshots, the grader, data code, README and CI; no
    solutions, no hidden checks or their snapshot data, no line of a solution in any file, and (unless
    --with-code-hints) no hint tier that may show code."""
    from ..authoring.release import ReleaseError, build
    course = maintainers_course()
    try:
        made = build(course, out, code_hints=code_hints)
    except ReleaseError as exc:
        raise click.UsageError(str(exc)) from None
    console.print(f"Wrote the learner release to {made.out} ({made.files} files), checked for solution text.",
                  markup=False)
    hidden = sum(made.hidden.values())
    console.print(f"Hidden checks left out: {hidden}" + (f" ({', '.join(f'{k}: {v}' for k, v in made.hidden.items())})"
                                                         if hidden else ""), markup=False)
    console.print("Hint tiers that may show code: " + ("kept (--with-code-hints)" if code_hints else
                  f"{made.withheld_hints} left out (`grade release OUT --with-code-hints` keeps them)"), markup=False)
    console.print(f"Tests left out (they need solutions/): {len(made.left_out_tests)}", markup=False)
    if made.overlaps:
        files = sorted({o.split(":", 1)[0] for o in made.overlaps})
        console.print(f"For review: {len(made.overlaps)} solution line(s) also stand in {len(files)} file(s) of the "
                      "course's own code (idioms, or checks building a reference)"
                      + ("" if list_overlaps else "; --list-overlaps lists them") + ".", markup=False)
        for overlap in made.overlaps if list_overlaps else []:
            console.print(f"  {overlap}", markup=False, highlight=False)


@click.command("bulk", short_help="Instructors: grade a class of submissions, contained.")
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--chapters", required=True, metavar="CH[,CH...]", help="Chapters or exercises to grade, e.g. ch02,ch03.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the results (created; re-running continues where it stopped).")
@click.option("--regrade", is_flag=True, help="Grade everything again, even results already on disk.")
@click.option("--parallel", type=int, metavar="N", help="Submissions graded at once (default: one per core).")
@click.option("--unsafe-no-isolation", "unsafe", is_flag=True,
              help="Grade even where learner code cannot be jailed (only for code you trust).")
@click.option("--dask", metavar="ADDRESS", help="Grade on the workers of this Dask scheduler (tcp://host:8786).")
def bulk_cmd(submissions, chapters, out, regrade, parallel, unsafe, dask):
    """Grade a class: SUBMISSIONS holds one folder or zip per student (named by the student).

    Writes per-student results and feedback (JSON, Markdown, Gradescope) and, for the class,
    gradebook.csv, junit.xml, flags.json and report.html. Learner code runs jailed: its own
    root filesystem, uid and /proc, no network, no capabilities, hard limits."""
    from ..classroom.bulk import grade_class
    from ..containment.isolation import IsolationMissing, isolation_available
    course = load_course()
    missing = "" if dask else isolation_available()
    if missing and unsafe:
        console.print(f"[red]Warning:[/red] learner code runs without the jail (this machine lacks {escape(missing)}): "
                      "only the learner-mode containment applies. Grade only code you trust this way.")
    exercises = select(course, [c.strip() for c in chapters.split(",") if c.strip()])
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )
    with Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[cached]}"),
                  TimeRemainingColumn(), console=Console(highlight=False), transient=False) as bar:
        task = bar.add_task("grading", total=None, cached="")

        def update(p):
            bar.update(task, total=p.total, completed=p.done,
                       cached=f"({p.cached} from earlier runs)" if p.cached else "")
        try:
            students = grade_class(course, submissions, exercises, out, parallel, regrade, unsafe, update, dask=dask)
        except IsolationMissing as exc:
            raise click.UsageError(str(exc)) from None
    from ..classroom.flags import summary
    console.print(f"{len(students)} submissions graded ({sum(s.cached for s in students)} from earlier runs); "
                  f"{summary([s.flags for s in students])}. Results in {out}: gradebook.csv, report.html, "
                  "junit.xml, flags.json, students/<id>/", highlight=False, markup=False)


def _select(course, chapters) -> list:
    return select(course, [c.strip() for c in chapters if c.strip()])


@click.command("gradescope", short_help="Instructors: a Gradescope autograder bundle for chapters.")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--chapters", required=True, metavar="CH[,CH...]", help="Chapters or exercises to grade, e.g. ch03.")
def gradescope_cmd(out, chapters):
    """Instructors: write OUT.zip, a Gradescope autograder for CHAPTERS (upload it as the assignment's autograder).

    setup.sh installs the course (CPU torch); run_autograder grades the student's files, zip or notebook
    into results.json, one test per exercise, its hidden checks shown once grades are published. The
    course inside has no solutions; it keeps the hidden checks (it runs on Gradescope, not with students)."""
    from ..authoring.gradescope import build
    from ..authoring.release import ReleaseError
    course = maintainers_course()
    exercises = _select(course, chapters.split(","))
    try:
        made = build(course, out, exercises)
    except ReleaseError as exc:
        raise click.UsageError(str(exc)) from None
    hidden = sum(len(v) for v in made.hidden.values())
    console.print(f"Wrote {made.out} ({made.files} files): Gradescope's autograder for {len(made.exercises)} "
                  f"exercises ({sum(ex.points for ex in exercises):g} points), {hidden} hidden check(s) shown to "
                  "students once grades are published. No solution text in it (checked).", markup=False)
    console.print("Upload it under the assignment's Configure Autograder; students submit their exercises/ files, a "
                  "zip of them, or their chapter notebook.", markup=False)


@click.command("gradescope-run", hidden=True)
@click.option("--root", default="/autograder", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Gradescope's folder: source/ (this bundle), submission/, results/.")
def gradescope_run_cmd(root):
    """Grade ROOT/submission into ROOT/results/results.json (what the bundle's run_autograder does)."""
    from ..classroom.gradescope import run
    doc, graded = run(root)
    from ..scoring.report import render_run
    render_run(graded, console, verbose=True)   # to the log only the instructor sees (stdout_visibility hidden)
    for limit in graded.limits:
        console.print(f"containment: {limit}", markup=False, highlight=False)
    console.print(f"results.json: {doc['score']:g} / {doc['extra_data']['max_score']:g} points, "
                  f"{len(doc['tests'])} tests, {doc['execution_time']} s", markup=False)


@click.command("classroom", short_help="Instructors: a GitHub Classroom autograding workflow.")
@click.argument("chapters", nargs=-1, required=True)
@click.option("--out", "repo", type=click.Path(file_okay=False, path_type=Path),
              help="The template repository to write .github/workflows/classroom.yml into (default: this course).")
def classroom_cmd(chapters, repo):
    """Instructors: GitHub Classroom's autograding workflow for CHAPTERS (ch03, ch03.causal_attention, all).

    One step per exercise, worth its points when `grade <exercise>` gives full marks, and the reporter
    step; commit it to the assignment's template repository (a learner release, `grade release`)."""
    from ..classroom.github_classroom import WORKFLOW, workflow
    course = load_course()
    exercises = _select(course, [c for arg in chapters for c in arg.split(",")])
    path = Path(repo or course.root) / WORKFLOW
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(workflow(exercises, " ".join(chapters)), encoding="utf-8")
    console.print(f"Wrote {path}: {len(exercises)} graded steps, {sum(ex.points for ex in exercises):g} points. "
                  "Commit it to the template repository; GitHub Classroom shows each student's points.",
                  markup=False, highlight=False)


COMMANDS = (check_cmd, sync_cmd, release_cmd, bulk_cmd, gradescope_cmd, gradescope_run_cmd, classroom_cmd)
