"""Bulk grading's jail for one submission: a root filesystem of its own, built inside the submission's user namespace,
and a fresh layer of it for each exercise.

In three steps. `prepare(spec)` runs in the submission's supervisor with the worker's credentials (root, or an
ordinary user inside the worker's own user namespace), before it enters the submission's namespaces: it clones
each path the jail may show — what Python needs (at the same paths, so loaded modules keep them), the
submission's own tree, the public checks, a few devices — as a detached, read-only mount (open_tree), so the
learner never needs to be able to reach them by path. `build_root(spec, trees)` runs once, in the init of the
submission's PID namespace, inside its user namespace: a new mount namespace whose root is an empty tmpfs holding
those clones and a fresh /proc showing only that PID namespace, read-only from then on. `enter_exercise` runs in
each exercise's own process before any of its code: it joins that mount namespace, then takes mount, IPC and
network (loopback only) namespaces of the exercise's own with empty, size-limited, writable /tmp, HOME and
/dev/shm (what is bound under /tmp put back on top, read-only), and drops every capability (bounding, ambient and
all three sets). What an
exercise writes or creates goes with its namespaces; nothing of the solutions, the snapshots, the results or any
other submission is there. Needs Linux 5.12+ (open_tree, move_mount, mount_setattr).
"""
from __future__ import annotations

import ctypes
import fcntl
import os
import platform
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .sandbox import FILE_LIMIT, MS_NODEV, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_REMOUNT, MS_BIND, mount
from .userns import CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, LEARNER_UID, bring_up_loopback

SYSTEM = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "arm64": 41}
OPEN_TREE, MOVE_MOUNT, MOUNT_SETATTR = 428, 429, 442          # the same on x86-64 and arm64
OPEN_TREE_CLONE, AT_RECURSIVE, AT_EMPTY_PATH, MOVE_MOUNT_F_EMPTY_PATH = 1, 0x8000, 0x1000, 4
ATTR_RDONLY, ATTR_NOSUID, ATTR_NODEV, ATTR_NOEXEC = 0x1, 0x2, 0x4, 0x8
PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, MNT_DETACH, AT_FDCWD = 24, 47, 4, 2, -100
MS_NOEXEC = 8
HOME = "/home/learner"
WORK = "/tmp/job"   # the learner's folder: its working directory and TMPDIR (the rest of /tmp is not its)
TMP_MB = FILE_LIMIT // 2**20 + 16   # room for one file at the file-size limit: a bigger one is SIGXFSZ, not ENOSPC
SMALL_MB = 16
FRESH = (("/tmp", f"mode=1777,size={TMP_MB}m"), ("/dev/shm", f"mode=1777,size={SMALL_MB * 4}m"),
         (HOME, f"mode=700,uid={LEARNER_UID},gid={LEARNER_UID},size={SMALL_MB}m"))   # each exercise's own, empty


class MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64), ("propagation", ctypes.c_uint64),
                ("userns_fd", ctypes.c_uint64)]


@dataclass
class JailSpec:
    root_dir: str                     # an empty directory the new root is built on
    binds: list[str]                  # host paths shown read-only at the same path
    tree: str                         # the submission's tree, shown read-only at the same path


def binds_for(course_root: Path, extra: list[str] = ()) -> list[str]:
    """What the learner's process may see (read-only), besides its tree: the system's libraries and
    configuration, Python, the installed packages, the offline tokenizer's files, and of the course only the
    grader, the data code and the public check modules."""
    course_root = Path(course_root).resolve()
    wanted = [Path(p) for p in SYSTEM]
    wanted += [Path(p) for p in {sys.base_prefix, sys.prefix, sys.exec_prefix}]
    wanted += [Path(p) for p in sys.path if p and Path(p).is_dir()]
    for module in ("grader", "course_data"):
        if module in sys.modules and getattr(sys.modules[module], "__file__", None):
            wanted.append(Path(sys.modules[module].__file__).parent)
    wanted += [course_root / "tests" / "checks", course_root / "datasets", *map(Path, extra)]
    if os.environ.get("TIKTOKEN_CACHE_DIR"):  # GPT-2's two public BPE files: found there, nothing is copied per job
        wanted.append(Path(os.environ["TIKTOKEN_CACHE_DIR"]))
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


def _syscall(number: int, *args) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    result = libc.syscall(number, *args)
    if result < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return result


def _clone(path: str, attrs: int) -> int:
    """A detached copy of the mount tree at `path` (a bind mount not attached anywhere yet), with `attrs`
    set on every mount of it; its file descriptor."""
    opened = _syscall(OPEN_TREE, AT_FDCWD, path.encode(), OPEN_TREE_CLONE | AT_RECURSIVE | os.O_CLOEXEC)
    fd = fcntl.fcntl(opened, fcntl.F_DUPFD_CLOEXEC, 3)  # never 0-2, which the learner's process replaces
    os.close(opened)
    attr = MountAttr(attrs, 0, 0, 0)
    try:
        _syscall(MOUNT_SETATTR, fd, b"", AT_EMPTY_PATH | AT_RECURSIVE, ctypes.byref(attr), ctypes.sizeof(attr))
    except OSError:
        os.close(fd)
        raise
    return fd


