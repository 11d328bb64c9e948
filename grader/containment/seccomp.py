"""A seccomp filter for learner code: the system calls it never needs are refused, and each refusal is counted.

The learner's process installs it (`install`) after dropping its capabilities and setting no-new-privs, so
it needs no privilege; its children inherit it and cannot remove it. The BPF program is assembled here.
It first checks the audit architecture: a system call of another table (the 32-bit x86 one reached by
`int 0x80` from a 64-bit process, or arm's on arm64) and x86's x32 numbers are refused whole, since the
numbers below mean nothing there. Where the kernel has user notifications (Linux 5.5+), a refused call is
not answered by the filter but by the exercise's supervisor (`Monitor`, in the parent PID namespace, out of
the learner's reach), which answers EPERM and counts it; process starts and program runs are reported to
it the same way and allowed. The supervisor's counts go into the job's end record, where flags come from.
Elsewhere the filter answers EPERM itself, uncounted.

Refused (EPERM), and why learner code never needs them:
- ptrace, process_vm_readv, process_vm_writev, process_madvise, pidfd_getfd, kcmp: reading or steering another
  process (the supervisor, a sibling job, the reaper) — debugging has no part in grading.
- mount, umount2, pivot_root, chroot, open_tree, move_mount, fsopen, fsconfig, fsmount, fspick,
  mount_setattr: changing the jail's file system view; the jail is built before the filter.
- unshare and clone with a namespace flag (CLONE_NEWNS, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET,
  NEWCGROUP, NEWTIME), setns: a new user namespace gives back every capability dropped; entering another
  namespace leaves the job's. clone3 answers ENOSYS (its flags sit in memory a filter cannot read), so
  glibc falls back to clone, whose flags it can; fork and threads work as before.
- add_key, request_key, keyctl: the kernel keyrings, keyed by uid and able to outlive the job.
- shmget, shmat, shmdt, shmctl, semget, semop, semtimedop, semctl, msgget, msgsnd, msgrcv, msgctl,
  mq_open, mq_unlink, mq_timedsend, mq_timedreceive, mq_notify, mq_getsetattr: System V IPC and POSIX
  message queues, objects that outlive the process that made them and that jobs could share (the job's
  own IPC namespace holds them too). multiprocessing and torch share memory through /dev/shm files and
  sockets instead.
- perf_event_open, bpf, userfaultfd, modify_ldt: kernel interfaces with a history of privilege
  escalations; no library the course uses calls them.
- io_uring_setup, io_uring_enter, io_uring_register answer ENOSYS, as a kernel without io_uring would, and
  are not counted: io_uring performs I/O past this filter, and libuv (under torch.distributed's gloo) probes
  for it and falls back to ordinary calls.
- kexec_load, kexec_file_load, init_module, finit_module, delete_module, reboot, swapon, swapoff, acct,
  quotactl, quotactl_fd, syslog, vhangup, settimeofday, clock_settime, adjtimex, clock_adjtime,
  sethostname, setdomainname, lookup_dcookie, name_to_handle_at, open_by_handle_at: administering the
  machine (each also needs a capability the job does not hold); refused so that trying is on record.
"""
from __future__ import annotations

import ctypes
import fcntl
import os
import platform
import select
import struct
from dataclasses import dataclass, field

PR_SET_NO_NEW_PRIVS = 38
SECCOMP_SET_MODE_FILTER, SECCOMP_GET_NOTIF_SIZES = 1, 3
SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3
RET_ALLOW, RET_NOTIFY, RET_ERRNO = 0x7FFF0000, 0x7FC00000, 0x00050000
EPERM, ENOSYS = 1, 38
NAMESPACE_FLAGS = 0x00020000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x02000000 | 0x80
CLONE_THREAD = 0x00010000
USER_NOTIF_FLAG_CONTINUE = 1
NOTIF_RECV, NOTIF_SEND, NOTIF_ID_VALID = 0xC0502100, 0xC0182101, 0x40082102   # _IOWR('!', 0/1, ...), _IOW('!', 2, u64)
NOTIF = struct.Struct("<QII iI Q 6Q")         # id, pid, flags, then seccomp_data: nr, arch, ip, args[6]
RESPONSE = struct.Struct("<Qq iI")            # id, val, error, flags

