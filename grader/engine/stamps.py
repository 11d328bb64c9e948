"""Time stamps of a job's phases, for `benchmarks/bench_bulk.py --profile` only.

When the request names a file ("profile"), the worker opens it once (before any job) and each phase of a job
appends a line `monotonic cpu pid target exercise phase` (cpu: that process's own CPU time so far) to it: the
worker, the submission's jail (its supervisor and init), and the learner's process until its observer is
installed — it closes the file then, before any learner code runs. CLOCK_MONOTONIC is the same in every process
(no time namespace is made), so the lines of one job can be subtracted.
Without a profile nothing is opened or written.
"""
from __future__ import annotations

import os
import time

_fd = -1


def open_log(path: str | None) -> None:
    global _fd
    if path:
        _fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)


def stamp(job: dict | None, phase: str) -> None:
    if _fd < 0:
        return
    where = f"{job.get('target', '')}\t{job.get('exercise', '')}" if job else "\t"
    try:
        os.write(_fd, f"{time.monotonic():.6f}\t{time.process_time():.6f}\t{os.getpid()}\t{where}\t{phase}\n".encode())
    except OSError:
        pass


def log_fd() -> int:
    """The log's descriptor (-1 when there is none), which a process closing every other one keeps."""
    return _fd


def close() -> None:
    """In the learner's process, before its code runs: the log is the grader's."""
    global _fd
    if _fd >= 0:
        try:
            os.close(_fd)
        except OSError:
            pass
        _fd = -1
