"""The processes of one job, forked from the worker, and of bulk grading's jail for one submission.

Learner mode (`supervise`): each job gets a supervisor, the worker's direct child, with its own process group and
cgroups; it closes the worker's descriptors, dies with the worker, enters a loopback-only network namespace with
its own IPC and UTS namespaces where the kernel allows, and a PID namespace, and starts the learner's process.

Bulk grading (`jail_supervisor`): each submission gets one supervisor, forked by the process that runs that
submission's jobs. It enters the submission's cgroups, clones what the jail shows, enters the submission's own
user, IPC, UTS, network (loopback only), PID and cgroup namespaces (containment/userns.py) as an unprivileged uid,
and starts the namespace's init (PID 1), which builds the jail's root (containment/jail.py) and, between
exercises, kills every process left in the namespace. For each exercise the supervisor forks a fresh learner's
process, which joins the jail with mount, IPC and network (loopback) namespaces and empty /tmp, HOME and /dev/shm
of its own, drops every capability, and is filtered by seccomp and watched from inside (observe.py); the supervisor
answers the filter's notifications (containment/seccomp.py), writing what it saw to the job's observation pipe,
and reports how the process ended once nothing it left runs any more. The jail is built once per submission, not once
per exercise; one submission's jail never holds another's code or files.

In both modes the learner's process sees only its own pipes, gets its hard limits, and runs the check module's
cases on the learner's code.
"""
from __future__ import annotations

import ctypes
import errno
import json
import os
import select
import selectors
import signal
import socket
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from ..containment import jail, sandbox, seccomp, userns
from ..containment.cgroups import JobCgroups
from . import observe, probe, stamps, wire
from .protocol import END_OF_RECORDS, EVENTS_PER_KIND, EXIT_INTERNAL, EXIT_NO_JAIL, OBSERVATION_LINE, RECORD_LENGTH

JAIL_PROCESSES = 64
PR_SET_DUMPABLE = 4


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
    """Learner mode: the exercise's supervisor, the worker's direct child (see the module's docstring). Ends the
    way the learner's process ended; never returns."""
    try:
        stamps.stamp(job, "supervisor")
        os.setpgid(0, 0)
        JobCgroups.enter(groups)
        sandbox.no_core_dumps()
        for fd in (*pipes.readers(), *worker_fds):
            os.close(fd)
        status = _contained(setup, job, scratch, pipes)
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


# Bulk grading: the submission's jail. Messages on the control socket (SOCK_SEQPACKET, one message each), from
# the scheduler: JOB + the job as JSON, with its pipes' write ends (result, output, observed); to it: STARTED +
# {"job", "pid"} with a pidfd of the learner's process (to kill it at its deadline), ENDED + {"job", "status" (its
# wait status), "clean" (nothing it left runs any more)}. Between the supervisor and the init: READY with the jail's
# mount namespace or FAILED + why, once; CLEAR (kill what is left), answered CLEARED or STUCK.
JOB, STARTED, ENDED = b"J", b"S", b"E"
READY, FAILED, CLEAR, CLEARED, STUCK = b"R", b"F", b"K", b"D", b"X"
MESSAGE_BYTES = 1 << 16
CLEAR_S = 5.0   # how long the init may take to see every process left in the namespace gone


def jail_supervisor(setup: Setup, target: str, groups: list[str], scratch: str, control: socket.socket,
                    worker_fds: list[int]) -> None:
    """The submission's supervisor (see the module's docstring): builds the jail, then runs each job the scheduler
    sends, one at a time, until the control socket closes. Never returns."""
    first = {"target": target}
    try:
        stamps.stamp(first, "jail: supervisor")
        os.setpgid(0, 0)
        JobCgroups.enter(groups)
        sandbox.no_core_dumps()
        for fd in worker_fds:
            os.close(fd)
        spec = jail.JailSpec(scratch, setup.jailing["binds"], target)
        root, problem = None, ""
        try:
            trees = jail.prepare(spec)
            stamps.stamp(first, "jail: clones")
            userns.enter_job(setup.jailing["uid"])
            stamps.stamp(first, "jail: namespaces")
        except OSError as exc:
            problem = str(exc)
        sandbox.die_with_parent(setup.worker_pid, EXIT_INTERNAL)  # set again: changing the uid cleared it
        init = None
        if not problem:
            init, root, problem = _start_init(spec, trees)   # init: (its socket, its pid)
            jail.close(trees)
            stamps.stamp(first, "jail: root")
        _Supervisor(setup, spec, control, init, root, problem).serve()
    except BaseException:  # noqa: BLE001 - never return into the scheduler
        traceback.print_exc()
        os._exit(EXIT_INTERNAL)
    os._exit(0)


