"""Trusted side of the worker: start it, hand it jobs, collect what comes back as plain data.

The worker starts at once (it spends its first second importing torch) while this process
collects the checks; `JobResult.wait()` blocks until that job's child has ended.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .frames import HEADER, INFO_JOB
from .manifest import Course, Exercise



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
    duration_s: float = 0.0
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    def wait(self, timeout: float | None = None) -> "JobResult":
        if not self._done.wait(timeout):
            raise TimeoutError(f"no result for {self.exercise.id}")
        return self


class Worker:
    """One worker process and the thread that reads its frames."""

    def __init__(self, jobs: list[tuple[Path, Exercise]], course: Course, parallel: int | None = None,
                 network: bool = False, limits: dict | None = None):
        self.results = [JobResult(ex, target) for target, ex in jobs]
        self.info: dict = {}
        self.stderr = b""
        roots = _outermost([course.root.resolve(), *(r.target.resolve() for r in self.results)])
        request = {
            "parallel": parallel or os.cpu_count() or 1,
            "network": network,
            "read_only": [str(p) for p in roots],
            "hidden": [str(course.root.resolve() / "tests" / "snapshots")],
            "jobs": [
                {"job": i, "target": str(r.target.resolve()), "module": f"{r.exercise.chapter}/{r.exercise.file}",
                 "checks": str(r.exercise.check_path(course.root)), "exercise": r.exercise.id,
                 "timeout_s": (limits or {}).get("timeout_s", r.exercise.timeout_s),
                 "memory_mb": (limits or {}).get("memory_mb", r.exercise.memory_mb)}
                for i, r in enumerate(self.results)
            ],
        }
        read_fd, write_fd = os.pipe()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        from course_data import gpt2
        env.update(gpt2.offline_env())  # learner code may call tiktoken itself
        env["OMP_NUM_THREADS"] = "1"  # as the worker's torch.set_num_threads(1), for interpreters learner code
        # spawns (torch.multiprocessing.spawn): one thread per core in each would overrun the pids cgroup
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "grader.worker", str(write_fd)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            pass_fds=(write_fd,), env=env, cwd=str(course.root),
        )
        os.close(write_fd)
        self.proc.stdin.write(json.dumps(request).encode())
        self.proc.stdin.close()
        self._stream = os.fdopen(read_fd, "rb")
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stderr(self) -> None:
        self.stderr = self.proc.stderr.read()[-20000:]

    def _read(self) -> None:
        ended = False
        try:
            while True:
                head = self._stream.read(HEADER.size)
                if len(head) < HEADER.size:
                    break
                job, kind, n = HEADER.unpack(head)
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
            for r in self.results:
                if not r._done.is_set():
                    r.status = "lost"
                    r.detail = "the grading worker stopped unexpectedly" + _tail(self.stderr)
                    r._done.set()

    def _take(self, job: int, kind: bytes, payload: bytes) -> None:
        from . import wire  # numpy: imported here, in the reader thread, after the worker started
        try:
            record = wire.unpack(payload)
        except wire.WireError as exc:
            record = {"record": "garbled", "error": str(exc)}
        if job == INFO_JOB:
            self.info = record if isinstance(record, dict) else {}
            return
        if not 0 <= job < len(self.results):
            return
        result = self.results[job]
        if result._done.is_set() or not isinstance(record, dict):
            return
        if kind == b"X":
            result.status = str(record.get("status"))
            result.detail = str(record.get("detail", ""))
            result.output = str(record.get("output", ""))
            result.duration_s = float(record.get("duration_s", 0.0))
            result._done.set()
        elif record.get("record") == "import":
            result.import_error = clean_error(record.get("error"))
        elif record.get("record") == "case" and isinstance(record.get("name"), str):
            ok = record.get("ok") is True
            result.cases[record["name"]] = {
                "ok": ok, "value": record.get("value") if ok else None,
                "error": None if ok else clean_error(record.get("error")),
                "duration_s": record.get("duration_s") if isinstance(record.get("duration_s"), float) else 0.0}

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self._reader.join(timeout=5)


def clean_error(error) -> dict:
    """An error record from the learner's process, reduced to the fields and types feedback uses
    (the process is untrusted: anything else it sends is dropped)."""
    error = error if isinstance(error, dict) else {}
    text = {k: str(error.get(k) or "")[:2000] for k in ("type", "message", "kind", "todo")}
    where = error.get("where")
    if isinstance(where, dict):
        line = where.get("line")
        where = {"file": str(where.get("file", ""))[:300], "line": line if isinstance(line, int) else 0,
                 "function": str(where.get("function", ""))[:100], "code": str(where.get("code", ""))[:300]}
    else:
        where = None
    return {**text, "kind": text["kind"] or "error", "todo": text["todo"] or None, "where": where}


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
