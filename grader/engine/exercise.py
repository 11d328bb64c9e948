"""The two processes of one exercise, forked from the worker: its supervisor and the learner's process.

The supervisor gets its own process group and pids cgroup, closes the worker's descriptors, dies
with the worker, enters its own loopback-only network namespace and opens a PID namespace (a
reaper as PID 1); the learner's process, the one after it, sees only its own pipes, is jailed in
bulk grading, gets its hard limits, and runs the check module's cases on the learner's code.
"""
from __future__ import annotations

import os
import signal
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from ..containment import cgroups, jail, sandbox
from . import probe, wire
from .protocol import END_OF_RECORDS, EXIT_INTERNAL, EXIT_NO_JAIL, RECORD_LENGTH


@dataclass(frozen=True)
class Setup:
    """What the worker hands every exercise: the check modules, its own memory baseline, the jail."""

    checks: dict
    baseline: int
    jailing: dict | None = None
    loopback: bool = False
    worker_pid: int = 0


def supervise(setup: Setup, job: dict, group, scratch: str, result: tuple[int, int], output: tuple[int, int],
              worker_fds: list[int]) -> None:
    """The exercise's supervisor, the worker's direct child: its own process group and pids cgroup,
    then (where the kernel allows) a new PID namespace holding a reaper as PID 1 and the process
    that runs the learner's code, which thus can signal nothing outside it — not the worker, not
    the grader, not a sibling exercise — and a network namespace whose only interface is its own
    loopback. Ends the way that process ended; never returns."""
    try:
        os.setpgid(0, 0)
        cgroups.PidsCgroup.enter(group)
        sandbox.no_core_dumps()
        for fd in (result[0], output[0], *worker_fds):
            os.close(fd)
        sandbox.die_with_parent(setup.worker_pid, EXIT_INTERNAL)
        if setup.loopback:
            sandbox.own_loopback()
        init = sandbox.start_reaper() if sandbox.new_pid_namespace() else None
        pid = os.fork()
        if pid == 0:
            learner_process(setup, job, scratch, result[1], output[1])
        os.close(result[1])
        os.close(output[1])
        status = os.waitpid(pid, 0)[1]
        if init:
            os.kill(init, signal.SIGKILL)  # the namespace, and whatever is left in it, goes too
    except BaseException:  # noqa: BLE001 - never return into the scheduler
        traceback.print_exc()
        os._exit(EXIT_INTERNAL)
    sandbox.exit_like(status, EXIT_INTERNAL)


def learner_process(setup: Setup, job: dict, scratch: str, result_w: int, output_w: int) -> None:
    """Runs the learner's code: stdin from /dev/null, stdout and stderr into the output pipe, the jail
    (bulk grading), hard limits, then every case; records go down the result pipe. Never returns."""
    code = 0
    try:
        os.chdir(scratch)  # files the learner's code writes land here, and are removed
        devnull = os.open(os.devnull, os.O_RDONLY)
        if devnull != 0:
            os.dup2(devnull, 0)
            os.close(devnull)
        os.dup2(output_w, 1)
        os.dup2(output_w, 2)
        os.close(output_w)
        if setup.jailing:
            try:
                jail.enter(jail.JailSpec(scratch, setup.jailing["binds"], job["target"], setup.jailing["uid"],
                                         setup.jailing["uid"]))
            except OSError as exc:
                print(f"the grader could not build this exercise's jail ({exc}); nothing of yours ran",
                      file=sys.stderr)
                os._exit(EXIT_NO_JAIL)
        sandbox.apply_limits(int(job["memory_mb"]), float(job["timeout_s"]), setup.baseline,
                             processes=64 if setup.jailing else 0)

        def send(record):
            data = wire.pack(record)
            write_all(result_w, RECORD_LENGTH.pack(len(data)) + data)

        probe.run_exercise(Path(job["target"]), job["module"], setup.checks[job["checks"]], send,
                           Path.cwd(), job.get("defines", []))  # cwd: the scratch folder, or the jail's /tmp
        write_all(result_w, END_OF_RECORDS)
    except BaseException:  # noqa: BLE001 - the child must never return into the scheduler
        traceback.print_exc()
        code = EXIT_INTERNAL
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        os._exit(code)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
