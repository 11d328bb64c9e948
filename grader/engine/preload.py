"""Worker start-up: things loaded once before forking, so every exercise finds them warm.

`gpt2()` registers tiktoken's GPT-2 encoding. Building it from the BPE files takes ~0.4 s
(Python-level parsing of 50k merges); the worker instead keeps the finished rank table in the
course cache as base64 lines with their sha256 (~0.07 s to load), written from the full,
hash-checked build the first time. The table's sha256 is pinned here, not taken from the file,
so a rewritten cache (with its stored hash recomputed) is rebuilt, never used. Learner code's own
`tiktoken.get_encoding("gpt2")` then returns the same object, its special-token pattern already compiled.
`optimizers()` puts a stand-in for torch._dynamo in place (eager_dynamo.py), which the first torch.optim
optimizer (and DistributedDataParallel) would otherwise import in every exercise that trains, at 1.5-3 s.
"""
from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from ..core.files import atomic_write

RANKS_SHA256 = b"6c3a12d345e638764f3f646a81f16ab08b9a648229cddc89fb341b4bdad3b7ea"  # GPT-2's 50,256 ranks


def gpt2() -> None:
    import tiktoken
    import tiktoken.registry
    import tiktoken_ext.openai_public as openai_public
    from course_data import gpt2 as offline

    offline.use_offline()
    cache = offline.cache_root() / "tiktoken" / "gpt2-ranks.b64"
    ranks = _load(cache)
    if ranks is None:
        kwargs = openai_public.gpt2()  # the full, hash-checked build from the BPE files
        _save(cache, kwargs["mergeable_ranks"])
    else:
        kwargs = {"name": "gpt2", "explicit_n_vocab": 50257, "pat_str": openai_public.r50k_pat_str,
                  "mergeable_ranks": ranks, "special_tokens": {openai_public.ENDOFTEXT: 50256}}
    encoding = tiktoken.Encoding(**kwargs)
    encoding.encode("")  # compiles (and caches) the special-token pattern, importing `regex` (~40 ms) once here
    tiktoken.registry.ENCODINGS["gpt2"] = encoding


def optimizers() -> None:
    """A torch.optim optimizer or a DDP wrapper would import torch._dynamo (1.5-3 s) for eager no-ops: they get
    them from a stand-in, and anything else that needs torch._dynamo imports the real one (eager_dynamo.py)."""
    from . import eager_dynamo

    eager_dynamo.install()


def _save(path: Path, ranks: dict[bytes, int]) -> None:
    tokens = sorted(ranks, key=ranks.get)
    body = b"\n".join(base64.b64encode(t) for t in tokens)
    digest = hashlib.sha256(body).hexdigest().encode()
    try:
        atomic_write(path, digest + b"\n" + body)
    except OSError:
        pass  # a read-only cache only costs the slow path next time


def _load(path: Path) -> dict[bytes, int] | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    digest, _, body = data.partition(b"\n")
    if digest != RANKS_SHA256 or hashlib.sha256(body).hexdigest().encode() != RANKS_SHA256:
        return None
    ranks = {base64.b64decode(t): i for i, t in enumerate(body.split(b"\n"))}
    return ranks if len(ranks) == 50256 else None


def pandas() -> None:
    """Chapter 6 reads CSV files with pandas (~0.4 s to import): once in the worker, not per exercise."""
    import pandas  # noqa: F401 - imported for the side effect: loaded once, before the fork
