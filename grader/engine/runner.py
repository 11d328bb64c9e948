"""Trusted side of the worker: start it, hand it jobs, collect what comes back as plain data.

The worker starts at once (it spends its first second importing torch) while this process
collects the checks; `JobResult.wait()` blocks until that job's child has ended.
"""
from __future__ import annotations

import ast
import functools
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..containment import environment
from ..core.manifest import Course, Exercise
from .protocol import (
    FRAME_END,
    HEADER,
    INFO_JOB,
    JOB_LOST,
    MAX_BYTES,
    MAX_ITEMS,
    MAX_JOB_BYTES,
    OBSERVED,
    RECORD_CASE,
    RECORD_IMPORT,
    clean_error,
    clean_text,
    unclean,
)

STDERR_KEEP = 20_000



@dataclass
class JobResult:
    """Everything the worker said about one (tree, exercise) job."""

    exercise: Exercise
    target: Path
    cases: dict = field(default_factory=dict)   # case name -> {"ok", "value" | "error", "duration_s"}
    import_error: dict | None = None
    status: str | None = None                   # ok · timeout · memory · crashed · lost
    detail: str = ""
    output: str = ""
    output_bytes: int = 0
    duration_s: float = 0.0
    rejected: int = 0                           # records dropped: garbled, or for cases the check never declared
    observed: dict = field(default_factory=dict)  # kind -> {"count", "examples"}: what the job was seen doing
    memory: dict = field(default_factory=dict)    # {"peak_mb", "oom_kills"}: its memory cgroup, where it had one
    received: int = 0                           # bytes of its records read so far
    items: int = 0                              # JSON values in them (an upper bound, by separators)
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    def wait(self, timeout: float | None = None) -> JobResult:
        if not self._done.wait(timeout):
            raise TimeoutError(f"no result for {self.exercise.id}")
        return self


