"""Maintainer side: regenerate stubs and snapshots from solutions/, and the course's CI gate."""
from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import markers, state
from ..core.files import in_sync
from ..core.manifest import PACKAGE, Course, Exercise
from ..core.points import fraction
from ..engine import wire
from ..engine.runner import Worker
from ..notebooks import generate
from ..scoring.checker import load_snapshot
from ..scoring.grading import grade_trees

SNAPSHOT_ATOL, SNAPSHOT_RTOL = 1e-5, 1e-4  # float drift allowed between machines / torch builds


@dataclass
class Problem:
    what: str
    fix: str


def stub_problems(course: Course) -> list[Problem]:
    """Stubs in exercises/ that differ from what solutions/ generates (or should not exist)."""
    problems = []
    try:
        wanted = markers.stub_files(course.solutions)
    except markers.MarkerError as exc:
        return [Problem(str(exc), "fix the markers in the solution")]
    for rel, text in wanted.items():
        if not in_sync(course.root, course.stubs / rel, text):
            problems.append(Problem(f"exercises/{rel.as_posix()} is out of date with solutions/{rel.as_posix()}",
                                    "run `grade sync`"))
    problems += [Problem(what, "run `grade sync`") for what in generate.drift(course)]
    for ex in course.exercises:
        source = ex.source(course.solutions)
        if not source.is_file():
            problems.append(Problem(f"{ex.id}: solution file solutions/{ex.chapter}/{ex.file} is missing",
                                    "write it, or fix `file` in course.toml"))
        elif markers.count_regions(source.read_text(encoding="utf-8")) == 0:
            problems.append(Problem(f"{ex.id}: solutions/{ex.chapter}/{ex.file} has no BEGIN SOLUTION marker",
                                    "mark the learner's part"))
        if not ex.check_path(course.root).is_file():
            problems.append(Problem(f"{ex.id}: no checks at {ex.check_path(course.root).relative_to(course.root)}",
                                    "write the check module"))
    return problems


def write_stubs(course: Course, chapters: set[str] | None = None) -> tuple[list[Path], list[tuple[Path, Path]]]:
    """Regenerate the stubs of `chapters` (all when None), plus the tree's top-level files; returns (the files
    written, (file, backup) for each file that held code of someone's own, kept in .grade/backups/)."""
    written, kept = [], []
    for rel, text in markers.stub_files(course.solutions).items():
        if chapters is not None and len(rel.parts) > 1 and rel.parts[0] not in chapters:
            continue
        stub = course.stubs / rel
        changed, backup = state.regenerate(course.root, stub, f"{PACKAGE}/{rel.as_posix()}", text)
        written += [stub] if changed else []
        kept += [(stub, backup)] if backup else []
    return written, kept


def solution_outputs(course: Course, exercises: list[Exercise]) -> dict[str, dict]:
    """Run every case on solutions/; exercise id -> {case: value}. Raises if a case fails there."""
    worker = Worker([(course.solutions, ex) for ex in exercises], course)
    try:
        outputs = {}
        for ex, job in zip(exercises, worker.results):
            job.wait()
            if job.status != "ok" or job.import_error:
                raise RuntimeError(f"{ex.id}: the solution did not run: {job.status} {job.detail} "
                                   f"{job.import_error or ''}")
            failed = {n: r["error"] for n, r in job.cases.items() if not r["ok"]}
            if failed:
                raise RuntimeError(f"{ex.id}: cases failed on the solution: {failed}")
            outputs[ex.id] = {n: r["value"] for n, r in job.cases.items()}
        return outputs
    finally:
        worker.close()


