"""The worker process: imports torch once, then forks one contained child per job.

Started by the runner as `python -I -m grader.worker FD`; reads one JSON request on stdin and
writes frames to FD: (job, kind, length, payload), payload made by `wire.pack`. Kind C is a
record from the child (a case result), kind X the worker's word on how the child ended.
Learner code runs only in the children; a child writes only to its own pipes.
"""
from __future__ import annotations

import importlib.util
import json
import os
import selectors
import shutil
import signal
import struct
import sys
import tempfile
import time
from pathlib import Path

from . import cgroups, sandbox, wire
from .frames import HEADER, INFO_JOB

OUTPUT_KEEP = 4000


def main() -> None:
    if not hasattr(os, "fork"):
        sys.exit("grading needs os.fork (Linux, macOS, or WSL on Windows); this Python has none")
    channel = os.fdopen(int(sys.argv[1]), "wb", buffering=0)
    request = json.loads(sys.stdin.read())
    info = {"limits": [], "preloaded": []}
    loopback = False
    if not request.get("network", False):
        info["limits"].append(sandbox.isolate_network())
        loopback = sandbox.loopback_namespaces_work()
        info["limits"].append("loopback: each exercise has its own, 127.0.0.1 only (own network namespace)"
                              if loopback else "loopback: none (no network namespace per exercise)")
    info["limits"].append("processes: each exercise in its own PID namespace (it can signal nothing outside)"
                          if sandbox.pid_namespaces_work() else "processes: no PID namespaces here")
    import numpy  # noqa: F401
    import torch
    torch.set_num_threads(1)
    checks = {path: _import_checks(path) for path in {job["checks"] for job in request["jobs"]}}
    for module in checks.values():
        for item in getattr(module, "WORKER_PRELOAD", ()):
            if item not in info["preloaded"]:
                _preload(item)
                info["preloaded"].append(item)
    info["limits"].append(sandbox.protect_files(request.get("read_only", []), request.get("hidden", [])))
    baseline = sandbox.vm_size()
    info["limits"].append(sandbox.describe_limits(baseline))
    cgroup = cgroups.PidsCgroup()
    info["limits"].append(f"processes: at most {cgroup.max_pids} per exercise (pids cgroup)" if cgroup.base
                          else "processes: not limited (no writable pids cgroup); killed by process group")
    _send(channel, INFO_JOB, b"I", wire.pack(info))
    try:
        Scheduler(channel, checks, baseline, int(request.get("parallel", 1)), cgroup, loopback).run(request["jobs"])
    finally:
        cgroup.close()


def _import_checks(path: str):
    name = "_checks_" + Path(path).stem
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _preload(item: str) -> None:
    from . import preload
    getattr(preload, item)()


def _send(channel, job: int, kind: bytes, payload: bytes) -> None:
    channel.write(HEADER.pack(job, kind, len(payload)) + payload)


class Child:
    """One running job: its pid, pipes, deadline and what it has said so far."""

    def __init__(self, job: dict, pid: int, result_fd: int, output_fd: int):
        self.job, self.pid = job, pid
        self.fds = {result_fd: "result", output_fd: "output"}
        self.buffer = b""
        self.output = bytearray()
        self.output_total = 0
        self.started = time.monotonic()
        self.deadline = self.started + float(job["timeout_s"])
        self.killed_for = None
        self.done = False
        self.exit_status = None
        self.drain_until = 0.0
        self.group = None
        self.scratch = ""
        self.pidfd = -1