REFUSED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "pidfd_getfd", "kcmp",
    "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount",
    "fspick", "mount_setattr", "setns", "add_key", "request_key", "keyctl",
    "shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semtimedop", "semctl", "msgget", "msgsnd", "msgrcv",
    "msgctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    "perf_event_open", "bpf", "userfaultfd", "modify_ldt",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff",
    "acct", "quotactl", "quotactl_fd", "syslog", "vhangup", "settimeofday", "clock_settime", "adjtimex",
    "clock_adjtime", "sethostname", "setdomainname", "lookup_dcookie", "name_to_handle_at", "open_by_handle_at",
)
WATCHED = ("fork", "vfork", "execve", "execveat")   # allowed, and reported: processes started, programs run
ABSENT = ("clone3", "io_uring_setup", "io_uring_enter", "io_uring_register")   # ENOSYS: "not on this kernel"


@dataclass(frozen=True)
class Table:
    """One architecture's system call numbers (from its unistd.h; tests/test_containment.py checks them)."""

    arch: int                         # AUDIT_ARCH_*
    numbers: dict[str, int]
    x32: bool = False                 # x86-64: numbers with bit 30 set are the x32 ABI
    names: dict[int, str] = field(default_factory=dict)

    def __post_init__(self):
        self.names.update({n: name for name, n in self.numbers.items()})


X86_64 = Table(0xC000003E, {
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "process_madvise": 440, "pidfd_getfd": 438,
    "kcmp": 312, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "open_tree": 428,
    "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
    "setns": 308, "unshare": 272, "clone": 56, "clone3": 435, "add_key": 248, "request_key": 249, "keyctl": 250,
    "shmget": 29, "shmat": 30, "shmdt": 67, "shmctl": 31, "semget": 64, "semop": 65, "semtimedop": 220,
    "semctl": 66, "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71, "mq_open": 240, "mq_unlink": 241,
    "mq_timedsend": 242, "mq_timedreceive": 243, "mq_notify": 244, "mq_getsetattr": 245, "perf_event_open": 298,
    "bpf": 321, "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "modify_ldt": 154, "kexec_load": 246, "kexec_file_load": 320, "init_module": 175, "finit_module": 313,
    "delete_module": 176, "reboot": 169, "swapon": 167, "swapoff": 168, "acct": 163, "quotactl": 179,
    "quotactl_fd": 443, "syslog": 103, "vhangup": 153, "settimeofday": 164, "clock_settime": 227, "adjtimex": 159,
    "clock_adjtime": 305, "sethostname": 170, "setdomainname": 171, "lookup_dcookie": 212,
    "name_to_handle_at": 303, "open_by_handle_at": 304, "fork": 57, "vfork": 58, "execve": 59, "execveat": 322,
    "seccomp": 317}, x32=True)
AARCH64 = Table(0xC00000B7, {
    "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "process_madvise": 440, "pidfd_getfd": 438,
    "kcmp": 272, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51, "open_tree": 428, "move_mount": 429,
    "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442, "setns": 268,
    "unshare": 97, "clone": 220, "clone3": 435, "add_key": 217, "request_key": 218, "keyctl": 219, "shmget": 194,
    "shmat": 196, "shmdt": 197, "shmctl": 195, "semget": 190, "semop": 193, "semtimedop": 192, "semctl": 191,
    "msgget": 186, "msgsnd": 189, "msgrcv": 188, "msgctl": 187, "mq_open": 180, "mq_unlink": 181,
    "mq_timedsend": 182, "mq_timedreceive": 183, "mq_notify": 184, "mq_getsetattr": 185, "perf_event_open": 241,
    "bpf": 280, "userfaultfd": 282, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "kexec_load": 104, "kexec_file_load": 294, "init_module": 105, "finit_module": 273, "delete_module": 106,
    "reboot": 142, "swapon": 224, "swapoff": 225, "acct": 89, "quotactl": 60, "quotactl_fd": 443, "syslog": 116,
    "vhangup": 58, "settimeofday": 170, "clock_settime": 112, "adjtimex": 171, "clock_adjtime": 266,
    "sethostname": 161, "setdomainname": 162, "lookup_dcookie": 18, "name_to_handle_at": 264,
    "open_by_handle_at": 265, "execve": 221, "execveat": 281, "seccomp": 277})
