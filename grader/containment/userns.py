"""User namespaces: the worker's own (run by an ordinary user), and one per job, owning all of the job's namespaces.

`enter_job(uid)` is called by a job's supervisor before it starts anything: run as root it first becomes
`uid`, an unprivileged uid; then it unshares a user namespace together with new IPC, UTS, network, PID and
cgroup namespaces, maps its uid to LEARNER_UID inside, names the host "grader" and brings up the only
network interface, its own loopback. Everything keyed by uid or held by an IPC namespace (SysV segments and
queues, POSIX queues, keyrings) lives in these namespaces and goes with them when the job ends; the job's
capabilities (held until the jail is built) reach nothing outside. An ordinary user needs unprivileged
user namespaces for this (Debian, Ubuntu and Fedora allow them by default); where the kernel refuses,
`refusal()` names the setting and the fix.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import socket
import struct
import sys

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x02000000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
JOB_NAMESPACES = CLONE_NEWUSER | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWCGROUP
LEARNER_UID = 1000                 # the learner's uid (and gid) inside its namespace
PR_SET_DUMPABLE = 4
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
SYSCTLS = {
    "/proc/sys/kernel/unprivileged_userns_clone": ("0", "sudo sysctl -w kernel.unprivileged_userns_clone=1"),
    "/proc/sys/user/max_user_namespaces": ("0", "sudo sysctl -w user.max_user_namespaces=15000"),
    "/proc/sys/kernel/apparmor_restrict_unprivileged_userns": (
        "1", "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or an AppArmor profile for this "
             "Python that allows userns)"),
}


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _map(uid_inside: int, uid: int, gid_inside: int, gid: int) -> None:
    """Write this process's uid and gid maps (one id each, as an unprivileged process may)."""
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid_inside} {uid} 1\n"),
                       ("gid_map", f"{gid_inside} {gid} 1\n")):
        fd = os.open(f"/proc/self/{name}", os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)


def enter_worker() -> bool:
    """For a worker run by an ordinary user: a user namespace of its own in which it keeps its uid (mapped to
    itself) and holds the capabilities that its network and mount namespaces, and each job's, need."""
    if os.geteuid() == 0 or not sys.platform.startswith("linux"):
        return False
    uid, gid = os.geteuid(), os.getegid()
    if _libc().unshare(CLONE_NEWUSER) != 0:
        return False
    _map(uid, uid, gid, gid)
    return True


def enter_job(uid: int) -> None:
    """The job's namespaces, entered by its supervisor (see the module's docstring). Processes it starts
    afterwards are in the new PID namespace. Raises OSError where the kernel refuses."""
    libc = _libc()
    if os.geteuid() == 0 and uid != 0:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)   # else /proc/self/uid_map stays root's and cannot be written
    outer_uid, outer_gid = os.geteuid(), os.getegid()
    if libc.unshare(JOB_NAMESPACES) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"unshare of the job's namespaces: {os.strerror(code)}{refusal(code)}")
    _map(LEARNER_UID, outer_uid, LEARNER_UID, outer_gid)
    libc.sethostname(b"grader", 6)
    bring_up_loopback()


def bring_up_loopback() -> None:
    """Bring up `lo`, the only interface of a new network namespace (it starts down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH22x", b"lo", 0)  # struct ifreq: name, then ifr_flags
        flags = struct.unpack("16sH22x", fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def refusal(code: int = errno.EPERM) -> str:
    """Why this kernel refuses an ordinary user a user namespace, and the fix: '' when no setting explains it."""
    if os.geteuid() == 0 or code not in (errno.EPERM, errno.ENOSPC, errno.EACCES, errno.EINVAL):
        return ""
    for path, (bad, fix) in SYSCTLS.items():
        try:
            with open(path) as f:
                value = f.read().strip()
        except OSError:
            continue
        if value == bad:
            name = path.removeprefix("/proc/sys/").replace("/", ".")
            return f" — {name} is {value}, which forbids unprivileged user namespaces; fix: {fix}"
    return ""


def job_namespaces_work(uid: int) -> str:
    """'' where a job's namespaces can be entered here (tried in a throwaway child), else why not."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        message = b""
        try:
            enter_job(uid)
        except OSError as exc:
            message = str(exc).encode()[:500] or b"refused"
        os.write(write, message)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        message = f.read()
    os.waitpid(pid, 0)
    return message.decode("utf-8", "replace")