class Scheduler:
    def __init__(self, channel, checks, baseline: int, parallel: int, cgroup: cgroups.PidsCgroup,
                 loopback: bool = False):
        self.channel, self.checks, self.baseline, self.cgroup = channel, checks, baseline, cgroup
        self.loopback = loopback
        self.parallel = max(1, parallel)
        self.worker_pid = os.getpid()
        self.selector = selectors.DefaultSelector()
        self.running: dict[int, Child] = {}

    def run(self, jobs: list[dict]) -> None:
        pending = list(jobs)
        while pending or self.running:
            while pending and len(self.running) < self.parallel:
                self.start(pending.pop(0))
            now = time.monotonic()
            wait = min([c.deadline for c in self.running.values()] + [now + 0.05]) - now
            for key, _ in self.selector.select(timeout=max(0.0, min(wait, 0.05))):
                if key.fd == key.data.pidfd:
                    self.selector.unregister(key.fd)  # the child ended: poll() below reaps it now
                else:
                    self.read(key.data, key.fd)
            for child in list(self.running.values()):
                self.poll(child)

    def start(self, job: dict) -> None:
        result_r, result_w = os.pipe()
        output_r, output_w = os.pipe()
        group = self.cgroup.create(f"job-{job['job']}")
        scratch = tempfile.mkdtemp(prefix="grade-scratch-")
        pid = os.fork()
        if pid == 0:
            self.supervise(job, group, scratch, result_r, result_w, output_r, output_w)
        os.close(result_w)
        os.close(output_w)
        child = Child(job, pid, result_r, output_r)
        child.group, child.scratch = group, scratch
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

    def supervise(self, job, group, scratch, result_r, result_w, output_r, output_w) -> None:
        """The exercise's supervisor, the worker's direct child: its own process group and pids
        cgroup, then (where the kernel allows) a new PID namespace holding a reaper as PID 1 and
        the process that runs the learner's code, which thus can signal nothing outside it — not
        the worker, not the grader, not a sibling exercise — and a network namespace whose only
        interface is its own loopback. Ends the way that process ended."""
        try:
            os.setpgid(0, 0)
            cgroups.PidsCgroup.enter(group)
            sandbox.no_core_dumps()
            for fd in (result_r, output_r, self.channel.fileno(), self.selector.fileno(), *self.running_fds()):
                os.close(fd)
            sandbox.die_with_parent(self.worker_pid)
            if self.loopback:
                sandbox.own_loopback()
            init = sandbox.start_reaper() if sandbox.new_pid_namespace() else None
            pid = os.fork()
            if pid == 0:
                self.child_main(job, scratch, result_w, output_w)
            os.close(result_w)
            os.close(output_w)
            status = os.waitpid(pid, 0)[1]
            if init:
                os.kill(init, signal.SIGKILL)  # the namespace, and whatever is left in it, goes too
        except BaseException:  # noqa: BLE001 - never return into the scheduler
            os._exit(70)
        sandbox.exit_like(status)

    def child_main(self, job, scratch, result_w, output_w) -> None:
        code = 0
        try:
            os.chdir(scratch)  # files the learner's code writes land here, and are removed
            os.close(0)
            os.open(os.devnull, os.O_RDONLY)  # becomes fd 0
            os.dup2(output_w, 1)
            os.dup2(output_w, 2)
            os.close(output_w)
            sandbox.apply_limits(int(job["memory_mb"]), float(job["timeout_s"]), self.baseline)
            from . import probe

            def send(record):
                data = wire.pack(record)
                _write_all(result_w, struct.pack("<I", len(data)) + data)

            probe.run_exercise(Path(job["target"]), job["module"], self.checks[job["checks"]], send, Path(scratch))
            _write_all(result_w, struct.pack("<I", 0))  # an empty frame: finished normally
        except BaseException:  # noqa: BLE001 - the child must never return into the scheduler
            code = 70
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except BaseException:  # noqa: BLE001
                    pass
            os._exit(code)

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
        child.buffer += data
        if len(child.buffer) > wire.MAX_BYTES:
            self.kill(child, "output")
            child.buffer = b""
        while len(child.buffer) >= 4:
            (n,) = struct.unpack("<I", child.buffer[:4])
            if len(child.buffer) < 4 + n:
                break
            payload, child.buffer = child.buffer[4:4 + n], child.buffer[4 + n:]
            if n == 0:
                child.done = True
            else:
                _send(self.channel, child.job["job"], b"C", payload)

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
            cgroups.PidsCgroup.destroy(child.group)
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
        status, detail = "ok", ""
        code = child.exit_status
        if child.killed_for == "timeout":
            status, detail = "timeout", f"still running after {child.job['timeout_s']:g} s"
        elif child.killed_for == "output":
            status, detail = "crashed", "returned more data than the grader accepts"
        elif os.WIFSIGNALED(code):
            sig = os.WTERMSIG(code)
            if sig == signal.SIGXCPU:
                status, detail = "timeout", "used more CPU time than allowed"
            elif sig == signal.SIGKILL:
                status, detail = "memory", "the process was killed (most likely out of memory)"
            else:
                status, detail = "crashed", f"the process was killed by {signal.Signals(sig).name}"
        elif not child.done:
            exit_code = os.WEXITSTATUS(code)
            status, detail = "crashed", f"the process ended early with exit code {exit_code} (os._exit or a crash)"
        output = bytes(child.output).decode("utf-8", "replace")
        report = {"status": status, "detail": detail, "duration_s": round(time.monotonic() - child.started, 4),
                  "output": output, "output_bytes": child.output_total}
        _send(self.channel, child.job["job"], b"X", wire.pack(report))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


if __name__ == "__main__":
    main()
