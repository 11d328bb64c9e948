"""`grade bulk`: a class of untrusted submissions, graded contained, in parallel, resumably.

Each submission is read in a limited helper process (intake.py; as root, as the uid nobody). One template
worker per core imports torch once and knows no submission; each submission's jobs run in a process forked
from it for that submission alone, in a user namespace and jail of that submission's own, each exercise in a
fresh process with its own mount, IPC and network namespaces (grader/containment/, grader/engine/exercise.py). Root is
not needed. The trusted side scores the finished submissions with the checks (pytest: one session for up to
SCORE_BATCH of them, each one's report apart), turns what each job was seen doing into flags, and writes each
student's results atomically at once,
keyed by the submission's content and the grader's version: a run that is killed and started
again continues where it was, regrading nothing finished (`regrade` forces).
"""
from __future__ import annotations

import hashlib
import json
import os
import queue
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..containment.isolation import IsolationMissing, isolation_available
from ..core.files import atomic_write
from ..core import markers
from ..core.manifest import Course, Exercise
from ..core.sources import SourceError, pristine_stub
from ..scoring.cache import grader_version
from ..scoring.grading import with_dependencies
from . import flags, intake, outputs, scaleout, submissions
from .pool import Templates, score_submissions


SCORE_BATCH = 8   # submissions scored in one pytest session: about half the cost of a session each


@dataclass
class Student:
    """What the trusted side knows of one student: the submission as read, and the result file."""

    submission: submissions.Submission
    key: str
    result: dict | None = None
    cached: bool = False
    flags: list[str] = field(default_factory=list)   # every flag, copies included (set when the class is done)


@dataclass
class Progress:
    total: int
    done: int = 0
    cached: int = 0
    started: float = field(default_factory=time.perf_counter)

    def eta(self) -> float | None:
        graded = self.done - self.cached
        left = self.total - self.done
        return (time.perf_counter() - self.started) / graded * left if graded else None


def grade_class(course: Course, folder: Path, exercises: list[Exercise], out: Path, parallel: int | None = None,
                regrade: bool = False, unsafe: bool = False, on_progress=None, limits: dict | None = None,
                dask: str | None = None, profile: Path | None = None) -> list[Student]:
    """Grade every submission in `folder` on `exercises`; per-student results go to out/students/<id>/.
    `limits` ({"timeout_s", "memory_mb"}) overrides the manifest's per-exercise limits; `dask`, the
    address of a Dask scheduler, sends the grading to its workers (each jailing learner code itself);
    `profile`, a file the workers time-stamp each job's phases in (benchmarks/bench_bulk.py --profile)."""
    missing = "" if dask else isolation_available()
    if missing and not unsafe:
        raise IsolationMissing(f"this machine lacks {missing}, which bulk grading needs to contain untrusted code; "
                               "pass --unsafe-no-isolation to grade anyway (only for code you trust)")
    out = Path(out)
    (out / "students").mkdir(parents=True, exist_ok=True)
    version = grader_version(course)
    needed = with_dependencies(course, exercises)
    wanted = submissions.wanted_files(needed)
    students = []
    reading, scratch = intake.intake_course(course)
    entries = submissions.discover(folder)
    named = submissions.name_notes(entries)
    try:
        subs = [intake.read_contained(student, path, wanted, reading) for student, path in entries]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for sub in subs:
        sub.notes[:0] = named.get(sub.student, [])
    for sub in subs:
        student = sub.student
        key = hashlib.sha256(f"{version}\0{sub.digest}\0{','.join(e.id for e in exercises)}\0"
                             f"{json.dumps(limits, sort_keys=True)}".encode()).hexdigest()
        st = Student(sub, key)
        previous = _load(out / "students" / student / "result.json")
        if previous and previous.get("cache_key") == key and not regrade:
            st.result, st.cached = previous, True
        students.append(st)
    progress = Progress(len(students), done=sum(s.cached for s in students), cached=sum(s.cached for s in students))
    todo = [s for s in students if not s.cached]
    if on_progress:
        on_progress(progress)
    if todo and dask:
        def done(st, result, report):
            st.result = result
            save(out, result, report)
            progress.done += 1
            if on_progress:
                on_progress(progress)
        scaleout.grade_on_cluster(dask, course, todo, exercises, limits, unsafe, done)
    elif todo:
        _grade(course, todo, exercises, needed, out, parallel, not missing, progress, on_progress, limits, profile)
    finish_class(course, students, exercises, out)
    return students


