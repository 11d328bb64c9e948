"""The book's short story "The Verdict" (chapter 2), downloaded on demand: it is not ours to ship.

`load_verdict()` returns its text (20,479 characters), fetching it once into the course cache.
From a shell: `python -m course_data download the-verdict`. Offline, place the file by hand at
`verdict_path()`; it is accepted when its size and sha256 match.
"""
from __future__ import annotations

import os
from pathlib import Path

from .download import Source, fetch

URL = "https://raw.githubusercontent.com/rasbt/LLMs-from-scratch/main/ch02/01_main-chapter-code/the-verdict.txt"
FILENAME = "the-verdict.txt"
SIZE = 20_479
SHA256 = "b41e41a68f0398a3154ae69e2e4c0e2694e17fe0d66730536837f1b01935b31f"

VERDICT = Source(name="the-verdict", url=URL, filename=FILENAME, size=SIZE, sha256=SHA256,
                 about='ch02: Edith Wharton\'s short story "The Verdict", the book\'s training text')


def verdict_path(cache_dir: str | os.PathLike | None = None) -> Path:
    """Where the story is (or will be) cached."""
    return VERDICT.path(cache_dir)


def load_verdict(cache_dir: str | os.PathLike | None = None, url: str = URL, *,
                 sha256: str | None = SHA256, size: int | None = SIZE, timeout: float = 30) -> str:
    """The story's text, read as the book does (`open(..., encoding="utf-8").read()`)."""
    path = fetch_verdict(cache_dir, url, sha256=sha256, size=size, timeout=timeout)
    with open(path, encoding="utf-8") as f:
        return f.read()


def fetch_verdict(cache_dir: str | os.PathLike | None = None, url: str = URL, *,
                  sha256: str | None = SHA256, size: int | None = SIZE, timeout: float = 30) -> Path:
    """Path of the verified cached story, downloading it first if needed."""
    return fetch(url, FILENAME, sha256=sha256, size=size, cache_dir=cache_dir, timeout=timeout)
