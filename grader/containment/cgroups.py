"""Per-exercise pids cgroups (v1 or v2, where writable): a cap on processes and threads, and a
way to kill everything an exercise started, even processes that left its process group."""
from __future__ import annotations

import os
import sys


class PidsCgroup:
    """A pids cgroup per exercise (v1 or v2, where writable): caps processes and threads, so a
    fork bomb stops at `max_pids`, and lets the worker kill everything the exercise started,
    even processes that left its process group."""

    def __init__(self, max_pids: int = 64):
        self.max_pids = max_pids
        self.base = self._make_base()

    @staticmethod
    def _make_base():
        if not sys.platform.startswith("linux"):
            return None
        candidates = []
        for line in _read("/proc/self/cgroup").splitlines():
            _, controllers, path = line.split(":", 2)
            if "pids" in controllers.split(","):
                candidates.append(f"/sys/fs/cgroup/pids{path}")
            elif controllers == "" and os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
                candidates.append(f"/sys/fs/cgroup{path}")
        for parent in candidates:
            _remove_stale_groups(parent)
            base = os.path.join(parent.rstrip("/"), f"llm-grader-{os.getpid()}")
            try:
                os.mkdir(base)
                if os.path.exists(os.path.join(base, "pids.max")):
                    return base
                os.rmdir(base)
            except OSError:
                continue
        return None

    def create(self, name: str):
        if self.base is None:
            return None
        path = os.path.join(self.base, name)
        try:
            os.mkdir(path)
            with open(os.path.join(path, "pids.max"), "w") as f:
                f.write(str(self.max_pids))
            return path
        except OSError:
            return None

    @staticmethod
    def enter(path) -> None:
        """Called in the child, before any learner code runs."""
        if path:
            with open(os.path.join(path, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))

    @staticmethod
    def destroy(path) -> None:
        """Kill whatever is left in the group, then remove it."""
        if not path:
            return
        import signal
        import time
        for _ in range(50):
            pids = _read(os.path.join(path, "cgroup.procs")).split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, PermissionError, ValueError):
                    pass
            try:
                os.rmdir(path)
                return
            except OSError:
                time.sleep(0.01)

    def close(self) -> None:
        if self.base:
            for name in os.listdir(self.base) if os.path.isdir(self.base) else []:
                if os.path.isdir(os.path.join(self.base, name)):
                    self.destroy(os.path.join(self.base, name))
            try:
                os.rmdir(self.base)
            except OSError:
                pass


def _remove_stale_groups(parent: str) -> None:
    """Groups left by workers that were killed before they could clean up."""
    try:
        names = [n for n in os.listdir(parent) if n.startswith("llm-grader-")]
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
                PidsCgroup.destroy(os.path.join(base, sub))
        try:
            os.rmdir(base)
        except OSError:
            pass


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""