class Worker:
    """One worker process and the thread that reads its frames.

    With `keep_open`, the worker stays up after the first jobs and `submit` hands it more (for
    `grade watch`): `targets` then names every tree later jobs may grade (the worker's mount
    namespace is set up once), `preload` the exercises whose check modules to import up front."""

    def __init__(self, jobs: list[tuple[Path, Exercise]], course: Course, parallel: int | None = None,
                 network: bool = False, limits: dict | None = None, keep_open: bool = False,
                 targets: list[Path] = (), preload: list[Exercise] = (), jail_uid: int | None = None,
                 profile: Path | None = None):
        self.course, self.limits = course, limits or {}
        self.results: list[JobResult] = []
        self.info: dict = {}
        self.stderr = b""
        roots = _outermost([course.root.resolve(), *(Path(t).resolve() for t in targets),
                            *(target.resolve() for target, _ in jobs)])
        request = {
            "parallel": parallel or os.cpu_count() or 1,
            "network": network,
            "memory_mb": self.limits.get("memory_mb", max((ex.memory_mb for ex in course.exercises), default=2048)),
            "read_only": [str(p) for p in roots],
            "hidden": _hidden(course, [*targets, *(target for target, _ in jobs)]),
            "preload_checks": [str(ex.check_path(course.root)) for ex in preload],
            "jobs": self._jobs(jobs),
        }
        if profile is not None:  # benchmarks/bench_bulk.py --profile: each job's phases, time-stamped
            request["profile"] = str(profile)
        if jail_uid is not None:  # bulk grading: each exercise in a jail of its own, as this uid
            request["jail"] = {"uid": jail_uid, "course_root": str(course.root.resolve())}
        read_fd, write_fd = os.pipe()
        from course_data import gpt2
        env = environment.for_learner(os.environ, gpt2.offline_env())  # learner code may call tiktoken itself
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "grader.engine.worker", str(write_fd)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            pass_fds=(write_fd,), env=env, cwd=str(course.root),
        )
        os.close(write_fd)
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        self.proc.stdin.flush()
        if not keep_open:
            self.proc.stdin.close()
        self._stream = os.fdopen(read_fd, "rb")
        self._reader_done = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _jobs(self, jobs: list[tuple[Path, Exercise]]) -> list[dict]:
        """JobResults for `jobs` (appended to self.results), as the worker's job records."""
        first = len(self.results)
        self.results += [JobResult(ex, target) for target, ex in jobs]
        return [{"job": first + i, "target": str(r.target.resolve()), "exercise": r.exercise.id,
                 "module": f"{r.exercise.chapter}/{r.exercise.file}", "defines": list(r.exercise.defines),
                 "checks": str(r.exercise.check_path(self.course.root)),
                 "timeout_s": self.limits.get("timeout_s", r.exercise.timeout_s),
                 "memory_mb": self.limits.get("memory_mb", r.exercise.memory_mb)}
                for i, r in enumerate(self.results[first:])]

    def submit(self, jobs: list[tuple[Path, Exercise]], isolated: bool = False) -> list[JobResult]:
        """More jobs for a worker started with keep_open; their results, in order. `isolated`: the jobs
        are one submission's, run in a process of its own that knows no other submission's jobs."""
        records = self._jobs(jobs)
        try:
            self.proc.stdin.write(json.dumps({"jobs": records, "isolated": isolated}).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the worker is gone: the reader marks these jobs lost
        results = self.results[-len(records):] if records else []
        if self._reader_done.is_set():
            self._mark_lost(results)
        return results

    @property
    def alive(self) -> bool:
        return not self._reader_done.is_set()

    def _read_stderr(self) -> None:
        """The worker's stderr, of which only the last STDERR_KEEP bytes are kept, however much comes."""
        while True:
            chunk = self.proc.stderr.read1(1 << 16)
            if not chunk:
                return
            self.stderr = (self.stderr + chunk)[-STDERR_KEEP:]

    def _read(self) -> None:
        ended = False
        try:
            while True:
                head = self._stream.read(HEADER.size)
                if len(head) < HEADER.size:
                    break
                job, kind, n = HEADER.unpack(head)
                if n > MAX_BYTES:  # announced more than any frame may hold: the stream is not ours to trust
                    break
                payload = self._stream.read(n)
                if len(payload) < n:
                    break
                try:
                    self._take(job, kind, payload)
                except Exception:  # noqa: BLE001 - one malformed record must not stop the reader
                    continue
            ended = True
        finally:
            if not ended:  # reading failed: stop the worker rather than leave it blocked on the pipe
                self.proc.kill()
            self.proc.wait()
            self._reader_done.set()
            self._mark_lost(self.results)

    def _mark_lost(self, results: list[JobResult]) -> None:
        for r in results:
            if not r._done.is_set():
                r.status = JOB_LOST
                r.detail = "the grading worker stopped unexpectedly" + _tail(self.stderr)
                r._done.set()

    def _take(self, job: int, kind: bytes, payload: bytes) -> None:
        # numpy (70 ms) loads here, in the reader thread, once the worker has started: not before it
        from . import wire
        result = self.results[job] if 0 <= job < len(self.results) else None
        if job != INFO_JOB and (result is None or result._done.is_set()):
            return
        if result is not None and kind != FRAME_END:  # a job's records: bounded in bytes and values, all together
            result.received += len(payload)
            result.items += wire.count_items(payload)
            if result.received > MAX_JOB_BYTES or result.items > MAX_ITEMS:
                result.rejected += 1
                return
        try:
            record = wire.unpack(payload)
        except wire.WireError as exc:
            record = {"record": "garbled", "error": str(exc)}
        if job == INFO_JOB:
            self.info = record if isinstance(record, dict) else {}
            return
        if not isinstance(record, dict):
            result.rejected += 1
            return
        _note_unclean(result, record)
        if kind == FRAME_END:
            result.status = str(record.get("status"))
            result.detail = str(record.get("detail", ""))
            result.output = clean_text(record.get("output", ""), 8000)
            count = record.get("output_bytes")
            result.output_bytes = count if isinstance(count, int) and not isinstance(count, bool) else 0
            result.duration_s = float(record.get("duration_s", 0.0))
            result.observed.update(clean_observed(record.get("observed")))
            memory = record.get("memory") if isinstance(record.get("memory"), dict) else {}
            result.memory = {k: float(memory[k]) for k in ("peak_mb", "oom_kills")
                             if isinstance(memory.get(k), (int, float)) and not isinstance(memory.get(k), bool)}
            result._done.set()
        elif record.get("record") == RECORD_IMPORT:
            result.import_error = clean_error(record.get("error"))
        elif record.get("record") == RECORD_CASE and record.get("name") not in result.cases and record.get(
                "name") in declared_cases(str(result.exercise.check_path(self.course.root))):
            ok = record.get("ok") is True
            result.cases[record["name"]] = {
                "ok": ok, "value": record.get("value") if ok else None,
                "error": None if ok else clean_error(record.get("error")),
                "duration_s": record.get("duration_s") if isinstance(record.get("duration_s"), float) else 0.0}
        else:
            result.rejected += 1

    def close(self) -> None:
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self._reader.join(timeout=5)


def _note_unclean(result: JobResult, record: dict) -> None:
    """Count the learner's texts that held control characters or lone surrogates (cleaned before use)."""
    error = record.get("error") if isinstance(record.get("error"), dict) else {}
    where = error.get("where") if isinstance(error.get("where"), dict) else {}
    texts = [record.get("output"), error.get("message"), error.get("todo"), where.get("code")]
    if any(unclean(t) for t in texts):
        entry = result.observed.setdefault("text", {"count": 0, "examples": []})
        entry["count"] += 1


def clean_observed(observed) -> dict:
    """The end record's observations, reduced to known kinds, counts and a few short strings."""
    clean = {}
    for kind, entry in (observed.items() if isinstance(observed, dict) else ()):
        if kind in OBSERVED and isinstance(entry, dict) and isinstance(entry.get("count"), int):
            examples = entry.get("examples") if isinstance(entry.get("examples"), list) else []
            clean[kind] = {"count": max(0, min(entry["count"], 10**9)),
                           "examples": [clean_text(e, 240) for e in examples[:5]]}
    return clean


def _hidden(course: Course, targets: list[Path]) -> list[str]:
    """What learner code must not read: the snapshots, and solutions/ unless it is being graded."""
    hidden = [course.root.resolve() / "tests" / "snapshots", course.solutions.resolve()]
    graded = {Path(t).resolve() for t in targets}
    return [str(p) for p in hidden if p not in graded and not any(p in g.parents for g in graded)]


@functools.cache
def declared_cases(check_path: str) -> frozenset[str]:
    """The names of the cases a check module declares (`@case def name` and `name = case(...)`), read from its
    source (not imported): records for any other name are dropped."""
    tree = ast.parse(Path(check_path).read_text(encoding="utf-8"))

    def is_case(node) -> bool:
        return getattr(node, "id", getattr(node, "attr", None)) == "case"
    decorated = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)
                 and any(is_case(d) for d in node.decorator_list)}
    assigned = {node.targets[0].id for node in tree.body if isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call)
                and is_case(node.value.func)
                and len(node.value.args) + len(node.value.keywords) >= 2}  # case(fn) alone marks fn, as at run time
    return frozenset(decorated | assigned)


def _outermost(paths: list[Path]) -> list[Path]:
    """The paths that are not inside another one of them, each once."""
    unique = sorted(set(paths), key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in unique:
        if not any(path == k or k in path.parents for k in kept):
            kept.append(path)
    return kept


def _tail(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace").strip()
    return f":\n{text[-2000:]}" if text else ""
