"""Containment for the worker: what the OS offers here, applied and reported.

The worker drops the network (network namespace) and protects files (mount namespace: course
and submissions read-only, snapshots hidden). Each exercise gets a supervisor with its own
process group, a new PID namespace and a network namespace of its own holding only a loopback
interface, and the learner's process gets rlimits on memory (address space above the worker's
baseline), CPU time, file size and core dumps. Where the kernel refuses something, the
description returned says so. Pids cgroups: `cgroups.py`.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
MEMORY_WORDS = ("can't allocate memory", "not enough memory", "out of memory", "Cannot allocate memory")


def isolate_network() -> str:
    """Enter a new, empty network namespace. Returns what was applied, for the report."""
    if not sys.platform.startswith("linux"):
        return "network: not isolated (needs Linux namespaces)"
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return "network: not isolated (no libc)"
    if libc.unshare(CLONE_NEWNET) == 0 or (os.geteuid() != 0 and libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0):
        return "network: none (own network namespace)"
    return f"network: not isolated (unshare failed: {os.strerror(ctypes.get_errno())})"


def own_loopback() -> bool:
    """Enter a new network namespace and bring up its only interface, the loopback (lo is down in a
    new namespace). Code started afterwards can talk to itself on 127.0.0.1 (torch.distributed's
    gloo rendezvous, appendix A) but reaches nothing outside and no other exercise, and a fixed port
    such as the book's 12345 cannot collide with another exercise's. New IPC and UTS namespaces come
    with it where the kernel allows: SysV objects the code makes go with the exercise. False where refused."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) != 0 and libc.unshare(CLONE_NEWNET) != 0:
            return False
        import fcntl
        import socket
        import struct
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            request = struct.pack("16sH22x", b"lo", 0)  # struct ifreq: name, then ifr_flags
            flags = struct.unpack("16sH22x", fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, request))[1]
            fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))
        return True
    except OSError:
        return False


def loopback_namespaces_work() -> bool:
    """Whether a child of this process could get a network namespace with a working loopback."""
    pid = os.fork()
    if pid == 0:
        os._exit(0 if own_loopback() else 1)
    return os.waitpid(pid, 0)[1] == 0


def new_pid_namespace() -> bool:
    """Children forked after this call start a new PID namespace (the first one is its init)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWPID) == 0
    except OSError:
        return False


def pid_namespaces_work() -> bool:
    """Whether a child of this process could enter a new PID namespace (tried in a throwaway fork)."""
    pid = os.fork()
    if pid == 0:
        os._exit(0 if new_pid_namespace() else 1)
    return os.waitpid(pid, 0)[1] == 0


def start_reaper() -> int:
    """Start the namespace's init (PID 1), which must exist before the learner's process so that
    process is an ordinary one. `setpriv --pdeathsig KILL sleep` started with posix_spawn costs
    ~1 ms where a fork of the worker (torch loaded) costs ~12 ms; either way the init dies with
    the supervisor, and the kernel then kills whatever is left in the namespace."""
    setpriv = shutil.which("setpriv")
    sleep = shutil.which("sleep")
    if setpriv and sleep and hasattr(os, "posix_spawn"):
        return os.posix_spawn(setpriv, [setpriv, "--pdeathsig", "KILL", sleep, "86400"], {})
    pid = os.fork()
    if pid == 0:
        _reaper(ctypes.CDLL(None, use_errno=True))
    return pid


def exit_like(status: int, otherwise: int) -> None:
    """End this process the way the one with wait status `status` ended (same code or signal), else with
    exit code `otherwise`."""
    import signal
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else otherwise)


def die_with_parent(parent: int | None, code: int) -> None:
    """Linux: get SIGKILL when the parent dies (a supervisor never outlives the worker); if the
    parent is already gone (it died between fork and this call), exit now with `code`. `parent` None: the
    parent lies outside this process's PID namespace (its pid reads 0 here), and its end kills the namespace."""
    if sys.platform.startswith("linux"):
        import signal
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass
    if parent is not None and os.getppid() != parent:
        os._exit(code)


def no_core_dumps() -> None:
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    except (ImportError, ValueError, OSError):
        pass