def finish_class(course: Course, students: list[Student], exercises: list[Exercise], out: Path) -> None:
    """The class's files from every student's result: gradebook, JUnit, flags (copies included), report."""
    known: dict[str, set] = {}
    for ex in with_dependencies(course, exercises):
        rel = f"{ex.chapter}/{ex.file}"
        for source in (ex.source(course.stubs), ex.source(course.solutions)):
            if source.is_file():
                known.setdefault(rel, set()).update(flags.shingles(source.read_bytes()))
    prints = {s.submission.student: flags.fingerprint(s.submission.files, known) for s in students}
    pairs = flags.similar_pairs(prints)
    reference, stubs = handed_out(course, exercises)
    flagged = {s.submission.student: list(s.result.get("flags", [])) for s in students if s.result}
    for s in students:
        if s.result:
            flagged[s.submission.student] += flags.handout_flags(s.submission.files, reference, stubs)
    for a, b, score in pairs:
        flagged[a].append(f"copy: {score:.0%} like {b}'s submission")
        flagged[b].append(f"copy: {score:.0%} like {a}'s submission")
    flagged = {k: v for k, v in flagged.items() if v}
    for s in students:
        s.flags = flagged.get(s.submission.student, [])
    outputs.write_class(out, [s.result for s in students if s.result], [ex.id for ex in exercises], flagged, pairs,
                {ex.id: ex.title for ex in exercises})


def handed_out(course: Course, exercises: list[Exercise]) -> tuple[dict[str, set[str]], dict[str, bytes]]:
    """(file -> the squeezed lines of its solution's marked regions, file -> the stub as handed out) for the
    files of `exercises`, where the course has them."""
    reference, stubs = {}, {}
    for ex in exercises:
        rel = f"{ex.chapter}/{ex.file}"
        solution = ex.source(course.solutions)
        if solution.is_file() and rel not in reference:
            regions = markers.regions(solution.read_text(encoding="utf-8"))
            reference[rel] = flags.squeezed_lines("\n".join(line for r in regions for line in r["code"]))
        try:
            stubs.setdefault(rel, pristine_stub(course, ex).encode("utf-8"))
        except SourceError:
            pass
    return reference, stubs


def _grade(course, todo, exercises, needed, out, parallel, jailed, progress, on_progress, limits, profile=None) -> None:
    staging = out / ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    os.chmod(staging, 0o755)
    count = max(1, min(parallel or os.cpu_count() or 1, len(todo)))
    templates = Templates(course, needed, staging, count, jailed, limits, profile=profile)
    pending: queue.Queue = queue.Queue()
    for st in todo:
        pending.put(st)
    finished: queue.Queue = queue.Queue()

    def feed(slot: int) -> None:
        while True:
            try:
                st = pending.get_nowait()
            except queue.Empty:
                return
            jobs = None
            if st.submission.status == "ok":
                tree = submissions.stage(st.submission, staging / st.submission.student, course)
                jobs = templates.grade(slot, tree)
            finished.put((st, jobs))

    threads = [threading.Thread(target=feed, args=(slot,), daemon=True) for slot in range(count)]
    for thread in threads:
        thread.start()
    try:
        left = len(todo)
        while left:
            # Several finished submissions at a time, in one pytest session: the session's own cost is paid once for
            # all, and the workers have the cores while this waits. At most SCORE_BATCH, and a quarter of those left,
            # so that a small class (and a large one's last) has its files written as each is done.
            batch = [finished.get() for _ in range(max(1, min(SCORE_BATCH, left // 4)))]
            left -= len(batch)
            scored = score_submissions(course, [(st.submission, st.key, jobs) for st, jobs in batch], exercises,
                                       templates.applied())
            for (st, _), (result, report) in zip(batch, scored):
                save(out, result, report)
                st.result = result
                shutil.rmtree(staging / st.submission.student, ignore_errors=True)
                progress.done += 1
                if on_progress:
                    on_progress(progress)
    finally:
        templates.close()
        shutil.rmtree(staging, ignore_errors=True)


def save(out: Path, result: dict, report: str) -> None:
    """A student's files, written atomically; result.json last."""
    folder = out / "students" / result["student"]
    if report:
        atomic_write(folder / "pytest-report.json", report)
    outputs.write_student(folder, result)


def _load(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