def write_snapshot(course: Course, ex: Exercise, cases: dict) -> bool:
    """Write the snapshot unless the committed one already matches; True when written."""
    path = ex.snapshot_path(course.root)
    if path.is_file() and not snapshot_differences(load_snapshot(ex, course.root), cases):
        return False
    arrays: dict = {}
    doc = {"exercise": ex.id, "generated_from": f"solutions/{ex.chapter}/{ex.file}",
           "cases": wire.split_arrays(cases, arrays)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    npz = path.with_suffix(".npz")
    if arrays:
        npz.write_bytes(wire.save_npz(arrays))
    elif npz.exists():
        npz.unlink()
    return True


def snapshot_differences(old, new, where: str = "") -> list[str]:
    """Where two snapshot values differ beyond the stated float tolerance."""
    if isinstance(new, np.ndarray) or isinstance(old, np.ndarray):
        if not (isinstance(new, np.ndarray) and isinstance(old, np.ndarray)) or old.shape != new.shape:
            return [f"{where}: shape or type changed"]
        if getattr(old, "torch_dtype", "") != getattr(new, "torch_dtype", ""):
            return [f"{where}: dtype changed"]
        if old.dtype.kind in "fc":
            ok = np.allclose(old, new, atol=SNAPSHOT_ATOL, rtol=SNAPSHOT_RTOL, equal_nan=True)
        else:
            ok = np.array_equal(old, new)
        return [] if ok else [f"{where}: values changed"]
    if isinstance(new, dict) and isinstance(old, dict):
        keys = set(old) | set(new)
        return [d for k in sorted(keys) for d in
                ([f"{where}/{k}: missing"] if k not in old or k not in new else
                 snapshot_differences(old[k], new[k], f"{where}/{k}"))]
    if isinstance(new, list) and isinstance(old, list):
        if len(old) != len(new):
            return [f"{where}: length changed"]
        return [d for i, (a, b) in enumerate(zip(old, new)) for d in snapshot_differences(a, b, f"{where}[{i}]")]
    if isinstance(new, float) and isinstance(old, (int, float)) and not isinstance(old, bool):
        return [] if np.isclose(old, new, atol=SNAPSHOT_ATOL, rtol=SNAPSHOT_RTOL) else [f"{where}: value changed"]
    return [] if old == new and type(old) is type(new) else [f"{where}: value changed"]


def sync(course: Course, exercises: list[Exercise]) -> tuple[list[Path], list[str], list[tuple[Path, Path]]]:
    """Regenerate stubs, notebooks and the snapshots of `exercises`; returns (stubs and notebooks written,
    snapshots written, (file, backup) for every file that held someone's own code)."""
    chapters = {ex.chapter for ex in exercises}
    stubs, kept = write_stubs(course, chapters)
    notebooks, kept_notebooks = generate.write(course, chapters)
    outputs = solution_outputs(course, exercises)
    written = [ex.id for ex in exercises if write_snapshot(course, ex, outputs[ex.id])]
    return stubs + notebooks, written, kept + kept_notebooks


def check(course: Course, exercises: list[Exercise]) -> list[Problem]:
    """The CI gate: stubs in sync, snapshots in sync, solutions full marks, stubs zero."""
    problems = stub_problems(course)
    if problems:
        return problems
    for ex in exercises:
        if not ex.snapshot_path(course.root).is_file():
            problems.append(Problem(f"{ex.id}: no snapshot", "run `grade sync`"))
    if problems:
        return problems
    try:
        fresh = solution_outputs(course, exercises)
    except RuntimeError as exc:
        return [Problem(str(exc), "fix the solution or its cases")]
    for ex in exercises:
        diffs = snapshot_differences(load_snapshot(ex, course.root), fresh[ex.id])
        if diffs:
            problems.append(Problem(f"{ex.id}: snapshot out of date ({'; '.join(diffs[:3])})",
                                    "run `grade sync` and review the change"))
    with tempfile.TemporaryDirectory(prefix="grade-check-") as tmp:  # the stubs as handed out, whatever
        handed_out = Path(tmp) / PACKAGE                                # exercises/ holds in a learner's clone
        for rel, text in markers.stub_files(course.solutions).items():
            (handed_out / rel).parent.mkdir(parents=True, exist_ok=True)
            (handed_out / rel).write_text(text, encoding="utf-8")
        solved, stubbed = grade_trees(course, [course.solutions, handed_out], exercises)
    for ex in solved.exercises:
        if ex.score < ex.max_score or ex.status != "passed":
            lost = next((c for c in ex.checks if not c.passed), None)
            problems.append(Problem(f"{ex.id}: the solution scores {fraction(ex.score, ex.max_score)}"
                                    + (f" ({lost.name}: {lost.feedback})" if lost else ""),
                                    "fix the solution or the check"))
    for ex in stubbed.exercises:
        if ex.score > 0 or ex.status != "not_implemented":
            problems.append(Problem(f"{ex.id}: the stub scores {fraction(ex.score, ex.max_score)} "
                                    f"with status {ex.status}", "move more of the solution between markers"))
    return problems
