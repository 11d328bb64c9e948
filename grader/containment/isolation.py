"""Whether this machine can jail learner code as bulk grading does (`grade bulk`, `grade doctor`, Dask workers).

Root is not needed: an ordinary user gets the same jail where the kernel allows unprivileged user
namespaces. What is tried, in a throwaway child process set up as a worker is (in a user namespace of
its own when run by an ordinary user): a job's namespaces (user, IPC, UTS, network, PID, cgroup), entered
as the uid jobs run as. The jail is built with the new mount API (open_tree, move_mount, mount_setattr).
"""
from __future__ import annotations

import os
import platform
import sys

from . import userns

BASE_UID = 61000  # run as root, template i runs learner code as uid BASE_UID + i (outside its user namespace)


class IsolationMissing(RuntimeError):
    """This OS cannot jail learner code; bulk grading refuses unless told to run it anyway."""


def job_uid(slot: int = 0) -> int:
    """The uid a job runs as outside its user namespace: a uid of its own when run as root (never root
    itself), else the user's own."""
    return BASE_UID + slot if os.geteuid() == 0 else os.geteuid()


def kernel_too_old(release: str) -> bool:
    numbers = [int(p) for p in release.split("-")[0].split(".")[:2] if p.isdigit()]
    return tuple(numbers) < (5, 12)


def isolation_available() -> str:
    """"" where this machine can jail learner code as bulk grading does, else what is missing (and the fix)."""
    if not sys.platform.startswith("linux"):
        return "Linux namespaces (this is " + sys.platform + ")"
    if kernel_too_old(platform.release()):
        return f"Linux 5.12 or newer (open_tree, move_mount, mount_setattr); this is {platform.release()}"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            userns.enter_worker()
            problem = userns.job_namespaces_work(job_uid())
            problem = f"user namespaces for each job ({problem})" if problem else ""
        except BaseException as exc:  # noqa: BLE001 - whatever failed is the answer
            problem = f"user namespaces for each job ({exc})"
        os.write(write, problem.encode()[:2000])
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        problem = f.read().decode("utf-8", "replace")
    os.waitpid(pid, 0)
    return problem
