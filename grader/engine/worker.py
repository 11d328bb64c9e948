"""The worker process: imports torch once, then forks one contained child per job.

Started by the runner as `python -I -m grader.engine.worker FD`; reads requests on stdin, one JSON
document per line: the first sets the worker up and may carry jobs, each later one carries more
jobs (`grade watch` keeps the worker warm this way); at the end of stdin the worker finishes
what it has and exits. It writes frames to FD (see protocol.py). Learner code runs only in the
children; a child writes only to its own pipes.
"""
from __future__ import annotations

import gc
import os
import selectors
import shutil
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import replace
from pathlib import Path

from ..containment import jail, sandbox, seccomp, userns
from ..containment.cgroups import JobCgroups
from . import exercise, observe, wire
from .intake import Checks, Requests
from .protocol import (
    EXIT_INTERNAL,
    EXIT_NO_JAIL,
    EXIT_TAMPERED,
    FRAME_CASE,
    FRAME_END,
    FRAME_INFO,
    HEADER,
    INFO_JOB,
    JOB_CRASHED,
    JOB_MEMORY,
    JOB_OK,
    JOB_TIMEOUT,
    MAX_BYTES,
    MAX_JOB_BYTES,
    OBSERVATION_LINE,
    OBSERVED,
    RECORD_LENGTH,
)

OUTPUT_KEEP = 4000
EXAMPLES_KEPT = 5
JOB_OVERHEAD_MB = 256   # a job's memory cgroup holds its limit plus this: the worker's pages it copies, its tmpfs


def main() -> None:
    if not hasattr(os, "fork"):
        sys.exit("grading needs os.fork (Linux, macOS, or WSL on Windows); this Python has none")
    channel = os.fdopen(int(sys.argv[1]), "wb", buffering=0)
    requests = Requests(sys.stdin.fileno())
    request = requests.first()
    info = {"limits": [], "preloaded": []}
    loopback = False
    if userns.enter_worker():
        info["limits"].append("user namespace: the worker's own (run by an ordinary user, it keeps its uid)")
    if not request.get("network", False):
        info["limits"].append(sandbox.isolate_network())
        loopback = sandbox.loopback_namespaces_work()
        info["limits"].append("loopback: each exercise has its own, 127.0.0.1 only (own network namespace)"
                              if loopback else "loopback: none (no network namespace per exercise)")
    info["limits"].append("processes: each exercise in its own PID namespace (it can signal nothing outside)"
                          if sandbox.pid_namespaces_work() else "processes: no PID namespaces here")
    import numpy  # noqa: F401 - imported before the fork, so every job shares it
    import torch
    torch.set_num_threads(1)
    checks = Checks(info["preloaded"])
    for path in [*request.get("preload_checks", []), *(job["checks"] for job in request.get("jobs", []))]:
        checks[path]
    info["limits"].append(sandbox.protect_files(request.get("read_only", []), request.get("hidden", [])))
    baseline = sandbox.vm_size()
    info["limits"].append(sandbox.describe_limits(baseline))
    cgroup = JobCgroups(max_pids=exercise.JAIL_PROCESSES)
    jailing = request.get("jail")
    memory_mb = int(request.get("memory_mb", 2048))
    if jailing:
        jailing = {**jailing, "binds": jail.binds_for(Path(jailing["course_root"])),
                   "seccomp": seccomp_works()}
        info["limits"].append(f"each exercise in a jail of its own: a user namespace (uid {jailing['uid']} outside, "
                              "no capabilities, no-new-privs) owning its own IPC, UTS, network, PID and cgroup "
                              "namespaces; its own root filesystem (read-only: Python, the grader, the public checks, "
                              "its submission), /proc, /tmp and HOME; nothing it writes or creates is kept")
        info["limits"].append(seccomp.describe() if jailing["seccomp"] else
                              "system calls: NOT filtered (no seccomp filter could be installed here)")
    info["limits"] += cgroup.describe(memory_mb + JOB_OVERHEAD_MB if cgroup.memory else memory_mb,
                                      exercise.JAIL_PROCESSES if jailing else 0, jail.TMP_MB + 5 * jail.SMALL_MB)
    _send(channel, INFO_JOB, FRAME_INFO, wire.pack(info))
    libraries = observe.Libraries() if jailing else None
    gc.freeze()  # what is loaded now stays out of the children's collections: no copy-on-write of its pages
    try:
        setup = exercise.Setup(checks, baseline, jailing, loopback, libraries=libraries)
        Scheduler(channel, setup, int(request.get("parallel", 1)), cgroup).run(request.get("jobs", []), requests)
    finally:
        cgroup.close()


