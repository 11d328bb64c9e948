"""`grade bulk --dask ADDRESS`: the same grading, spread over the workers of a Dask cluster.

Each submission becomes one task. A Dask worker process keeps a warm template of its own (torch
imported once) and grades the submission exactly as a local run does — jailed, as a uid of its
own, with the same limits — then scores it with the checks and returns plain results; the
instructor's process writes every file. Every worker machine needs the course at the same path
as the instructor's (or COURSE_ROOT set). Before anything is sent, every worker is asked whether it can
jail learner code (as root, or as an ordinary user with user namespaces); submissions go only to those
that can, and without any such worker the run is refused (unless told to run unjailed).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..containment.isolation import IsolationMissing, isolation_available
from ..core import manifest
from ..scoring.grading import with_dependencies
from . import pool, submissions

_POOLS: dict = {}  # per Dask worker process: (course root, exercises, limits, unsafe) -> (templates, staging)


def grade_remote(course_root: str, sub, key: str, exercise_ids: list[str], limits: dict | None,
                 unsafe: bool) -> tuple[dict, str]:
    """A Dask task: grade one submission on this worker; (result, pytest report text)."""
    course = manifest.load(Path(os.environ.get("COURSE_ROOT") or course_root))
    exercises = [course.exercise(i) for i in exercise_ids]
    needed = with_dependencies(course, exercises)
    cache_key = (str(course.root), tuple(exercise_ids), repr(sorted((limits or {}).items())), unsafe)
    if cache_key not in _POOLS:
        missing = isolation_available()
        if missing and not unsafe:
            raise IsolationMissing(f"Dask worker {os.uname().nodename} lacks {missing}")
        staging = Path(tempfile.mkdtemp(prefix="grade-staging-"))
        os.chmod(staging, 0o755)
        offset = 100 + os.getpid() % 800  # as root: uids apart from local templates and other worker processes
        _POOLS[cache_key] = (pool.Templates(course, needed, staging, 1, not missing, limits, offset), staging)
    templates, staging = _POOLS[cache_key]
    jobs = None
    if sub.status == "ok":
        tree = submissions.stage(sub, staging / sub.student, course)
        try:
            jobs = templates.grade(0, tree)
        finally:
            shutil.rmtree(staging / sub.student, ignore_errors=True)
    return pool.score_submission(course, sub, key, exercises, jobs, templates.applied())


def worker_isolation() -> str:
    """Run on each Dask worker: "" where it can jail learner code, else what it lacks."""
    return isolation_available()


def jailing_workers(client, unsafe: bool, warn=print) -> list[str] | None:
    """The addresses of the workers that can jail learner code (None: any worker, when `unsafe`). Raises
    IsolationMissing when none can; names every worker left out."""
    reports = client.run(worker_isolation)
    missing = {address: problem for address, problem in reports.items() if problem}
    if unsafe:
        return None
    if missing:
        listed = "; ".join(f"{address} lacks {problem}" for address, problem in sorted(missing.items()))
        if len(missing) == len(reports):
            raise IsolationMissing(f"no Dask worker can jail learner code ({listed}); fix them, or pass "
                                   "--unsafe-no-isolation to grade anyway (only for code you trust)")
        warn(f"left out of grading, as they cannot jail learner code: {listed}")
    return sorted(a for a in reports if a not in missing)


def grade_on_cluster(address: str, course, todo, exercises, limits: dict | None, unsafe: bool, on_result) -> None:
    """Send every student of `todo` to the workers of the cluster at `address` that can jail learner code;
    on_result(student, result, report) as each ends."""
    from distributed import (  # an optional dependency (the [cluster] extra)
        Client,
        as_completed,
    )

    with Client(address) as client:
        workers = jailing_workers(client, unsafe)
        placement = {} if workers is None else {"workers": workers, "allow_other_workers": False}
        futures = {client.submit(grade_remote, str(course.root), st.submission, st.key, [ex.id for ex in exercises],
                                 limits, unsafe, pure=False, key=f"grade-{st.submission.student}-{st.key[:12]}",
                                 **placement): st
                   for st in todo}
        for future in as_completed(futures):
            result, report = future.result()
            on_result(futures[future], result, report)
