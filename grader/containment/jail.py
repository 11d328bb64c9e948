"""Bulk grading's jail for one exercise's process: a root filesystem of its own, an unprivileged uid.

`enter(spec)` runs in the learner's process (forked into its own PID namespace, still root) just
before the learner's code: a new mount namespace whose root is an empty tmpfs holding read-only
binds of what Python needs (at the same paths, so loaded modules keep their paths), the
submission's own tree and the public checks — nothing of the solutions, the snapshots, the
results or any other submission; a fresh /proc that shows only this PID namespace; empty,
size-limited, writable /tmp and HOME; minimal /dev. Then every capability is dropped, no-new-privs
is set and the process becomes `spec.uid`. Whatever it writes is gone with its namespace.
"""
from __future__ import annotations

import ctypes
import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .sandbox import (
    CLONE_NEWNS,
    MS_BIND,
    MS_NODEV,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    mount,
)

SYSTEM = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc")
DEVICES = ("null", "zero", "full", "random", "urandom")
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "arm64": 41}
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, MNT_DETACH = 24, 38, 2
HOME = "/home/learner"


@dataclass
class JailSpec:
    root_dir: str                     # an empty directory the new root is built on
    binds: list[str]                  # host paths bound read-only at the same path
    tree: str                         # the submission's tree, bound read-only at the same path
    uid: int
    gid: int
    tmp_mb: int = 64
    writable: list[str] = field(default_factory=list)  # host paths bound writable (none by default)


def binds_for(course_root: Path, extra: list[str] = ()) -> list[str]:
    """What the learner's process may see (read-only), besides its tree: the system's libraries and
    configuration, Python, the installed packages, and of the course only the grader, the data code
    and the public check modules."""
    course_root = Path(course_root).resolve()
    wanted = [Path(p) for p in SYSTEM]
    wanted += [Path(p) for p in {sys.base_prefix, sys.prefix, sys.exec_prefix}]
    wanted += [Path(p) for p in sys.path if p and Path(p).is_dir()]
    for module in ("grader", "course_data"):
        if module in sys.modules and getattr(sys.modules[module], "__file__", None):
            wanted.append(Path(sys.modules[module].__file__).parent)
    wanted += [course_root / "tests" / "checks", course_root / "datasets", *map(Path, extra)]
    own = [Path(p) for p in (HOME, "/proc", "/dev")]   # /tmp too, but what lies below it is bound on top
    kept: list[Path] = []
    for path in sorted({p.absolute() for p in wanted if os.path.lexists(p)}, key=lambda p: len(p.parts)):
        if path == course_root or path in course_root.parents:
            continue  # the course root itself (solutions, snapshots) is never bound whole
        if path == Path("/tmp") or any(path == o or o in path.parents for o in own):
            continue  # the jail has its own
        if not any(path == k or k in path.parents for k in kept):
            kept.append(path)
    return [str(p) for p in kept]


def enter(spec: JailSpec) -> None:
    """Build the jail and drop into it as spec.uid; raises OSError if anything fails (the caller must
    then not run the learner's code)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    root = spec.root_dir
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=8m,mode=755")
    _devices(root)
    os.makedirs(root + "/proc", exist_ok=True)
    mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | 8)  # 8: MS_NOEXEC
    for path, options in (("/tmp", f"mode=1777,size={spec.tmp_mb}m"),
                          (HOME, f"mode=700,uid={spec.uid},gid={spec.gid},size={spec.tmp_mb}m")):
        os.makedirs(root + path, exist_ok=True)
        mount("tmpfs", root + path, "tmpfs", MS_NOSUID | MS_NODEV, options)
    for path in [*spec.binds, spec.tree]:  # after /tmp, so a course or tree under /tmp is bound on top of it
        _bind(root, path, read_only=True)
    for path in spec.writable:
        _bind(root, path, read_only=False)
    _pivot(libc, root)
    mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir("/tmp")
    os.environ.update({"HOME": HOME, "TMPDIR": "/tmp", "USER": "learner", "LOGNAME": "learner"})
    drop_privileges(libc, spec.uid, spec.gid)


def _bind(root: str, path: str, read_only: bool) -> None:
    target = root + path
    if os.path.islink(path):  # e.g. /lib -> usr/lib on merged-/usr systems
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.lexists(target):
            os.symlink(os.readlink(path), target)
        return
    if os.path.isdir(path):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    mount(path, target, None, MS_BIND | MS_REC)
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | (MS_RDONLY if read_only else 0)
    mount(None, target, None, flags)


def _devices(root: str) -> None:
    os.makedirs(root + "/dev", exist_ok=True)
    for name in DEVICES:
        if os.path.exists("/dev/" + name):
            open(f"{root}/dev/{name}", "a").close()
            mount("/dev/" + name, f"{root}/dev/{name}", None, MS_BIND)
    os.makedirs(root + "/dev/shm", exist_ok=True)
    mount("tmpfs", root + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{root}/dev/{name}")


def _pivot(libc, root: str) -> None:
    """Make `root` the root of this mount namespace and let go of the old one entirely."""
    old = root + "/.old-root"
    os.makedirs(old, exist_ok=True)
    number = PIVOT_ROOT.get(platform.machine())
    if number is None or libc.syscall(number, root.encode(), old.encode()) != 0:
        raise OSError(ctypes.get_errno(), "pivot_root")
    os.chdir("/")
    if libc.umount2(b"/.old-root", MNT_DETACH) != 0:
        raise OSError(ctypes.get_errno(), "umount of the old root")
    os.rmdir("/.old-root")


def drop_privileges(libc, uid: int, gid: int) -> None:
    """No capabilities left in any set (the bounding set too), no-new-privs, and uid/gid for good."""
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError("the uid did not change")
