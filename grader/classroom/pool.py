"""Template workers and the scoring of one submission: what a local `grade bulk` and a Dask worker share.

A template is a warm worker (torch imported once) that knows no submission; each submission's jobs
run in a process forked from it for that submission alone, each exercise jailed as the template's
own uid. `score_submissions` is the trusted side for finished submissions: their checks (one pytest session),
their flags.
"""
from __future__ import annotations

import json
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
                 limits: dict | None = None, uid_offset: int = 0, profile: Path | None = None):
        self.course, self.exercises, self.staging, self.jailed, self.limits = course, exercises, staging, jailed, limits
        self.uid_offset, self.profile = uid_offset, profile
        self.workers = [self._start(i) for i in range(count)]

    def _start(self, slot: int) -> Worker:
        return Worker([], self.course, parallel=1, limits=self.limits, keep_open=True, targets=[self.staging],
                      preload=self.exercises, jail_uid=job_uid(slot + self.uid_offset) if self.jailed else None,
                      profile=self.profile)

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
    return score_submissions(course, [(sub, key, jobs)], exercises, limits)[0]


def score_submissions(course: Course, batch: list[tuple], exercises, limits: list[str]) -> list[tuple[dict, str]]:
    """`score_submission` for several submissions ((submission, key, jobs) each) in one pytest session, which
    costs about half as much per submission as a session each: the session's report is split into each
    submission's own, as if it had been scored alone. Should the shared session fail, each is scored alone."""
    graded = [i for i, (sub, _, jobs) in enumerate(batch) if jobs is not None]
    scored: dict[int, tuple[dict, str]] = {}
    if len(graded) > 1:
        start = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix="grade-report-") as tmp:
                results = score_jobs(course, [batch[i][2] for i in graded], json_report=Path(tmp) / "report.json")
                reports = split_report((Path(tmp) / "report.json").read_text(encoding="utf-8"), len(graded))
        except Exception:  # noqa: BLE001 - one submission's data must not cost the others their scores
            results = None
        if results is not None:
            share = (time.perf_counter() - start) / len(graded)
            for i, by_id, report in zip(graded, results, reports):
                sub, key, jobs = batch[i]
                scored[i] = _result(course, sub, key, exercises, jobs, by_id, share, limits), report
    for i, (sub, key, jobs) in enumerate(batch):
        if i in scored:
            continue
        by_id, report, start = None, "", time.perf_counter()
        if jobs is not None:
            with tempfile.TemporaryDirectory(prefix="grade-report-") as tmp:
                (by_id,) = score_jobs(course, [jobs], json_report=Path(tmp) / "report.json")
                report = (Path(tmp) / "report.json").read_text(encoding="utf-8")
        scored[i] = _result(course, sub, key, exercises, jobs, by_id, time.perf_counter() - start, limits), report
    return [scored[i] for i in range(len(batch))]


def _result(course: Course, sub: submissions.Submission, key: str, exercises, jobs, by_id, duration: float,
            limits: list[str]) -> dict:
    if jobs is None:
        run = RunResult(sub.source.name, [_not_graded(ex, sub) for ex in exercises], 0.0, limits)
    else:
        for ex in exercises:
            blame_dependencies(ex, by_id)
        run = RunResult(sub.source.name, [by_id[ex.id] for ex in exercises], duration, limits)
        if sub.notebook is not None:
            sub.notebook.apply(run)  # locations in cells, the notebooks' notes
    return {**run.to_dict(), "student": sub.student, "cache_key": key,
            "submission": {"source": sub.source.name, "status": sub.status, "files": sorted(sub.files),
                           "notes": sub.notes, "digest": sub.digest},
            "flags": flags.submission_flags(sub, jobs, by_id, course.root)}


def split_report(text: str, count: int) -> list[str]:
    """A pytest-json-report of a session that scored `count` trees (each test's id ends in [t<i>]) as `count`
    reports, each as a session scoring that tree alone would have written it (its tests, its summary)."""
    doc = json.loads(text)
    tests: list[list[dict]] = [[] for _ in range(count)]
    for test in doc.get("tests", []):
        nodeid, _, param = str(test.get("nodeid", "")).rpartition("[t")
        if param.endswith("]") and param[:-1].isdigit() and int(param[:-1]) < count:
            tests[int(param[:-1])].append({**test, "nodeid": f"{nodeid}[t0]"})
    reports = []
    for own in tests:
        summary: dict[str, int] = {}
        for test in own:
            summary[test.get("outcome", "error")] = summary.get(test.get("outcome", "error"), 0) + 1
        summary.update(total=len(own), collected=len(own))
        exitcode = doc.get("exitcode", 0) if doc.get("exitcode") not in (0, 1) else int(
            any(t.get("outcome") != "passed" for t in own))
        reports.append(json.dumps({**doc, "exitcode": exitcode, "summary": summary, "tests": own}))
    return reports


def _not_graded(ex: Exercise, sub: submissions.Submission) -> ExerciseResult:
    reason = "; ".join(sub.notes[:2]) or sub.status
    return ExerciseResult(ex.id, ex.title, ex.chapter, ex.book, ex.points, "error",
                          f"not graded: the submission is {sub.status} ({reason})")