def _start_init(spec: jail.JailSpec, trees: dict) -> tuple[tuple[socket.socket, int] | None, int, str]:
    """Fork the namespace's init; ((its socket, its pid), the jail's mount namespace, '') once it built the root,
    else (None, -1, why not)."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        ours.close()
        _init(spec, trees, theirs)
    theirs.close()
    try:
        message, fds, _, _ = socket.recv_fds(ours, MESSAGE_BYTES, 1)
    except OSError as exc:
        message, fds = FAILED + str(exc).encode(), []
    if message[:1] == READY and fds:
        return (ours, pid), fds[0], ""
    for fd in fds:
        os.close(fd)
    ours.close()
    os.waitpid(pid, 0)
    return None, -1, message[1:].decode("utf-8", "replace") or "its init ended"


def _init(spec: jail.JailSpec, trees: dict, channel: socket.socket) -> None:
    """PID 1 of the submission's namespace: builds the jail's root, hands the supervisor its mount namespace, then
    reaps orphans and, between exercises, kills every other process in the namespace. Learner code can neither
    signal it (the kernel drops signals sent to a namespace's init from inside, unless it handles them: it handles
    none) nor read its memory or descriptors (it is not dumpable). It dies with the supervisor, and the kernel then
    kills everything left in the namespace. Never returns."""
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        sandbox.die_with_parent(None, EXIT_INTERNAL)   # the supervisor, outside; gone already: the channel says so
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        _close_all_but({channel.fileno(), stamps.log_fd(), *(t for t in trees.values() if isinstance(t, int))})
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
            signal.signal(sig, signal.SIG_DFL)
        try:
            jail.build_root(spec, trees)
            namespace = os.open("/proc/self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
            jail.drop_capabilities(libc)
        except OSError as exc:
            channel.send(FAILED + f"the grader could not build the jail ({exc})".encode()[:MESSAGE_BYTES - 1])
            os._exit(EXIT_NO_JAIL)
        socket.send_fds(channel, [READY], [namespace])
        os.close(namespace)
        while True:
            ready, _, _ = select.select([channel], [], [], 0.5)
            _reap_all()
            if not ready:
                continue
            message = channel.recv(16)
            if not message:
                os._exit(0)
            if message[:1] == CLEAR:
                channel.send(CLEARED if _kill_all(libc) else STUCK)
    except BaseException:  # noqa: BLE001 - the init never returns into the supervisor's code
        traceback.print_exc()
        os._exit(EXIT_INTERNAL)


def _close_all_but(keep: set[int]) -> None:
    """Close every descriptor of this process above stderr but those in `keep` (what the process it was forked
    from held — the scheduler's control socket, the init's — is not its to use)."""
    for name in os.listdir("/proc/self/fd"):
        if name.isdigit() and int(name) > 2 and int(name) not in keep:
            try:
                os.close(int(name))
            except OSError:
                pass


def _reap_all() -> None:
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def _kill_all(libc) -> bool:
    """From the init: SIGKILL to every other process of the namespace, until none is left (zombies reaped as they
    become the init's). Whether that happened within CLEAR_S."""
    deadline = time.monotonic() + CLEAR_S
    while time.monotonic() < deadline:
        if libc.kill(-1, signal.SIGKILL) != 0 and ctypes.get_errno() == errno.ESRCH:
            return True   # no process other than this one is left, zombies included
        _reap_all()
        time.sleep(0.0005)
    return False


class _Supervisor:
    """The submission supervisor's loop: one job at a time (its learner's process, seccomp monitor and observation
    notes), and after each the init's word that nothing it left runs any more."""

    def __init__(self, setup: Setup, spec: jail.JailSpec, control: socket.socket,
                 init: tuple[socket.socket, int] | None, root: int, problem: str):
        self.setup, self.spec, self.control, self.init = setup, spec, control, init
        self.root, self.problem = root, problem
        self.selector = selectors.DefaultSelector()
        self.selector.register(control, selectors.EVENT_READ, "control")
        self.job: dict | None = None

    def serve(self) -> None:
        while True:
            # One round answers the filter first, then takes at most one change of job (its end, or the next one):
            # the selector reports anything left over again, and no event of an ended job is read as a new one's.
            ready = {key.data: key for key, _ in self.selector.select()}
            if "notification" in ready:
                monitor = self.job["monitor"]
                before = monitor.report()
                if monitor.handle():
                    self.job["notes"].changes(before, monitor.report())
                elif monitor.finished():   # the job's processes are gone: its filter has nothing more to say
                    self.selector.unregister(monitor.fd)
            if "listener" in ready:
                self.selector.unregister(self.job["listener"])
                try:
                    _, fds, _, _ = socket.recv_fds(self.job["listener"], 1, 1)
                except OSError:
                    fds = []
                if fds:
                    self.job["monitor"] = seccomp.Monitor(fds[0])
                    self.selector.register(fds[0], selectors.EVENT_READ, "notification")
            if "ended" in ready:
                self.end()
            elif "control" in ready:
                try:
                    message, fds, _, _ = socket.recv_fds(self.control, MESSAGE_BYTES, 3)
                except OSError:
                    message, fds = b"", []
                if not message:   # the submission is done (or its scheduler is gone): the init ends, the kernel
                    if self.init:   # kills what is left in the namespace, and its processes' time is accounted
                        self.init[0].close()
                        os.waitpid(self.init[1], 0)
                    return
                if message[:1] == JOB and len(fds) == 3 and self.job is None:
                    self.start(json.loads(message[1:]), Pipes((-1, fds[0]), (-1, fds[1]), (-1, fds[2])))
                else:
                    for fd in fds:
                        os.close(fd)

    def start(self, job: dict, pipes: Pipes) -> None:
        stamps.stamp(job, "supervisor")
        if self.problem:   # nothing of the learner's runs: the job says why, as the scheduler reads any job's end
            os.write(pipes.output[1], f"{self.problem}; nothing of yours ran\n".encode())
            for fd in (pipes.result[1], pipes.output[1], pipes.observed[1]):
                os.close(fd)
            self.control.send(ENDED + json.dumps({"job": job["job"], "status": EXIT_NO_JAIL << 8,
                                                  "clean": True}).encode())
            return
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            keep = {pipes.result[1], pipes.output[1], pipes.observed[1], theirs.fileno(), self.root, stamps.log_fd()}
            learner_process(self.setup, job, "", pipes, lambda: self.enter(keep), theirs)
        theirs.close()
        for fd in (pipes.result[1], pipes.output[1]):
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        socket.send_fds(self.control, [STARTED + json.dumps({"job": job["job"], "pid": pid}).encode()], [pidfd])
        self.job = {"job": job, "pid": pid, "pidfd": pidfd, "listener": ours, "monitor": None,
                    "notes": _Notes(pipes.observed[1]), "observed": pipes.observed[1]}
        self.selector.register(pidfd, selectors.EVENT_READ, "ended")
        self.selector.register(ours, selectors.EVENT_READ, "listener")

    def enter(self, keep: set[int]) -> None:
        """In the learner's process, before any of its code: only its own descriptors, then the jail."""
        _close_all_but(keep)
        sandbox.die_with_parent(None, EXIT_INTERNAL)
        try:
            with open("/proc/self/oom_score_adj", "w") as f:   # the first the kernel kills when memory runs out
                f.write("1000")
        except OSError:
            pass
        jail.enter_exercise(self.spec, self.root)

    def end(self) -> None:
        job = self.job
        _, status, usage = os.wait4(job["pid"], 0)
        stamps.stamp(job["job"], "learner ended")
        stamps.stamp(job["job"], f"learner used cpu={usage.ru_utime + usage.ru_stime:.6f} faults={usage.ru_minflt}")
        monitor = job["monitor"]
        if monitor:
            job["notes"].summary(monitor.report())
        for fileobj in (job["pidfd"], job["listener"], *([monitor.fd] if monitor else [])):
            try:
                self.selector.unregister(fileobj)
            except KeyError:
                pass
        for fd in (job["pidfd"], job["observed"], *([monitor.fd] if monitor else [])):
            os.close(fd)
        job["listener"].close()
        clean = self.clear()
        stamps.stamp(job["job"], "cleared")
        self.job = None
        self.control.send(ENDED + json.dumps({"job": job["job"]["job"], "status": status, "clean": clean}).encode())
        if not clean:
            os._exit(EXIT_INTERNAL)   # the scheduler builds a new jail for the next exercise

    def clear(self) -> bool:
        """Ask the init to kill whatever the exercise left; whether it did."""
        channel = self.init[0]
        try:
            channel.send(CLEAR)
            ready, _, _ = select.select([channel], [], [], CLEAR_S + 1)
            return bool(ready) and channel.recv(16)[:1] == CLEARED
        except OSError:
            return False


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


def learner_process(setup: Setup, job: dict, scratch: str, pipes: Pipes, enter_jail=None,
                    channel: socket.socket | None = None) -> None:
    """Runs the learner's code: stdin from /dev/null, stdout and stderr into the output pipe, the jail
    (`enter_jail()`), the seccomp filter and the observer (bulk grading), hard limits, then every case; records go
    down the result pipe. Never returns."""
    code = 0
    try:
        stamps.stamp(job, "learner process")
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
                enter_jail()
            except OSError as exc:
                print(f"the grader could not build this exercise's jail ({exc}); nothing of yours ran",
                      file=sys.stderr)
                os._exit(EXIT_NO_JAIL)
            stamps.stamp(job, "jail")
        sandbox.apply_limits(int(job["memory_mb"]), float(job["timeout_s"]), setup.baseline,
                             processes=JAIL_PROCESSES if setup.jailing else 0)
        if setup.jailing:
            if setup.jailing.get("seccomp"):
                listener, _ = seccomp.install(notify=True)
                if listener >= 0:
                    socket.send_fds(channel, [b"L"], [listener])
                    os.close(listener)
            stamps.stamp(job, "seccomp")
            channel.close()
            observer = observe.install(pipes.observed[1], job["target"],
                                       [b for b in setup.jailing["binds"] if b not in jail.SYSTEM], setup.libraries)
            stamps.stamp(job, "observer")
        stamps.close()  # the log is the grader's: closed before any of the learner's code runs

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
