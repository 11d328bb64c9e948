"""Per-job cgroups (v1 or v2, where writable): processes, memory and (bulk grading) CPU bounded for the job as a whole.

A pids group caps processes and threads, so a fork bomb stops at `max_pids`; a memory group caps what all of
the job's processes, and the files they write to its tmpfs, hold together (four forks of 1.5 GB each are
one job's memory); a cpu group (asked for by bulk grading) caps the cores all of them use together, so one
student's fork bomb or busy loops cannot take the other cores from classmates' jobs. They let the worker
kill everything the job started and read what it used. Where no
group can be made (no cgroup mounted, or not writable by this user and nothing delegated to it), the job
is bounded by rlimits instead: processes (RLIMIT_NPROC, counted per job in its user namespace) times each
one's address space (RLIMIT_AS); `describe` says which applies.
"""
from __future__ import annotations

import os
import signal
import sys
import time

CONTROLLERS = ("pids", "memory", "cpu")
LIMIT_FILE = {"pids": ("pids.max", "pids.max"), "memory": ("memory.limit_in_bytes", "memory.max"),
              "cpu": ("cpu.cfs_quota_us", "cpu.max")}      # controller -> (v1, v2) file its groups have
CPU_PERIOD_US = 100_000


class JobCgroups:
    """The worker's cgroups: a base per controller (v1: one hierarchy each; v2: one base holding both),
    and under it a group per job."""

    def __init__(self, max_pids: int = 64, cpu: bool = False):
        self.max_pids = max_pids
        self.controllers = CONTROLLERS if cpu else tuple(c for c in CONTROLLERS if c != "cpu")
        self.bases: dict[str, str] = {}    # controller -> base folder
        if sys.platform.startswith("linux"):
            self._find_bases()

    def _find_bases(self) -> None:
        own = {}
        for line in _read("/proc/self/cgroup").splitlines():
            _, controllers, path = line.split(":", 2)
            for name in controllers.split(","):
                if name in self.controllers and os.path.isdir(f"/sys/fs/cgroup/{name}"):
                    own[name] = f"/sys/fs/cgroup/{name}{path}"
            if controllers == "" and os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
                own["v2"] = f"/sys/fs/cgroup{path}"
        for name in self.controllers:      # v1 hierarchies
            if name in own:
                base = _make_base(own[name], name)
                if base:
                    self.bases[name] = base
        missing = [n for n in self.controllers if n not in self.bases]
        if missing and "v2" in own:
            base = _make_base_v2(own["v2"], missing)
            if base is None and "cpu" in missing:   # pids and memory, at least, where cpu is not delegated
                missing.remove("cpu")
                base = _make_base_v2(own["v2"], missing) if missing else None
            for name in missing:
                if base and os.path.exists(os.path.join(base, LIMIT_FILE[name][1])):
                    self.bases[name] = base
            if base and not any(b == base for b in self.bases.values()):
                _rmdir(base)

    @property
    def pids(self) -> bool:
        return "pids" in self.bases

    @property
    def memory(self) -> bool:
        return "memory" in self.bases

    @property
    def cpu(self) -> bool:
        return "cpu" in self.bases

    def create(self, name: str, memory_mb: int, oom_group: bool = True, cpus: float = 1.0) -> list[str]:
        """The job's groups (one folder per hierarchy), limits written; [] where there are none. `oom_group`
        (v2): when memory runs out, the kernel kills every process of the group, not only the largest. `cpus`:
        the cores its processes may use together, where this instance keeps a cpu group."""
        made = []
        for controller, base in self.bases.items():
            path = os.path.join(base, name)
            try:
                if path not in made:
                    os.mkdir(path)
                    made.append(path)
                if controller == "pids":
                    _write(path, "pids.max", str(self.max_pids))
                elif controller == "cpu":
                    self.limit_cpu([path], cpus)
                else:
                    self.limit([path], memory_mb)
                    _try_write(path, "memory.swap.max", "0")
                    _try_write(path, "memory.oom.group", "1" if oom_group else "0")
            except OSError:
                continue
        return made

    @staticmethod
    def limit(groups: list[str], memory_mb: int) -> None:
        """Bound the groups' memory to `memory_mb` (v1: memory and swap together, so swap is no way out)."""
        value = str(memory_mb * 2**20)
        for path in groups:
            if os.path.exists(os.path.join(path, "memory.max")):                 # v2
                _write(path, "memory.max", value)
            elif os.path.exists(os.path.join(path, "memory.limit_in_bytes")):    # v1: memsw >= limit at every step
                growing = int(_read(os.path.join(path, "memory.limit_in_bytes")).strip() or 0) < int(value)
                order = ("memory.memsw.limit_in_bytes", "memory.limit_in_bytes")
                for name in (order if growing else order[::-1]):
                    (_try_write if "memsw" in name else _write)(path, name, value)

    @staticmethod
    def limit_cpu(groups: list[str], cpus: float) -> None:
        """Let the groups' processes use at most `cpus` cores together (CFS bandwidth: quota per period)."""
        quota = str(max(1000, int(cpus * CPU_PERIOD_US)))
        for path in groups:
            if os.path.exists(os.path.join(path, "cpu.max")):                     # v2
                _write(path, "cpu.max", f"{quota} {CPU_PERIOD_US}")
            elif os.path.exists(os.path.join(path, "cpu.cfs_quota_us")):          # v1
                _write(path, "cpu.cfs_period_us", str(CPU_PERIOD_US))
                _write(path, "cpu.cfs_quota_us", quota)

    @staticmethod
    def enter(groups: list[str]) -> None:
        """Called in the job's first process, before it gives up its privileges and before any learner code."""
        for path in groups:
            _write(path, "cgroup.procs", str(os.getpid()))

    @staticmethod
    def mark(groups: list[str]) -> dict:
        """Before a job in groups that outlive it (bulk grading's per-submission groups): what `usage` counts
        from — the out-of-memory kills so far, and the peak reset where the kernel can (v1; v2 from Linux 6.12,
        through the descriptor kept here), else the peak stays the groups' own since they were made."""
        for path in groups:
            if os.path.exists(os.path.join(path, "memory.peak")):
                events = _events(os.path.join(path, "memory.events"))
                try:
                    fd = os.open(os.path.join(path, "memory.peak"), os.O_RDWR | os.O_CLOEXEC)
                except OSError:
                    fd = -1
                if fd >= 0:
                    try:
                        os.write(fd, b"reset\n")
                    except OSError:
                        os.close(fd)
                        fd = -1
                return {"oom_kills": int(events.get("oom_kill", 0)), "peak_fd": fd}
            if os.path.exists(os.path.join(path, "memory.max_usage_in_bytes")):
                _try_write(path, "memory.max_usage_in_bytes", "0")
                events = _events(os.path.join(path, "memory.oom_control"))
                return {"oom_kills": int(events.get("oom_kill", 0)), "peak_fd": -1}
        return {}

    @staticmethod
    def usage(groups: list[str], since: dict | None = None) -> dict:
        """What the job used of its memory group: its peak (MB) and how many of its processes the kernel
        killed for lack of memory (since `mark`, when given; its descriptor is closed here)."""
        since = since or {}
        fd = since.get("peak_fd", -1)
        try:
            for path in groups:
                for peak_file, events_file in (("memory.peak", "memory.events"),
                                               ("memory.max_usage_in_bytes", "memory.oom_control")):
                    if os.path.exists(os.path.join(path, peak_file)):
                        events = _events(os.path.join(path, events_file))
                        peak = (_pread(fd) if fd >= 0 else "") or _read(os.path.join(path, peak_file))
                        return {"peak_mb": round(int(peak.strip() or 0) / 2**20, 1),
                                "oom_kills": int(events.get("oom_kill", 0)) - since.get("oom_kills", 0)}
            return {}
        finally:
            if fd >= 0:
                os.close(fd)

    @staticmethod
    def destroy(groups: list[str]) -> None:
        """Kill whatever is left in the groups, then remove them."""
        for path in groups:
            for _ in range(200):
                for pid in _read(os.path.join(path, "cgroup.procs")).split():
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except (ProcessLookupError, PermissionError, ValueError):
                        pass
                if _rmdir(path):
                    break
                time.sleep(0.01)

    def close(self) -> None:
        for base in set(self.bases.values()):
            for name in os.listdir(base) if os.path.isdir(base) else []:
                if os.path.isdir(os.path.join(base, name)):
                    self.destroy([os.path.join(base, name)])
            _rmdir(base)

    def describe(self, memory_mb: int, processes: int, tmpfs_mb: int) -> list[str]:
        """What bounds a job, for the report and `grade doctor`; `processes`: its RLIMIT_NPROC (0: none, where
        it has no user namespace of its own to count them in)."""
        cpu = ["CPU: each exercise one core for all its processes together (more where its checks start processes "
               "on purpose), so none takes a classmate's cores (cpu cgroup)"] if self.cpu else []
        if self.pids:
            lines = [f"processes: at most {self.max_pids} per exercise (pids cgroup)"]
        elif processes:
            lines = [f"processes: at most {processes} per exercise (RLIMIT_NPROC, counted in its user namespace)"]
        else:
            lines = ["processes: not limited (no writable pids cgroup); killed by process group"]
        if self.memory:
            lines.append(f"memory: each exercise at most {memory_mb} MB for all its processes and files together "
                         "(memory cgroup)")
        elif processes:
            lines.append(f"memory: no memory cgroup here; an exercise is bounded by {processes} processes × (the "
                         f"worker's address space + {memory_mb} MB) each, plus {tmpfs_mb} MB of files")
        return lines + cpu


