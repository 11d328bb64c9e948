"""The processes of one job, forked from the worker: its supervisor and the learner's process.

The supervisor gets its own process group and cgroups, closes the worker's descriptors and dies with the
worker. In bulk grading (`Setup.jailing`) it clones what the jail shows, enters the job's own user, IPC,
UTS, network (loopback only), PID and cgroup namespaces (containment/userns.py) as an unprivileged uid,
starts the namespace's reaper (PID 1) and the learner's process, and then answers the seccomp filter's
notifications (containment/seccomp.py), writing what it saw to the job's observation pipe. Elsewhere
(learner mode) it enters a loopback-only network namespace with its own IPC and UTS namespaces where the
kernel allows, and a PID namespace. The learner's process sees only its own pipes, is jailed in bulk
grading (then watched from inside, observe.py, and filtered by seccomp), gets its hard limits, and runs
the check module's cases on the learner's code.
"""
from __future__ import annotations

import os
import selectors
import signal
import socket
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from ..containment import jail, sandbox, seccomp, userns
from ..containment.cgroups import JobCgroups
from . import observe, probe, wire
from .protocol import END_OF_RECORDS, EVENTS_PER_KIND, EXIT_INTERNAL, EXIT_NO_JAIL, OBSERVATION_LINE, RECORD_LENGTH

JAIL_PROCESSES = 64


@dataclass(frozen=True)
class Setup:
    """What the worker hands every exercise: the check modules, its own memory baseline, the jail."""

    checks: dict
    baseline: int
    jailing: dict | None = None       # {"uid", "binds", "seccomp"}: bulk grading's jail
    loopback: bool = False
    worker_pid: int = 0
    libraries: object = None          # observe.Libraries, taken before forking (bulk grading)


@dataclass
class Pipes:
    """The job's pipes, (read end, write end) each: records, printed output, observations (jailed jobs only)."""

    result: tuple[int, int]
    output: tuple[int, int]
    observed: tuple[int, int] = (-1, -1)

    def readers(self) -> list[int]:
        return [fd for fd in (self.result[0], self.output[0], self.observed[0]) if fd >= 0]


def supervise(setup: Setup, job: dict, groups: list[str], scratch: str, pipes: Pipes, worker_fds: list[int]) -> None:
    """The exercise's supervisor, the worker's direct child (see the module's docstring). Ends the way the
    learner's process ended; never returns."""
    try:
        os.setpgid(0, 0)
        JobCgroups.enter(groups)
        sandbox.no_core_dumps()
        for fd in (*pipes.readers(), *worker_fds):
            os.close(fd)
        status = _jailed(setup, job, scratch, pipes) if setup.jailing else _contained(setup, job, scratch, pipes)
    except BaseException:  # noqa: BLE001 - never return into the scheduler
        traceback.print_exc()
        os._exit(EXIT_INTERNAL)
    sandbox.exit_like(status, EXIT_INTERNAL)


def _contained(setup: Setup, job: dict, scratch: str, pipes: Pipes) -> int:
    """Learner mode: a loopback-only network namespace (with its own IPC and UTS namespaces) and a PID
    namespace, where the kernel allows; the learner's process is the second process in it."""
    sandbox.die_with_parent(setup.worker_pid, EXIT_INTERNAL)
    if setup.loopback:
        sandbox.own_loopback()
    init = sandbox.start_reaper() if sandbox.new_pid_namespace() else None
    pid = os.fork()
    if pid == 0:
        learner_process(setup, job, scratch, pipes)
    os.close(pipes.result[1])
    os.close(pipes.output[1])
    status = os.waitpid(pid, 0)[1]
    if init:
        os.kill(init, signal.SIGKILL)  # the namespace, and whatever is left in it, goes too
    return status


def _jailed(setup: Setup, job: dict, scratch: str, pipes: Pipes) -> int:
    """Bulk grading: the job's namespaces as an unprivileged uid, the jail, and the seccomp monitor."""
    spec = jail.JailSpec(scratch, setup.jailing["binds"], job["target"])
    try:
        trees = jail.prepare(spec)
        userns.enter_job(setup.jailing["uid"])
    except OSError as exc:
        os.write(pipes.output[1], f"the grader could not build this exercise's jail ({exc}); nothing of yours "
                                  "ran\n".encode())
        os._exit(EXIT_NO_JAIL)
    sandbox.die_with_parent(setup.worker_pid, EXIT_INTERNAL)  # set again: changing the uid cleared it
    ours, theirs = socket.socketpair()
    init = sandbox.start_reaper()
    pid = os.fork()
    if pid == 0:
        ours.close()
        learner_process(setup, job, scratch, pipes, trees, theirs)
    jail.close(trees)
    theirs.close()
    for fd in (pipes.result[1], pipes.output[1]):
        os.close(fd)
    status = _monitor(pid, ours, pipes.observed[1])
    os.kill(init, signal.SIGKILL)
    return status