def _reaper(libc) -> None:
    """PID 1 of the namespace: reap orphans until its parent goes away."""
    import signal
    import time
    try:
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the parent
        for fd in range(3, 256):
            try:
                os.close(fd)
            except OSError:
                pass
        while True:
            try:
                os.wait()
            except ChildProcessError:
                time.sleep(0.2)
    finally:
        os._exit(0)


MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18


def mount(source, target, fstype, flags, data=None) -> None:
    """mount(2); raises OSError naming the target."""
    libc = ctypes.CDLL(None, use_errno=True)
    enc = [x.encode() if x else None for x in (source, target, fstype, data)]
    if libc.mount(enc[0], enc[1], enc[2], flags, enc[3]) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), target)


def protect_files(read_only: list[str], hidden: list[str]) -> str:
    """In a private mount namespace, make `read_only` folders read-only and cover `hidden` ones
    with an empty tmpfs, for this process and every child it forks (the grader's view is unchanged).

    So learner code can neither rewrite the course's checks, snapshots or anyone's submission,
    nor read the snapshots it is compared with."""
    if not sys.platform.startswith("linux"):
        return "files: not protected (needs Linux mount namespaces)"
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return "files: not protected (no libc)"
    if libc.unshare(CLONE_NEWNS) != 0 and (os.geteuid() == 0 or libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0):
        return f"files: not protected (no mount namespace: {os.strerror(ctypes.get_errno())})"
    try:
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        for path in read_only:
            mount(path, path, None, MS_BIND | MS_REC)
            mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY)
        for path in hidden:
            if os.path.isdir(path):
                mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=4k,mode=0555")
    except OSError as exc:
        return f"files: partly protected ({exc})"
    return "files: course and submissions read-only, snapshots hidden (mount namespace)"


def vm_size() -> int:
    """Current virtual memory size of this process in bytes (0 where unknown)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


FILE_LIMIT = 64 * 2**20
OPEN_FILES = 1024


def apply_limits(memory_mb: int, cpu_s: float, baseline_vm: int, processes: int = 0) -> list[str]:
    """Rlimits for the current (child) process, hard limits included, so learner code cannot raise
    them; returns what was applied. CPU time: SIGXCPU at the limit (reported as a timeout), SIGKILL one
    second later. `processes` (RLIMIT_NPROC) only makes sense for a uid of the exercise's own."""
    try:
        import resource
    except ImportError:  # Windows
        return ["no rlimits on this OS: memory and CPU are not limited"]
    applied = []

    def setlimit(which, value, label, hard_extra=0):
        try:
            _, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
                hard_extra = min(hard_extra, hard - value)
            resource.setrlimit(which, (value, value + hard_extra))
            applied.append(label)
        except (ValueError, OSError):
            applied.append(f"{label} not applied")

    if baseline_vm:
        setlimit(resource.RLIMIT_AS, baseline_vm + memory_mb * 2**20, f"memory +{memory_mb} MB")
    setlimit(resource.RLIMIT_CPU, int(cpu_s) + 1, f"cpu {int(cpu_s) + 1} s", hard_extra=1)
    setlimit(resource.RLIMIT_CORE, 0, "no core dumps")
    setlimit(resource.RLIMIT_FSIZE, FILE_LIMIT, "files ≤ 64 MB")
    setlimit(resource.RLIMIT_NOFILE, OPEN_FILES, f"≤ {OPEN_FILES} open files")
    if processes:
        setlimit(resource.RLIMIT_NPROC, processes, f"≤ {processes} processes")
    return applied


def describe_limits(baseline_vm: int) -> str:
    """One line for the report: what each exercise's child gets."""
    try:
        import resource  # noqa: F401 - whether it imports is the answer
    except ImportError:
        return "per exercise: wall-clock limit only (no rlimits on this OS)"
    memory = "memory (address space above the worker's)" if baseline_vm else "no memory limit (VmSize unknown)"
    return (f"per exercise: wall-clock limit, {memory}, CPU time, file size 64 MB, {OPEN_FILES} open files, "
            "no core dumps (hard limits), own process group (killed as a whole)")


def is_memory_error(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    return isinstance(exc, RuntimeError) and any(w in str(exc)[:500] for w in MEMORY_WORDS)