class Child:
    """One running job: its pid, pipes, deadline and what it has said so far."""

    def __init__(self, job: dict, pid: int, result_fd: int, output_fd: int, observed_fd: int = -1):
        self.job, self.pid = job, pid
        self.fds = {result_fd: "result", output_fd: "output"}
        if observed_fd >= 0:
            self.fds[observed_fd] = "observed"
        self.observed: dict[str, dict] = {}
        self.lines = bytearray()
        self.record_bytes = 0
        self.memory: dict = {}
        self.buffer = bytearray()
        self.output = bytearray()
        self.output_total = 0
        self.started = time.monotonic()
        self.deadline = self.started + float(job["timeout_s"])
        self.killed_for = None
        self.done = False
        self.exit_status = None
        self.drain_until = 0.0
        self.groups: list[str] = []
        self.scratch = ""
        self.pidfd = -1


class Scheduler:
    """Decides when each job runs and how it ended: at most `parallel` exercises at once, in request order.

    It forks each job's supervisor (exercise.py), reads the learner's records and output from its pipes
    without blocking, kills it at its deadline (timeout) or when it sends more than a frame may hold, and
    reaps it: the job's status (ok, timeout, memory, crashed) comes from how the process ended, never
    from what it said. An isolated request (one bulk submission) runs in a process of its own first.
    """

    def __init__(self, channel, setup: exercise.Setup, parallel: int, cgroup: JobCgroups):
        self.channel, self.cgroup = channel, cgroup
        self.setup = replace(setup, worker_pid=os.getpid())  # what each exercise's supervisor must die with
        self.checks = setup.checks
        self.parallel = max(1, parallel)
        self.selector = selectors.DefaultSelector()
        self.running: dict[int, Child] = {}

    def run(self, jobs: list[dict], requests: Requests | None) -> None:
        pending = list(jobs)
        if requests is None:
            requests = Requests(-1)
            requests.closed = True
        if requests.pending:
            pending += self.take(requests.more())
        if not requests.closed:
            self.selector.register(requests.fd, selectors.EVENT_READ, requests)
        while pending or self.running or not requests.closed:
            while pending and len(self.running) < self.parallel:
                job = pending.pop(0)
                self.checks[job["checks"]]  # import (and preload for) a new check module before forking
                self.start(job)
            now = time.monotonic()
            wait = min([c.deadline for c in self.running.values()] + [now + 0.05]) - now
            idle = not self.running and not pending
            for key, _ in self.selector.select(timeout=None if idle else max(0.0, min(wait, 0.05))):
                if key.data is requests:
                    pending += self.take(requests.more())
                    if requests.closed:
                        self.selector.unregister(requests.fd)
                elif key.fd == key.data.pidfd:
                    self.selector.unregister(key.fd)  # the child ended: poll() below reaps it now
                else:
                    self.read(key.data, key.fd)
            for child in list(self.running.values()):
                self.poll(child)

    def take(self, docs: list[dict]) -> list[dict]:
        """The jobs of requests to schedule here; an isolated request (one submission's jobs, in bulk
        grading) runs to its end in a process of its own first, which holds no other submission's jobs."""
        jobs = []
        for doc in docs:
            if doc.get("isolated"):
                self.run_isolated(doc.get("jobs", []))
            else:
                jobs += doc.get("jobs", [])
        return jobs

    def run_isolated(self, jobs: list[dict]) -> None:
        for job in jobs:
            self.checks[job["checks"]]
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                null = os.open(os.devnull, os.O_RDONLY)  # stdin (the requests) is not this process's to read;
                os.dup2(null, 0)                         # fd 0 stays taken, so no pipe of a job lands on it
                os.close(null)
                self.selector.close()
                Scheduler(self.channel, self.setup, self.parallel, self.cgroup).run(jobs, None)
            except BaseException:  # noqa: BLE001 - never return into the template's loop
                traceback.print_exc()
                code = EXIT_INTERNAL
            os._exit(code)
        status = os.waitpid(pid, 0)[1]
        if status != 0:  # whatever job got no word from it is lost (the reader ignores repeats)
            for job in jobs:
                _send(self.channel, job["job"], FRAME_END, wire.pack(
                    {"status": JOB_CRASHED, "detail": "the submission's grading process ended unexpectedly",
                     "duration_s": 0.0, "output": ""}))

    def start(self, job: dict) -> None:
        pipes = exercise.Pipes(os.pipe(), os.pipe(), os.pipe() if self.setup.jailing else (-1, -1))
        groups = self.cgroup.create(f"job-{job['job']}", int(job["memory_mb"]) + JOB_OVERHEAD_MB)
        scratch = tempfile.mkdtemp(prefix="grade-scratch-")
        pid = os.fork()
        if pid == 0:
            exercise.supervise(self.setup, job, groups, scratch, pipes,
                               [self.channel.fileno(), self.selector.fileno(), *self.running_fds()])
        for _, write_end in (pipes.result, pipes.output, pipes.observed):
            if write_end >= 0:
                os.close(write_end)
        child = Child(job, pid, pipes.result[0], pipes.output[0], pipes.observed[0])
        child.groups, child.scratch = groups, scratch
        self.running[pid] = child
        for fd in child.fds:
            os.set_blocking(fd, False)
            self.selector.register(fd, selectors.EVENT_READ, child)
        if hasattr(os, "pidfd_open"):  # wake the moment the child ends, instead of at the next tick
            try:
                child.pidfd = os.pidfd_open(pid)
                self.selector.register(child.pidfd, selectors.EVENT_READ, child)
            except OSError:
                child.pidfd = -1

    def running_fds(self):
        return [fd for c in self.running.values() for fd in (*c.fds, c.pidfd) if fd >= 0]

    def read(self, child: Child, fd: int) -> None:
        try:
            data = os.read(fd, 1 << 20)
        except BlockingIOError:
            return
        if not data:
            self.selector.unregister(fd)
            os.close(fd)
            del child.fds[fd]
            return
        if child.fds[fd] == "output":
            child.output_total += len(data)
            room = OUTPUT_KEEP - len(child.output)
            if room > 0:
                child.output += data[:room]
            return
        if child.fds[fd] == "observed":
            observe_lines(child, data)
            return
        child.buffer += data  # a bytearray: appending is amortised O(len(data))
        child.record_bytes += len(data)
        if len(child.buffer) > MAX_BYTES + RECORD_LENGTH.size or child.record_bytes > MAX_JOB_BYTES + 64:
            self.kill(child, "output")
            child.buffer.clear()
        size = RECORD_LENGTH.size
        start = 0
        while len(child.buffer) - start >= size:
            (n,) = RECORD_LENGTH.unpack_from(child.buffer, start)
            if len(child.buffer) - start < size + n:
                break
            if n == 0:
                child.done = True
            else:
                _send(self.channel, child.job["job"], FRAME_CASE, bytes(child.buffer[start + size:start + size + n]))
            start += size + n
        del child.buffer[:start]

    def kill(self, child: Child, reason: str) -> None:
        if child.killed_for is None:
            child.killed_for = reason
        for sig_target in (lambda: os.killpg(child.pid, signal.SIGKILL), lambda: os.kill(child.pid, signal.SIGKILL)):
            try:
                sig_target()
            except (ProcessLookupError, PermissionError):
                pass

    def poll(self, child: Child) -> None:
        if child.exit_status is None:
            if time.monotonic() > child.deadline:
                self.kill(child, "timeout")
            pid, status = os.waitpid(child.pid, os.WNOHANG)
            if pid == 0:
                return
            child.exit_status = status
            try:
                os.killpg(child.pid, signal.SIGKILL)  # leftovers the learner's code started
            except (ProcessLookupError, PermissionError):
                pass
            child.memory = JobCgroups.usage(child.groups)
            JobCgroups.destroy(child.groups)
            shutil.rmtree(child.scratch, ignore_errors=True)
            child.drain_until = time.monotonic() + 0.5
        if child.fds and time.monotonic() < child.drain_until:
            return
        for fd in list(child.fds):
            self.selector.unregister(fd)
            os.close(fd)
        child.fds.clear()
        if child.pidfd >= 0:
            if child.pidfd in self.selector.get_map():
                self.selector.unregister(child.pidfd)
            os.close(child.pidfd)
        del self.running[child.pid]
        self.finish(child)

    def finish(self, child: Child) -> None:
        status, detail = JOB_OK, ""
        code = child.exit_status
        if child.killed_for == "timeout":
            status, detail = JOB_TIMEOUT, f"still running after {child.job['timeout_s']:g} s"
        elif child.killed_for == "output":
            status, detail = JOB_CRASHED, "returned more data than the grader accepts"
        elif os.WIFSIGNALED(code):
            sig = os.WTERMSIG(code)
            if sig == signal.SIGXCPU:
                status, detail = JOB_TIMEOUT, "used more CPU time than allowed"
            elif sig == signal.SIGKILL:
                status, detail = JOB_MEMORY, "the process was killed (most likely out of memory)"
            else:
                status, detail = JOB_CRASHED, f"the process was killed by {signal.Signals(sig).name}"
        elif not child.done and os.WEXITSTATUS(code) == EXIT_NO_JAIL:
            status, detail = JOB_CRASHED, "the grader could not build this exercise's jail: nothing of yours ran"
        elif not child.done and os.WEXITSTATUS(code) == EXIT_TAMPERED:
            status, detail = JOB_CRASHED, "the code closed or replaced the grader's observation channel"
        elif not child.done:
            exit_code = os.WEXITSTATUS(code)
            status, detail = JOB_CRASHED, f"the process ended early with exit code {exit_code} (os._exit or a crash)"
        output = bytes(child.output).decode("utf-8", "replace")
        if child.lines:
            observe_lines(child, b"\n")
        if child.done and self.setup.jailing and "end" not in child.observed:
            note(child, "forged", "the observation channel ended before the grading did")
        child.observed.pop("end", None)
        report = {"status": status, "detail": detail, "duration_s": round(time.monotonic() - child.started, 4),
                  "output": output, "output_bytes": child.output_total, "observed": child.observed,
                  "memory": child.memory}
        _send(self.channel, child.job["job"], FRAME_END, wire.pack(report))


