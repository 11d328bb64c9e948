"""The worker process: imports torch once, then forks one contained child per job.

Started by the runner as `python -I -m grader.engine.worker FD`; reads requests on stdin, one JSON
document per line: the first sets the worker up and may carry jobs, each later one carries more
jobs (`grade watch` keeps the worker warm this way); at the end of stdin the worker finishes
what it has and exits. It writes frames to FD (see protocol.py). Learner code runs only in the
children; a child writes only to its own pipes.
"""
from __future__ import annotations

import gc
import json
import os
import resource
import selectors
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback
from dataclasses import replace
from pathlib import Path

from ..containment import jail, sandbox, seccomp, userns
from ..containment.cgroups import JobCgroups
from . import exercise, observe, stamps, wire
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
KILL_GRACE_S = 10.0     # after a jailed job's learner was killed, how long its jail's supervisor may take to say so
JAIL_LOST = -1          # a jailed job's "wait status" when its jail ended without saying how the job did
EXAMPLES_KEPT = 5
JOB_OVERHEAD_MB = 256   # a job's memory cgroup holds its limit plus this: the worker's pages it copies, its tmpfs


def main() -> None:
    if not hasattr(os, "fork"):
        sys.exit("grading needs os.fork (Linux, macOS, or WSL on Windows); this Python has none")
    channel = os.fdopen(int(sys.argv[1]), "wb", buffering=0)
    requests = Requests(sys.stdin.fileno())
    request = requests.first()
    stamps.open_log(request.get("profile"))
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
    jailing = request.get("jail")
    cgroup = JobCgroups(max_pids=exercise.JAIL_PROCESSES, cpu=bool(jailing))
    memory_mb = int(request.get("memory_mb", 2048))
    if jailing:
        jailing = {**jailing, "binds": jail.binds_for(Path(jailing["course_root"])),
                   "seccomp": seccomp_works()}
        info["limits"].append(f"each submission in a jail of its own: a user namespace (uid {jailing['uid']} outside, "
                              "no capabilities, no-new-privs) owning its own IPC, UTS, network, PID and cgroup "
                              "namespaces; its own root filesystem (read-only: Python, the grader, the public checks, "
                              "its submission) and /proc; each exercise in a new process with mount, IPC and network "
                              "(loopback) namespaces and an empty /tmp, /dev/shm and HOME of its own, every process "
                              "it started killed before the next; nothing any of it writes or creates is kept")
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
        self.jail: Jail | None = None     # bulk grading: the submission's jail that runs this job
        self.learner = -1                 # ... and a pidfd of the job's learner process there, once it started
        self.killed_at = 0.0
        self.ended = False                # (jailed) its end was taken in: memory read, draining its pipes
        self.baseline: dict = {}          # its memory cgroup's counts before the job (JobCgroups.mark)


class Jail:
    """A submission's jail as the scheduler that runs its jobs sees it (exercise.jail_supervisor): the
    supervisor's pid, the control socket, the submission's cgroups and scratch folder, and the job it runs now."""

    def __init__(self, target: str, pid: int, control: socket.socket, groups: list[str], scratch: str):
        self.target, self.pid, self.control, self.groups, self.scratch = target, pid, control, groups, scratch
        self.alive = True
        self.child: Child | None = None