TABLES = {"x86_64": X86_64, "aarch64": AARCH64, "arm64": AARCH64}


def table() -> Table | None:
    """This machine's table, or None where the filter cannot be built (another architecture, not Linux)."""
    return TABLES.get(platform.machine()) if platform.system() == "Linux" else None


def program(tab: Table, notify: bool) -> bytes:
    """The BPF program (struct sock_filter[]): refused calls and foreign tables go to the supervisor when
    `notify`, else EPERM; watched calls go to the supervisor when `notify`, else are allowed."""
    deny = RET_NOTIFY if notify else RET_ERRNO | EPERM
    watch = RET_NOTIFY if notify else RET_ALLOW
    n = tab.numbers
    code = [("ld", 4), ("jeq", tab.arch, None, "deny"), ("ld", 0)]
    if tab.x32:
        code.append(("jge", 0x40000000, "deny", None))
    code += [("jeq", n[name], "enosys", None) for name in ABSENT]
    code += [("jeq", n["clone"], "clone", None), ("jeq", n["unshare"], "unshare", None)]
    code += [("jeq", n[name], "deny", None) for name in REFUSED if name in n]   # modify_ldt is x86's alone
    code += [("jeq", n[name], "watch", None) for name in WATCHED if name in n]
    code += [("ret", RET_ALLOW),
             ("label", "clone"), ("ld", 16), ("jset", NAMESPACE_FLAGS, "deny", None),
             ("jset", CLONE_THREAD, "allow", "watch"),
             ("label", "unshare"), ("ld", 16), ("jset", NAMESPACE_FLAGS, "deny", "allow"),
             ("label", "allow"), ("ret", RET_ALLOW), ("label", "deny"), ("ret", deny),
             ("label", "watch"), ("ret", watch), ("label", "enosys"), ("ret", RET_ERRNO | ENOSYS)]
    labels, position = {}, 0
    for op in code:
        if op[0] == "label":
            labels[op[1]] = position
        else:
            position += 1
    out, position = [], 0
    for op in code:
        if op[0] == "label":
            continue
        here = position + 1

        def jump(target, here=here):
            return 0 if target is None else labels[target] - here
        if op[0] == "ld":
            out.append(struct.pack("<HBBI", 0x20, 0, 0, op[1]))               # BPF_LD | BPF_W | BPF_ABS
        elif op[0] == "ret":
            out.append(struct.pack("<HBBI", 0x06, 0, 0, op[1]))               # BPF_RET | BPF_K
        else:
            opcode = {"jeq": 0x15, "jge": 0x35, "jset": 0x45}[op[0]]          # BPF_JMP | BPF_J* | BPF_K
            out.append(struct.pack("<HBBI", opcode, jump(op[2]), jump(op[3]), op[1]))
        position += 1
    return b"".join(out)


def describe() -> str:
    return ("system calls: a seccomp filter refuses what learner code never needs (keyrings, ptrace, mounts, new "
            "namespaces, SysV IPC, perf, bpf, io_uring, modules, ...), each refusal counted and flagged")


