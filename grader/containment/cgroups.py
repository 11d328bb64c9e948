"""Per-job cgroups (v1 or v2, where writable): processes and memory bounded for the job as a whole.

A pids group caps processes and threads, so a fork bomb stops at `max_pids`; a memory group caps what all of
the job's processes, and the files they write to its tmpfs, hold together (four forks of 1.5 GB each are
one job's memory). Both let the worker kill everything the job started and read what it used. Where no
group can be made (no cgroup mounted, or not writable by this user and nothing delegated to it), the job
is bounded by rlimits instead: processes (RLIMIT_NPROC, counted per job in its user namespace) times each
one's address space (RLIMIT_AS); `describe` says which applies.
"""
from __future__ import annotations

import os
import signal
import sys
import time

CONTROLLERS = ("pids", "memory")


class JobCgroups:
    """The worker's cgroups: a base per controller (v1: one hierarchy each; v2: one base holding both),
    and under it a group per job."""

    def __init__(self, max_pids: int = 64):
        self.max_pids = max_pids
        self.bases: dict[str, str] = {}    # controller -> base folder
        if sys.platform.startswith("linux"):
            self._find_bases()

    def _find_bases(self) -> None:
        own = {}
        for line in _read("/proc/self/cgroup").splitlines():
            _, controllers, path = line.split(":", 2)
            for name in controllers.split(","):
                if name in CONTROLLERS and os.path.isdir(f"/sys/fs/cgroup/{name}"):
                    own[name] = f"/sys/fs/cgroup/{name}{path}"
            if controllers == "" and os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
                own["v2"] = f"/sys/fs/cgroup{path}"
        for name in CONTROLLERS:           # v1 hierarchies
            if name in own:
                base = _make_base(own[name], name)
                if base:
                    self.bases[name] = base
        missing = [n for n in CONTROLLERS if n not in self.bases]
        if missing and "v2" in own:
            base = _make_base_v2(own["v2"], missing)
            for name in missing:
                if base and os.path.exists(os.path.join(base, "memory.max" if name == "memory" else "pids.max")):
                    self.bases[name] = base
            if base and not any(b == base for b in self.bases.values()):
                _rmdir(base)

    @property
    def pids(self) -> bool:
        return "pids" in self.bases

    @property
    def memory(self) -> bool:
        return "memory" in self.bases

    def create(self, name: str, memory_mb: int) -> list[str]:
        """The job's groups (one folder per hierarchy), limits written; [] where there are none."""
        made = []
        for controller, base in self.bases.items():
            path = os.path.join(base, name)
            try:
                if path not in made:
                    os.mkdir(path)
                    made.append(path)
                if controller == "pids":
                    _write(path, "pids.max", str(self.max_pids))
                elif os.path.exists(os.path.join(path, "memory.max")):   # v2
                    _write(path, "memory.max", str(memory_mb * 2**20))
                    _try_write(path, "memory.swap.max", "0")
                    _try_write(path, "memory.oom.group", "1")
                else:                                                    # v1: memsw too, so swap is no way out
                    _write(path, "memory.limit_in_bytes", str(memory_mb * 2**20))
                    _try_write(path, "memory.memsw.limit_in_bytes", str(memory_mb * 2**20))
            except OSError:
                continue
        return made

    @staticmethod
    def enter(groups: list[str]) -> None:
        """Called in the job's first process, before it gives up its privileges and before any learner code."""
        for path in groups:
            _write(path, "cgroup.procs", str(os.getpid()))

    @staticmethod
    def usage(groups: list[str]) -> dict:
        """What the job used of its memory group: its peak (MB) and how many of its processes the kernel
        killed for lack of memory."""
        for path in groups:
            for peak_file, events_file in (("memory.peak", "memory.events"),
                                           ("memory.max_usage_in_bytes", "memory.oom_control")):
                if os.path.exists(os.path.join(path, peak_file)):
                    events = dict(line.split()[:2] for line in _read(os.path.join(path, events_file)).splitlines()
                                  if len(line.split()) >= 2)
                    peak = _read(os.path.join(path, peak_file)).strip()
                    return {"peak_mb": round(int(peak or 0) / 2**20, 1), "oom_kills": int(events.get("oom_kill", 0))}
        return {}

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
        return lines


def _make_base(parent: str, controller: str) -> str | None:
    _remove_stale_groups(parent)
    base = os.path.join(parent.rstrip("/"), f"llm-grader-{os.getpid()}")
    probe = "pids.max" if controller == "pids" else "memory.limit_in_bytes"
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


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""