def _make_base(parent: str, controller: str) -> str | None:
    _remove_stale_groups(parent)
    base = os.path.join(parent.rstrip("/"), f"llm-grader-{os.getpid()}")
    probe = LIMIT_FILE[controller][0]
    try:
        os.mkdir(base)
    except OSError:
        return None
    if os.path.exists(os.path.join(base, probe)):
        return base
    _rmdir(base)
    return None


def _make_base_v2(parent: str, wanted: list[str]) -> str | None:
    """A v2 base below this process's own group, with the wanted controllers enabled for its children.
    Where the own group's children lack them and this process is the only one in it (a delegated scope,
    as `systemd-run --user --scope -p Delegate=yes` makes), it first moves itself into a leaf of its own."""
    _remove_stale_groups(parent)
    base = os.path.join(parent.rstrip("/"), f"llm-grader-{os.getpid()}")
    try:
        os.mkdir(base)
    except OSError:
        return None
    enabled = set(_read(os.path.join(base, "cgroup.controllers")).split())
    if not set(wanted) <= enabled:
        others = [p for p in _read(os.path.join(parent, "cgroup.procs")).split() if p != str(os.getpid())]
        available = set(_read(os.path.join(parent, "cgroup.controllers")).split())
        if others or not set(wanted) <= available:
            _rmdir(base)
            return None
        try:
            leaf = os.path.join(parent, f"llm-grader-{os.getpid()}-self")
            os.makedirs(leaf, exist_ok=True)
            _write(leaf, "cgroup.procs", str(os.getpid()))
            _write(parent, "cgroup.subtree_control", " ".join("+" + w for w in wanted))
        except OSError:
            _rmdir(base)
            return None
    try:
        _write(base, "cgroup.subtree_control", " ".join("+" + w for w in wanted))
    except OSError:
        _rmdir(base)
        return None
    return base