def install(notify: bool = True) -> tuple[int, str]:
    """Install the filter in this process (and every process it starts). Returns (listener fd or -1, what was
    applied). Raises OSError when no filter could be installed."""
    tab = table()
    if tab is None:
        raise OSError(f"no system call table for {platform.machine()}")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    for listen in ((True, False) if notify else (False,)):
        code = program(tab, listen)
        buffer = ctypes.create_string_buffer(code, len(code))
        fprog = struct.pack("HxxxxxxP", len(code) // 8, ctypes.addressof(buffer))
        flags = SECCOMP_FILTER_FLAG_NEW_LISTENER if listen else 0
        fd = libc.syscall(tab.numbers["seccomp"], SECCOMP_SET_MODE_FILTER, flags, fprog)
        if fd >= 0:
            return (fd if listen else -1), ("system calls: a seccomp filter refuses what learner code never needs; "
                                            + ("each refusal, process start and program run is counted"
                                               if listen else "refusals are not counted (no user notifications)"))
    raise OSError(ctypes.get_errno(), "seccomp(SECCOMP_SET_MODE_FILTER)")


class Monitor:
    """The supervisor's side of the filter's user notifications: refuse with EPERM, or let a watched call
    go on; count both. `report()` is plain data for the job's end record."""

    MAX_PROGRAMS = 8

    def __init__(self, fd: int):
        self.fd, self.table = fd, table()
        self.refused: dict[str, int] = {}
        self.processes = 0
        self.programs: list[str] = []
        self.program_count = 0

    def handle(self) -> bool:
        """Answer one pending notification (the fd was readable). False when there was none: the caller died
        meanwhile, or no process uses the filter any more (`finished`)."""
        buf = bytearray(NOTIF.size)
        try:
            fcntl.ioctl(self.fd, NOTIF_RECV, buf, True)
        except OSError:
            return False
        ident, pid, _, nr, arch, _, arg0, *_ = NOTIF.unpack(buf)
        allow = False
        if arch != self.table.arch:
            name = f"a system call of another architecture (number {nr})"
        elif self.table.x32 and nr & 0x40000000:
            name = f"an x32 system call (number {nr & ~0x40000000})"
        else:
            name = self.table.names.get(nr, f"system call {nr}")
            if name in ("clone", "unshare") and arg0 & NAMESPACE_FLAGS:
                name += " of a new namespace"
            elif name in ("clone", "fork", "vfork"):
                allow, self.processes = True, self.processes + 1
            elif name in ("execve", "execveat"):
                allow, self.program_count = True, self.program_count + 1
                if len(self.programs) < self.MAX_PROGRAMS:
                    self._program(ident, pid, NOTIF.unpack(buf)[6 + (name == "execveat")])
        if not allow:
            self.refused[name] = self.refused.get(name, 0) + 1
        response = RESPONSE.pack(ident, 0, 0 if allow else -EPERM, USER_NOTIF_FLAG_CONTINUE if allow else 0)
        try:
            fcntl.ioctl(self.fd, NOTIF_SEND, bytearray(response), True)
        except OSError:
            pass
        return True

    def finished(self) -> bool:
        """Whether no process uses the filter any more: its descriptor then stays readable (hung up) with nothing
        to read, and must no longer be waited on."""
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        return any(events & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, events in poller.poll(0))

    def _program(self, ident: int, pid: int, address: int) -> None:
        """The path a process asked to run, read from its memory (kept only if the request is still live)."""
        try:
            fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY | os.O_CLOEXEC)
            try:
                raw = os.pread(fd, 256, address)
            finally:
                os.close(fd)
            fcntl.ioctl(self.fd, NOTIF_ID_VALID, struct.pack("<Q", ident))
        except (OSError, OverflowError, ValueError):
            return
        self.programs.append(raw.split(b"\0", 1)[0].decode("utf-8", "replace")[:200])

    def report(self) -> dict:
        return {"refused": dict(self.refused), "processes": self.processes, "programs": self.program_count,
                "program_paths": list(self.programs)}