def _monitor(pid: int, channel: socket.socket, observed: int) -> int:
    """Answer the filter's notifications until the learner's process ends; its wait status."""
    note = _Notes(observed)
    selector = selectors.DefaultSelector()
    pidfd = os.pidfd_open(pid)
    selector.register(pidfd, selectors.EVENT_READ, "ended")
    selector.register(channel, selectors.EVENT_READ, "listener")
    monitor = None
    while True:
        for key, _ in selector.select():
            if key.data == "ended":
                status = os.waitpid(pid, 0)[1]
                if monitor:
                    note.summary(monitor.report())
                return status
            if key.data == "listener":
                selector.unregister(channel)
                try:
                    _, fds, _, _ = socket.recv_fds(channel, 1, 1)
                except OSError:
                    fds = []
                if fds:
                    monitor = seccomp.Monitor(fds[0])
                    selector.register(fds[0], selectors.EVENT_READ, "notification")
            else:
                before = monitor.report()
                monitor.handle()
                note.changes(before, monitor.report())


class _Notes:
    """The supervisor's lines on the observation pipe: the first EVENTS_PER_KIND of each kind, then counts."""

    def __init__(self, fd: int):
        self.fd, self.sent = fd, {}

    def line(self, kind: str, detail: str) -> None:
        if self.sent.get(kind, 0) < EVENTS_PER_KIND:
            self.sent[kind] = self.sent.get(kind, 0) + 1
            os.write(self.fd, f"{kind}\t{detail}\n".encode("utf-8", "replace")[:OBSERVATION_LINE])

    def changes(self, before: dict, after: dict) -> None:
        for name, count in after["refused"].items():
            if count != before["refused"].get(name):
                self.line("refused", name)
        if after["processes"] != before["processes"]:
            self.line("started", "a process")
        if after["programs"] != before["programs"]:
            paths = after["program_paths"]
            self.line("ran", paths[-1] if len(paths) > len(before["program_paths"]) else "a program")

    def summary(self, report: dict) -> None:
        counts = {"refused": sum(report["refused"].values()), "started": report["processes"],
                  "ran": report["programs"]}
        for kind, count in counts.items():
            if count > EVENTS_PER_KIND:
                os.write(self.fd, f"count\t{kind}\t{count}\n".encode())


def learner_process(setup: Setup, job: dict, scratch: str, pipes: Pipes, trees: dict | None = None,
                    channel: socket.socket | None = None) -> None:
    """Runs the learner's code: stdin from /dev/null, stdout and stderr into the output pipe, the jail, the
    seccomp filter and the observer (bulk grading), hard limits, then every case; records go down the
    result pipe. Never returns."""
    code = 0
    try:
        if not setup.jailing:
            os.chdir(scratch)  # files the learner's code writes land here, and are removed (the jail has its /tmp)
        devnull = os.open(os.devnull, os.O_RDONLY)
        if devnull != 0:
            os.dup2(devnull, 0)
            os.close(devnull)
        os.dup2(pipes.output[1], 1)
        os.dup2(pipes.output[1], 2)
        if pipes.output[1] > 2:
            os.close(pipes.output[1])
        observer = None
        if setup.jailing:
            try:
                jail.enter(jail.JailSpec(scratch, setup.jailing["binds"], job["target"]), trees)
            except OSError as exc:
                print(f"the grader could not build this exercise's jail ({exc}); nothing of yours ran",
                      file=sys.stderr)
                os._exit(EXIT_NO_JAIL)
        sandbox.apply_limits(int(job["memory_mb"]), float(job["timeout_s"]), setup.baseline,
                             processes=JAIL_PROCESSES if setup.jailing else 0)
        if setup.jailing:
            if setup.jailing.get("seccomp"):
                listener, _ = seccomp.install(notify=True)
                if listener >= 0:
                    socket.send_fds(channel, [b"L"], [listener])
                    os.close(listener)
            channel.close()
            observer = observe.install(pipes.observed[1], job["target"],
                                       [b for b in setup.jailing["binds"] if b not in jail.SYSTEM], setup.libraries)

        def send(record):
            data = wire.pack(record)
            write_all(pipes.result[1], RECORD_LENGTH.pack(len(data)) + data)

        probe.run_exercise(Path(job["target"]), job["module"], setup.checks[job["checks"]], send,
                           Path.cwd(), job.get("defines", []), observer)  # cwd: the scratch folder, or the jail's /tmp
        if observer:
            observer.end()
        write_all(pipes.result[1], END_OF_RECORDS)
    except BaseException:  # noqa: BLE001 - the child must never return into the scheduler
        traceback.print_exc()
        code = EXIT_INTERNAL
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001 - a closed or broken stream must not stop the exit below
                pass
        os._exit(code)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
