"""Grade course-shaped trees: one worker runs every job, the checker scores each tree."""
from __future__ import annotations

import time
from pathlib import Path

from ..core.manifest import Course, Exercise
from ..engine.protocol import JOB_OK, STATUS_OF_JOB, location
from ..engine.runner import JobResult, Worker
from .feedback import format_error, job_message, not_implemented
from .results import CheckResult, ExerciseResult, RunResult

ORDER = ("timeout", "memory", "error", "not_implemented")


def with_dependencies(course: Course, exercises: list[Exercise]) -> list[Exercise]:
    """The exercises plus everything they depend on, in manifest order."""
    needed = {e.id for e in exercises}
    stack = list(needed)
    while stack:
        for dep in course.exercise(stack.pop()).depends:
            if dep not in needed:
                needed.add(dep)
                stack.append(dep)
    return [e for e in course.exercises if e.id in needed]


def grade_trees(course: Course, targets: list[Path], exercises: list[Exercise],
                parallel: int | None = None, limits: dict | None = None) -> list[RunResult]:
    """Grade several trees with one worker (torch imported once); one RunResult per tree."""
    return grade_jobs(course, [(t, exercises) for t in targets], parallel, limits)


def grade_jobs(course: Course, plan: list[tuple[Path, list[Exercise]]],
               parallel: int | None = None, limits: dict | None = None,
               dependencies: bool = True) -> list[RunResult]:
    """Grade each (tree, exercises) pair of `plan` with one shared worker; one RunResult per pair.
    `limits` ({"timeout_s": .., "memory_mb": ..}) overrides the manifest's per-exercise limits.
    The exercises an exercise builds on are graded only where it fails (they are graded to say "fix that
    first", and an exercise that passes, or is not written yet, needs nothing said), by the same worker
    once the plan's own are scored; with dependencies=False they are never graded (nor blamed)."""
    start = time.perf_counter()
    worker = Worker([(t, ex) for t, exercises in plan for ex in exercises], course, parallel=parallel,
                    limits=limits, keep_open=dependencies)
    try:
        jobs, offset = [], 0
        for _, exercises in plan:
            jobs.append({ex.id: worker.results[offset + k] for k, ex in enumerate(exercises)})
            offset += len(exercises)
        scored = score_jobs(course, jobs)
        if dependencies:
            _grade_dependencies(course, worker, plan, scored)
        runs = []
        for (target, exercises), by_id in zip(plan, scored):
            for ex in exercises:
                blame_dependencies(ex, by_id)
            runs.append(RunResult(target=display_path(target, course.root),
                                  exercises=[by_id[ex.id] for ex in exercises],
                                  limits=list(worker.info.get("limits", []))))
    finally:
        worker.close()
    elapsed = time.perf_counter() - start
    for run in runs:
        run.duration_s = elapsed
    return runs


def _grade_dependencies(course: Course, worker: Worker, plan: list[tuple[Path, list[Exercise]]],
                        scored: list[dict[str, ExerciseResult]]) -> None:
    """Grade (and add to `scored`) what the plan's failing exercises build on and was not graded yet."""
    more = []
    for (_target, _), by_id in zip(plan, scored):
        failing = [course.exercise(i) for i, r in by_id.items() if r.status not in ("passed", "not_implemented")]
        more.append([ex for ex in with_dependencies(course, failing) if ex.id not in by_id])
    if not any(more):
        return
    results = worker.submit([(target, ex) for (target, _), exercises in zip(plan, more) for ex in exercises])
    jobs, offset = [], 0
    for exercises in more:
        jobs.append({ex.id: results[offset + k] for k, ex in enumerate(exercises)})
        offset += len(exercises)
    for by_id, extra in zip(scored, score_jobs(course, jobs)):
        by_id.update(extra)


def score_jobs(course: Course, per_target: list[dict[str, JobResult]],
               json_report: Path | None = None) -> list[dict[str, ExerciseResult]]:
    """Run the checks on each tree's jobs (exercise id -> JobResult) in one pytest session; per tree,
    exercise id -> ExerciseResult (dependencies not yet blamed)."""
    from .checker import run_checks  # pytest loads while the worker imports torch
    checked = run_checks(course, per_target, json_report)
    results = [{ex_id: exercise_result(course.exercise(ex_id), jobs[ex_id], checks[ex_id]) for ex_id in jobs}
               for jobs, checks in zip(per_target, checked)]
    for jobs, by_id in zip(per_target, results):
        share_import_errors(course, jobs, by_id)
    return results