def observe_lines(child: Child, data: bytes) -> None:
    """Lines from the job's observation pipe (observe.py, the supervisor's seccomp monitor), kept bounded:
    per kind a count and EXAMPLES_KEPT details."""
    child.lines += data
    *lines, rest = bytes(child.lines).split(b"\n")
    child.lines = bytearray(rest[:OBSERVATION_LINE])
    for line in lines:
        kind, _, detail = line.decode("utf-8", "replace").partition("\t")
        if kind == "count":
            counted, _, number = detail.partition("\t")
            if counted in child.observed and number.isdigit():
                child.observed[counted]["count"] = max(child.observed[counted]["count"], min(int(number), 10**9))
        elif kind in OBSERVED or kind == "end":
            note(child, kind, detail)
        elif line.strip():
            note(child, "forged", line[:80].decode("utf-8", "replace"))


def note(child: Child, kind: str, detail: str) -> None:
    entry = child.observed.setdefault(kind, {"count": 0, "examples": []})
    entry["count"] += 1
    detail = "".join(c if c.isprintable() else " " for c in detail)[:240]
    if detail and detail not in entry["examples"] and len(entry["examples"]) < EXAMPLES_KEPT:
        entry["examples"].append(detail)


def seccomp_works() -> bool:
    """Whether a seccomp filter can be installed here (tried in a throwaway child)."""
    pid = os.fork()
    if pid == 0:
        try:
            fd, _ = seccomp.install(notify=True)
            os._exit(0 if fd >= 0 else 1)
        except BaseException:  # noqa: BLE001 - a forked child never returns into the worker's code
            os._exit(2)
    return os.waitpid(pid, 0)[1] in (0, 256)


def _send(channel, job: int, kind: bytes, payload: bytes) -> None:
    channel.write(HEADER.pack(job, kind, len(payload)) + payload)


if __name__ == "__main__":
    main()
