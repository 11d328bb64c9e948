"""The environment learner code gets: built from an allow-list, never a copy of the grader's own.

Whoever runs `grade` (a learner, an assistant grading a folder, an instructor grading a class) may hold
tokens and keys in their environment; none of it reaches the worker, and so none reaches learner code, its
output or its feedback. Kept: where programs and libraries are (PATH, LD_LIBRARY_PATH), the locale (LANG,
LANGUAGE, LC_*, TZ), the home and temporary folders, the course's cache (LLM_COURSE_CACHE,
XDG_CACHE_HOME: the offline tokenizer's files); then what grading itself sets: the tokenizer's offline
cache (TIKTOKEN_CACHE_DIR), one thread per process for torch's and OpenMP's pools, matplotlib drawing to
files. The jail replaces HOME, TMPDIR and USER with its own.
"""
from __future__ import annotations

from collections.abc import Mapping

KEPT = ("PATH", "LD_LIBRARY_PATH", "LANG", "LANGUAGE", "TZ", "HOME", "TMPDIR", "USER", "LOGNAME",
        "LLM_COURSE_CACHE", "XDG_CACHE_HOME")
KEPT_PREFIXES = ("LC_",)
SET = {"OMP_NUM_THREADS": "1",   # as the worker's torch.set_num_threads(1), for interpreters learner code spawns
       "MKL_NUM_THREADS": "1",   # (torch.multiprocessing.spawn): one thread per core in each overruns the pids limit
       "MPLBACKEND": "Agg"}


def for_learner(source: Mapping[str, str], extra: Mapping[str, str] = ()) -> dict[str, str]:
    """The allow-listed part of `source`, plus grading's own settings and `extra`."""
    env = {k: v for k, v in source.items() if k in KEPT or k.startswith(KEPT_PREFIXES)}
    env.update(SET)
    env.update(extra)
    return env