def _remove_stale_groups(parent: str) -> None:
    """Groups left by workers that were killed before they could clean up."""
    try:
        names = [n for n in os.listdir(parent) if n.startswith("llm-grader-") and not n.endswith("-self")]
    except OSError:
        return
    for name in names:
        try:
            os.kill(int(name.rsplit("-", 1)[1]), 0)
            continue  # that worker still runs
        except (ValueError, PermissionError):
            continue
        except ProcessLookupError:
            pass
        base = os.path.join(parent, name)
        for sub in os.listdir(base) if os.path.isdir(base) else []:
            if os.path.isdir(os.path.join(base, sub)):
                JobCgroups.destroy([os.path.join(base, sub)])
        _rmdir(base)


def _write(folder: str, name: str, text: str) -> None:
    with open(os.path.join(folder, name), "w") as f:
        f.write(text)


def _try_write(folder: str, name: str, text: str) -> None:
    try:
        _write(folder, name, text)
    except OSError:
        pass


def _rmdir(path: str) -> bool:
    try:
        os.rmdir(path)
        return True
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _pread(fd: int) -> str:
    try:
        return os.pread(fd, 64, 0).decode()
    except OSError:
        return ""


def _events(path: str) -> dict[str, str]:
    return dict(line.split()[:2] for line in _read(path).splitlines() if len(line.split()) >= 2)


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""
