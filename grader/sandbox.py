"""Containment for the worker: what the OS offers here, applied and reported.

Each exercise runs in a forked child with its own process group, rlimits on memory (address
space above the worker's baseline), CPU time, file size and core dumps, and stdout/stderr
captured. The worker itself drops network access by entering a fresh network namespace
where the kernel allows; elsewhere it says it could not.
"""
from __future__ import annotations

import ctypes
import os
import sys

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MEMORY_WORDS = ("can't allocate memory", "not enough memory", "out of memory", "Cannot allocate memory")


def isolate_network() -> str:
    """Enter a new, empty network namespace. Returns what was applied, for the report."""
    if not sys.platform.startswith("linux"):
        return "network: not isolated (needs Linux namespaces)"
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return "network: not isolated (no libc)"
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWUSER | CLONE_NEWNET
    if libc.unshare(flags) == 0:
        return "network: none (own network namespace)"
    return f"network: not isolated (unshare failed: {os.strerror(ctypes.get_errno())})"


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


def apply_limits(memory_mb: int, cpu_s: float, baseline_vm: int) -> list[str]:
    """Rlimits for the current (child) process; returns what was applied."""
    try:
        import resource
    except ImportError:  # Windows
        return ["no rlimits on this OS: memory and CPU are not limited"]
    applied = []

    def setlimit(which, value, label):
        try:
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, hard))
            applied.append(label)
        except (ValueError, OSError):
            applied.append(f"{label} not applied")

    if baseline_vm:
        setlimit(resource.RLIMIT_AS, baseline_vm + memory_mb * 2**20, f"memory +{memory_mb} MB")
    setlimit(resource.RLIMIT_CPU, int(cpu_s) + 1, f"cpu {int(cpu_s) + 1} s")
    setlimit(resource.RLIMIT_CORE, 0, "no core dumps")
    setlimit(resource.RLIMIT_FSIZE, 64 * 2**20, "files ≤ 64 MB")
    return applied


def describe_limits(baseline_vm: int) -> str:
    """One line for the report: what each exercise's child gets."""
    try:
        import resource  # noqa: F401
    except ImportError:
        return "per exercise: wall-clock limit only (no rlimits on this OS)"
    memory = "memory (address space above the worker's)" if baseline_vm else "no memory limit (VmSize unknown)"
    return (f"per exercise: wall-clock limit, {memory}, CPU time, file size 64 MB, no core dumps, "
            "own process group (killed as a whole)")


def is_memory_error(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    return isinstance(exc, RuntimeError) and any(w in str(exc)[:500] for w in MEMORY_WORDS)