def prepare(spec: JailSpec) -> dict[str, int | str]:
    """path -> a detached read-only clone of it (a file descriptor), or the target of a symlink to recreate;
    run with the worker's credentials, before the job's namespaces. Raises OSError (nothing is half-made)."""
    trees: dict[str, int | str] = {}
    wanted = [(path, ATTR_RDONLY | ATTR_NOSUID | ATTR_NODEV) for path in [*spec.binds, spec.tree]]
    wanted += [(device, ATTR_NOSUID | ATTR_NOEXEC) for device in DEVICES if os.path.exists(device)]
    for path, attrs in wanted:
        try:  # a symlink (e.g. /lib -> usr/lib on merged-/usr systems) is made again, not cloned
            trees[path] = os.readlink(path) if os.path.islink(path) else _clone(path, attrs)
        except OSError as exc:
            close(trees)
            raise OSError(exc.errno, f"cloning {path} for the jail: {exc.strerror}") from None
    return trees


def close(trees: dict[str, int | str]) -> None:
    for value in trees.values():
        if isinstance(value, int):
            try:
                os.close(value)
            except OSError:
                pass


def build_root(spec: JailSpec, trees: dict[str, int | str]) -> None:
    """The submission's root (see the module's docstring), in this process's new mount namespace: run by the init
    of its PID namespace (so /proc shows that namespace), with the capabilities of its user namespace. The
    folders each exercise gets fresh are only mount points here; the root is read-only once built. Raises
    OSError if anything fails (no learner code may then run)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    root = spec.root_dir
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=8m,mode=755")
    os.makedirs(root + "/proc")
    mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for path, _ in FRESH:
        os.makedirs(root + path, mode=0o755, exist_ok=True)
    for path, tree in trees.items():
        _attach(root, path, tree)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{root}/dev/{name}")
    close(trees)
    _pivot(libc, root)
    mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def enter_exercise(spec: JailSpec, root_namespace: int) -> None:
    """Join the submission's jail (`root_namespace`: a descriptor of the mount namespace `build_root` made), then
    take the exercise's own mount, IPC and network (loopback only) namespaces with fresh /tmp, HOME and /dev/shm,
    its working folder, and give up every capability; raises OSError if anything fails (the caller must then not
    run the learner's code)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(root_namespace, CLONE_NEWNS) != 0:   # the root and working folder become the jail's
        raise OSError(ctypes.get_errno(), "setns into the submission's jail")
    os.close(root_namespace)
    if libc.unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare of the exercise's mount, IPC and network namespaces")
    bring_up_loopback()   # its own 127.0.0.1: no port or socket of an earlier exercise's (TIME_WAIT included)
    covered = _outermost([p for p in (*spec.binds, spec.tree) if p.startswith(tuple(f"{f}/" for f, _ in FRESH))])
    kept = {path: _clone(path, ATTR_RDONLY | ATTR_NOSUID | ATTR_NODEV) for path in covered}  # under /tmp: put back
    for path, options in FRESH:
        mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, options)
    for path, tree in kept.items():
        _attach("", path, tree)
        os.close(tree)
    os.mkdir(WORK)
    os.chdir(WORK)
    os.environ.update({"HOME": HOME, "TMPDIR": WORK, "USER": "learner", "LOGNAME": "learner",
                       "MPLCONFIGDIR": WORK + "/.matplotlib"})
    tempfile.tempdir = None  # the worker's choice (cached) is not the jail's
    drop_capabilities(libc)


def _outermost(paths: list[str]) -> list[str]:
    kept: list[str] = []
    for path in sorted(set(paths), key=lambda p: p.count("/")):
        if not any(path == k or path.startswith(k + "/") for k in kept):
            kept.append(path)
    return kept


def _attach(root: str, path: str, tree: int | str) -> None:
    target = root + path
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if isinstance(tree, str):
        if not os.path.lexists(target):
            os.symlink(tree, target)
        return
    if not os.path.lexists(target):
        if stat.S_ISDIR(os.fstat(tree).st_mode):  # the path itself may be out of this process's reach
            os.makedirs(target)
        else:
            open(target, "a").close()
    try:
        _syscall(MOVE_MOUNT, tree, b"", AT_FDCWD, target.encode(), MOVE_MOUNT_F_EMPTY_PATH)
    except OSError as exc:
        raise OSError(exc.errno, f"attaching {path} in the jail: {exc.strerror}") from None


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


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


def drop_capabilities(libc) -> None:
    """No capability left in any set: bounding, ambient, effective, permitted, inheritable."""
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    data = (ctypes.c_uint32 * 6)()
    if libc.capset(ctypes.byref(_CapHeader(0x20080522, 0)), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")
    with open("/proc/self/status") as f:
        held = [line.split()[1] for line in f if line.startswith(("CapEff:", "CapPrm:", "CapBnd:"))]
    if any(int(value, 16) for value in held):
        raise OSError("capabilities are still held")