def share_import_errors(course: Course, jobs: dict[str, JobResult], by_id: dict[str, ExerciseResult]) -> None:
    """A module that does not import fails every exercise of its file: the error is told once, under the
    exercise whose definition holds the failing line (else the file's first), and the others point at it."""
    failed: dict[tuple, list[str]] = {}
    for ex_id, job in jobs.items():
        error = job.import_error
        if error and by_id[ex_id].status == "error" and job.status in (JOB_OK, None):
            failed.setdefault((location(error), error.get("type"), error.get("message")), []).append(ex_id)
    for ids, error in ((ids, jobs[ids[0]].import_error) for ids in failed.values() if len(ids) > 1):
        function = (error.get("where") or {}).get("function")
        owner = next((i for i in ids if function in course.exercise(i).defines), ids[0])
        for ex_id in ids:
            if ex_id != owner:
                by_id[ex_id].feedback = (f"{course.exercise(ex_id).file} does not import, because of the "
                                         f"{error.get('type') or 'error'} told under {owner} "
                                         f"({location(error) or 'its file'}): fix that first")


def display_path(target: Path, root: Path) -> str:
    """`exercises` for the course's own folders, the path as given (or absolute) elsewhere."""
    try:
        return Path(target).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(target)


def grade(course: Course, target: Path, exercises: list[Exercise], parallel: int | None = None,
          limits: dict | None = None) -> RunResult:
    return grade_trees(course, [target], exercises, parallel, limits)[0]


def exercise_result(ex: Exercise, job: JobResult, checks: list[CheckResult]) -> ExerciseResult:
    """One exercise's result from how its job ended and its scored checks: what the learner reads first.

    The status, in this order: the job's own end when it did not end normally (timeout, memory, a
    crash: the checks never saw the code run); `error` when the module did not import; `passed` when
    no check worth points failed (failed tips become "Tip:" lines); `not_implemented` when every failed
    check met a stub (pointing at the TODO, or at the earlier exercise whose TODO it met); otherwise the
    worst status among the failed checks if nothing scored, else `failed`, with the first failure's
    feedback and a count of the rest. The score itself is the checks' points; this decides no points.
    """
    result = ExerciseResult(id=ex.id, title=ex.title, chapter=ex.chapter, book=ex.book,
                            max_score=ex.points, status="failed", checks=checks,
                            output=job.output, duration_s=job.duration_s)
    lost = [c for c in checks if not c.passed and not c.tip]
    tips = [c for c in checks if not c.passed and c.tip and c.status == "failed"]
    if job.status not in (JOB_OK, None):
        result.status = STATUS_OF_JOB.get(job.status, "error")
        result.feedback = job_message(job)
    elif job.import_error:
        result.status = "error"
        result.feedback = "your module could not be imported: " + format_error(job.import_error)
    elif not lost:
        result.status = "passed"
        hidden = result.hidden_checks
        public = [f"all public checks pass; {hidden} more check{'s' if hidden > 1 else ''} run at grading"]
        result.feedback = "\n".join((public if hidden else []) + [f"Tip: {c.feedback}" for c in tips])
    elif all(c.status == "not_implemented" for c in checks if not c.tip):
        result.status = "not_implemented"
        place = lost[0].location
        result.feedback = not_implemented(place) if place else lost[0].feedback
        if place and ex.depends and f"{ex.chapter}/{ex.file}:" not in place:  # a TODO in an earlier exercise
            result.feedback += (f", in code this exercise builds on ({', '.join(ex.depends)}): "
                                "finish that first")
        todo = todo_at(job, place)
        if todo:
            result.feedback += f"\nTODO: {todo}"
    else:
        statuses = {c.status for c in lost}
        worst = next((s for s in ORDER if s in statuses and s != "not_implemented"), None)
        result.status = worst if worst and result.score == 0 else "failed"
        first = next((c for c in lost if c.status != "not_implemented"), lost[0])
        result.feedback = first.feedback
        more = [c for c in lost if c.feedback != first.feedback]
        if more:
            result.feedback += f"\n(+{len(more)} more failing check{'s' if len(more) > 1 else ''}: " \
                               f"grade {ex.id} -v shows all)"
    return result


def todo_at(job: JobResult, place: str) -> str:
    """The TODO text (the contract) of the stub at `place` (file:line), as the learner's process read it."""
    for record in job.cases.values():
        error = record.get("error") or {}
        if error.get("todo") and location(error) == place:
            return str(error["todo"])
    return ""


def blame_dependencies(ex: Exercise, by_id: dict[str, ExerciseResult]) -> None:
    """When an exercise fails and something it builds on fails too, say that first."""
    result = by_id[ex.id]
    if result.status in ("passed", "not_implemented"):
        return
    broken = [d for d in ex.depends if d in by_id and by_id[d].status != "passed"]
    if broken:
        result.feedback = (f"This builds on {', '.join(broken)}, which does not pass yet: fix that first.\n"
                           + result.feedback)
