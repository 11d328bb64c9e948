"""Template workers and the scoring of one submission: what a local `grade bulk` and a Dask worker share.

A template is a warm worker (torch imported once) that knows no submission; each submission's jobs
run in a process forked from it for that submission alone, each exercise jailed as the template's
own uid. `score_submission` is the trusted side for one submission: its checks, its flags.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from ..containment.isolation import job_uid, isolation_available
from ..core.manifest import Course, Exercise
from ..engine.runner import Worker
from ..scoring.grading import blame_dependencies, score_jobs
from ..scoring.results import ExerciseResult, RunResult
from . import flags, submissions

class Templates:
    """The warm workers, one per core, each grading one submission at a time in a thread of ours. Run as
    root, template i runs its jobs as uid BASE_UID + i + `uid_offset` outside their user namespaces (never
    as root); run by an ordinary user, as that user."""

    def __init__(self, course: Course, exercises: list[Exercise], staging: Path, count: int, jailed: bool,
                 limits: dict | None = None, uid_offset: int = 0):
        self.course, self.exercises, self.staging, self.jailed, self.limits = course, exercises, staging, jailed, limits
        self.uid_offset = uid_offset
        self.workers = [self._start(i) for i in range(count)]

    def _start(self, slot: int) -> Worker:
        return Worker([], self.course, parallel=1, limits=self.limits, keep_open=True, targets=[self.staging],
                      preload=self.exercises, jail_uid=job_uid(slot + self.uid_offset) if self.jailed else None)

    def grade(self, slot: int, tree: Path) -> dict:
        """Run one submission's jobs on template `slot`; exercise id -> JobResult."""
        if not self.workers[slot].alive:
            self.workers[slot].close()
            self.workers[slot] = self._start(slot)
        jobs = self.workers[slot].submit([(tree, ex) for ex in self.exercises], isolated=True)
        for job in jobs:
            job.wait()
        return {ex.id: job for ex, job in zip(self.exercises, jobs)}

    def applied(self) -> list[str]:
        applied = list(self.workers[0].info.get("limits", [])) if self.workers else []
        if not self.jailed:
            applied.append(f"NOT APPLIED: the jail (no uid, root filesystem or /proc of its own): this machine lacks "
                           f"{isolation_available()}; graded with --unsafe-no-isolation")
        return applied

    def close(self) -> None:
        for worker in self.workers:
            worker.close()


def score_submission(course: Course, sub: submissions.Submission, key: str, exercises, jobs,
                     limits: list[str]) -> tuple[dict, str]:
    """The trusted side for one submission: its checks scored (one pytest session, reported by
    pytest-json-report too) and its flags; returns (result, the pytest report's text)."""
    by_id, report = None, ""
    if jobs is None:
        run = RunResult(sub.source.name, [_not_graded(ex, sub) for ex in exercises], 0.0, limits)
    else:
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="grade-report-") as tmp:
            (by_id,) = score_jobs(course, [jobs], json_report=Path(tmp) / "report.json")
            report = (Path(tmp) / "report.json").read_text(encoding="utf-8")
        for ex in exercises:
            blame_dependencies(ex, by_id)
        run = RunResult(sub.source.name, [by_id[ex.id] for ex in exercises], time.perf_counter() - start, limits)
        if sub.notebook is not None:
            sub.notebook.apply(run)  # locations in cells, the notebooks' notes
    result = {**run.to_dict(), "student": sub.student, "cache_key": key,
              "submission": {"source": sub.source.name, "status": sub.status, "files": sorted(sub.files),
                             "notes": sub.notes, "digest": sub.digest},
              "flags": flags.submission_flags(sub, jobs, by_id, course.root)}
    return result, report


def _not_graded(ex: Exercise, sub: submissions.Submission) -> ExerciseResult:
    reason = "; ".join(sub.notes[:2]) or sub.status
    return ExerciseResult(ex.id, ex.title, ex.chapter, ex.book, ex.points, "error",
                          f"not graded: the submission is {sub.status} ({reason})")