class Scheduler:
    """Decides when each job runs and how it ended: at most `parallel` exercises at once, in request order.

    It forks each job's supervisor (exercise.py), reads the learner's records and output from its pipes
    without blocking, kills it at its deadline (timeout) or when it sends more than a frame may hold, and
    reaps it: the job's status (ok, timeout, memory, crashed) comes from how the process ended, never
    from what it said. An isolated request (one bulk submission) runs in a process of its own first; in bulk
    grading (jailed) every request is isolated, and that process starts the submission's jail once and runs its
    jobs there one at a time (the jail's supervisor reports how each learner's process ended).
    """

    def __init__(self, channel, setup: exercise.Setup, parallel: int, cgroup: JobCgroups):
        self.channel, self.cgroup = channel, cgroup
        self.setup = replace(setup, worker_pid=os.getpid())  # what each exercise's supervisor must die with
        self.checks = setup.checks
        self.parallel = max(1, parallel)
        self.selector = selectors.DefaultSelector()
        self.running: dict[int, Child] = {}   # by job number
        self.jail: Jail | None = None
        self.jails = 0

    def run(self, jobs: list[dict], requests: Requests | None) -> None:
        try:
            self.schedule(jobs, requests)
        finally:
            self.close_jail()

    def schedule(self, jobs: list[dict], requests: Requests | None) -> None:
        pending = self.take([{"jobs": jobs}]) if requests is not None else list(jobs)
        if requests is None:
            requests = Requests(-1)
            requests.closed = True
        if requests.pending:
            pending += self.take(requests.more())
        if not requests.closed:
            self.selector.register(requests.fd, selectors.EVENT_READ, requests)
        parallel = 1 if self.setup.jailing else self.parallel   # a jail runs one exercise at a time
        while pending or self.running or not requests.closed:
            while pending and len(self.running) < parallel:
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
                elif isinstance(key.data, Jail):
                    self.hear(key.data)
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
            elif self.setup.jailing:   # a jail shows one tree: each tree's jobs are a submission of their own
                for target in dict.fromkeys(job["target"] for job in doc.get("jobs", [])):
                    self.run_isolated([job for job in doc["jobs"] if job["target"] == target])
            else:
                jobs += doc.get("jobs", [])
        return jobs

    def run_isolated(self, jobs: list[dict]) -> None:
        for job in jobs:
            self.checks[job["checks"]]
        first = {"target": jobs[0]["target"]} if jobs else None
        stamps.stamp(first, "submission: fork")
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                stamps.stamp(first, "submission: forked")
                null = os.open(os.devnull, os.O_RDONLY)  # stdin (the requests) is not this process's to read;
                os.dup2(null, 0)                         # fd 0 stays taken, so no pipe of a job lands on it
                os.close(null)
                self.selector.close()
                Scheduler(self.channel, self.setup, self.parallel, self.cgroup).run(jobs, None)
                stamps.stamp(first, "submission: ran")
                used = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
                stamps.stamp(first, f"submission used cpu={sum(u.ru_utime + u.ru_stime for u in used):.6f}")
            except BaseException:  # noqa: BLE001 - never return into the template's loop
                traceback.print_exc()
                code = EXIT_INTERNAL
            os._exit(code)
        status = os.waitpid(pid, 0)[1]
        stamps.stamp(first, "submission: done")
        if status != 0:  # whatever job got no word from it is lost (the reader ignores repeats)
            for job in jobs:
                _send(self.channel, job["job"], FRAME_END, wire.pack(
                    {"status": JOB_CRASHED, "detail": "the submission's grading process ended unexpectedly",
                     "duration_s": 0.0, "output": ""}))

    def start(self, job: dict) -> None:
        if self.setup.jailing:
            self.start_jailed(job)
            return
        stamps.stamp(job, "start")
        pipes = exercise.Pipes(os.pipe(), os.pipe(), (-1, -1))
        groups = self.cgroup.create(f"job-{job['job']}", int(job["memory_mb"]) + JOB_OVERHEAD_MB)
        scratch = tempfile.mkdtemp(prefix="grade-scratch-")
        pid = os.fork()
        if pid == 0:
            exercise.supervise(self.setup, job, groups, scratch, pipes,
                               [self.channel.fileno(), self.selector.fileno(), *self.running_fds()])
        stamps.stamp(job, "forked")
        for _, write_end in (pipes.result, pipes.output, pipes.observed):
            if write_end >= 0:
                os.close(write_end)
        child = Child(job, pid, pipes.result[0], pipes.output[0], pipes.observed[0])
        child.groups, child.scratch = groups, scratch
        self.watch(child)
        if hasattr(os, "pidfd_open"):  # wake the moment the child ends, instead of at the next tick
            try:
                child.pidfd = os.pidfd_open(pid)
                self.selector.register(child.pidfd, selectors.EVENT_READ, child)
            except OSError:
                child.pidfd = -1

    def watch(self, child: Child) -> None:
        self.running[child.job["job"]] = child
        for fd in child.fds:
            os.set_blocking(fd, False)
            self.selector.register(fd, selectors.EVENT_READ, child)

    def start_jailed(self, job: dict) -> None:
        """Hand the job to the submission's jail (started for its tree, or again after it ended)."""
        jail = self.jail
        if jail is not None and (not jail.alive or jail.target != job["target"]):
            self.close_jail()
            jail = None
        if jail is None:
            jail = self.jail = self.open_jail(job["target"])
        stamps.stamp(job, "start")
        pipes = exercise.Pipes(os.pipe(), os.pipe(), os.pipe())
        child = Child(job, -1, pipes.result[0], pipes.output[0], pipes.observed[0])
        child.jail, jail.child = jail, child
        try:
            JobCgroups.limit(jail.groups, int(job["memory_mb"]) + JOB_OVERHEAD_MB)
            JobCgroups.limit_cpu(jail.groups, job_cpus(self.checks[job["checks"]]))
        except OSError:
            pass
        child.baseline = JobCgroups.mark(jail.groups)
        try:
            socket.send_fds(jail.control, [exercise.JOB + json.dumps(job).encode()],
                            [pipes.result[1], pipes.output[1], pipes.observed[1]])
        except OSError:
            jail.alive = False
            child.exit_status = JAIL_LOST
        for _, write_end in (pipes.result, pipes.output, pipes.observed):
            os.close(write_end)
        self.watch(child)

    def open_jail(self, target: str) -> Jail:
        """Fork the submission's supervisor (exercise.jail_supervisor), in cgroups of the submission's own."""
        self.jails += 1
        groups = self.cgroup.create(f"submission-{os.getpid()}-{self.jails}", JOB_OVERHEAD_MB, oom_group=False)
        scratch = tempfile.mkdtemp(prefix="grade-scratch-")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        stamps.stamp({"target": target}, "jail: fork")
        pid = os.fork()
        if pid == 0:
            ours.close()
            exercise.jail_supervisor(self.setup, target, groups, scratch, theirs,
                                     [self.channel.fileno(), self.selector.fileno(), *self.running_fds()])
        theirs.close()
        jail = Jail(target, pid, ours, groups, scratch)
        self.selector.register(ours, selectors.EVENT_READ, jail)
        return jail

    def hear(self, jail: Jail) -> None:
        """A message from the jail's supervisor: a job's learner started, or ended; nothing: the jail is gone."""
        try:
            message, fds, _, _ = socket.recv_fds(jail.control, exercise.MESSAGE_BYTES, 1)
        except OSError:
            message, fds = b"", []
        child = jail.child
        if not message:
            self.selector.unregister(jail.control)
            jail.alive = False
            if child is not None and child.exit_status is None:
                child.exit_status = JAIL_LOST
            return
        try:
            said = json.loads(message[1:])
        except ValueError:
            said = {}
        if child is None or not isinstance(said, dict) or said.get("job") != child.job["job"]:
            for fd in fds:
                os.close(fd)
            return
        if message[:1] == exercise.STARTED and fds and child.learner < 0:
            child.learner = fds.pop()
            if child.killed_for:   # its time ran out before it started
                self.kill(child, child.killed_for)
        elif message[:1] == exercise.ENDED and child.exit_status is None and isinstance(said.get("status"), int):
            child.exit_status = said["status"]
            if not said.get("clean"):
                jail.alive = False
        for fd in fds:
            os.close(fd)

    def close_jail(self) -> None:
        """End the submission's jail: its supervisor goes, its init and whatever is left in its namespace with it,
        then what is left in its cgroups, and its scratch folder."""
        jail, self.jail = self.jail, None
        if jail is None:
            return
        if jail.control.fileno() in self.selector.get_map():
            self.selector.unregister(jail.control)
        jail.control.close()   # the supervisor reads the end of its commands and exits
        deadline = time.monotonic() + 2.0
        while os.waitpid(jail.pid, os.WNOHANG)[0] == 0:
            if time.monotonic() > deadline:
                for kill in (lambda: os.killpg(jail.pid, signal.SIGKILL), lambda: os.kill(jail.pid, signal.SIGKILL)):
                    try:
                        kill()
                    except (ProcessLookupError, PermissionError):
                        pass
                os.waitpid(jail.pid, 0)
                break
            time.sleep(0.001)
        JobCgroups.destroy(jail.groups)
        shutil.rmtree(jail.scratch, ignore_errors=True)

    def running_fds(self):
        return [fd for c in self.running.values() for fd in (*c.fds, c.pidfd, c.learner) if fd >= 0]

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
        if child.jail is not None:   # the learner's process; its jail's init then kills what it left
            child.killed_at = child.killed_at or time.monotonic()
            if child.learner >= 0:
                try:
                    signal.pidfd_send_signal(child.learner, signal.SIGKILL)
                except (ProcessLookupError, OSError):
                    pass
            return
        for sig_target in (lambda: os.killpg(child.pid, signal.SIGKILL), lambda: os.kill(child.pid, signal.SIGKILL)):
            try:
                sig_target()
            except (ProcessLookupError, PermissionError):
                pass

    def poll(self, child: Child) -> None:
        if child.jail is not None:
            self.poll_jailed(child)
            return
        if child.exit_status is None:
            if time.monotonic() > child.deadline:
                self.kill(child, "timeout")
            pid, status = os.waitpid(child.pid, os.WNOHANG)
            if pid == 0:
                return
            child.exit_status = status
            stamps.stamp(child.job, "reaped")
            try:
                os.killpg(child.pid, signal.SIGKILL)  # leftovers the learner's code started
            except (ProcessLookupError, PermissionError):
                pass
            child.memory = JobCgroups.usage(child.groups)
            JobCgroups.destroy(child.groups)
            shutil.rmtree(child.scratch, ignore_errors=True)
            stamps.stamp(child.job, "cleaned")
            child.drain_until = time.monotonic() + 0.5
        self.retire(child)

    def poll_jailed(self, child: Child) -> None:
        if not child.ended:
            now = time.monotonic()
            if child.exit_status is None and now > child.deadline:
                self.kill(child, "timeout")
            if child.exit_status is None and child.killed_at and now > child.killed_at + KILL_GRACE_S:
                child.jail.alive = False   # its supervisor did not say the job ended: the jail goes, the job with it
                self.close_jail()
                child.exit_status = JAIL_LOST
            if child.exit_status is None:
                return
            stamps.stamp(child.job, "reaped")
            child.memory = JobCgroups.usage(child.jail.groups, since=child.baseline)
            child.ended, child.drain_until = True, now + 0.5
            if not child.jail.alive and self.jail is child.jail:
                self.close_jail()
        self.retire(child)

    def retire(self, child: Child) -> None:
        """Once its process ended: what is left to read of its pipes, then its end record."""
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
        if child.learner >= 0:
            os.close(child.learner)
            child.learner = -1
        if child.jail is not None and child.jail.child is child:
            child.jail.child = None
        del self.running[child.job["job"]]
        self.finish(child)
        stamps.stamp(child.job, "finished")

    def finish(self, child: Child) -> None:
        status, detail = JOB_OK, ""
        code = child.exit_status
        if child.killed_for == "timeout":
            status, detail = JOB_TIMEOUT, f"still running after {child.job['timeout_s']:g} s"
        elif child.killed_for == "output":
            status, detail = JOB_CRASHED, "returned more data than the grader accepts"
        elif code == JAIL_LOST:
            status, detail = JOB_CRASHED, "the submission's jail ended unexpectedly"
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


def job_cpus(checks) -> int:
    """The cores a jailed job's processes may use together: one, or as many as work at once in the exercises whose
    checks start processes on purpose (appendix A's two ranks: `LEARNER_PROCESSES` counts them and their helpers,
    half of them at work), never more than the machine has."""
    declared = getattr(checks, "LEARNER_PROCESSES", 0)
    declared = declared if isinstance(declared, int) and not isinstance(declared, bool) else 0
    return max(1, min(os.cpu_count() or 1, declared // 2))


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
