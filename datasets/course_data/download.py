"""Verified on-demand downloads into the course cache: nothing is fetched at import time.

`fetch(url, filename, sha256=..., size=...)` returns the path of a file in
`cache_root() / "data"` whose size and sha256 match what the caller expects. A cached copy is
reused only while it still matches; a download goes to a temporary file in the same folder and
is renamed into place only once checked, so the cache never holds a partial or wrong file.
Offline, the error says where to put the file by hand: `fetch` accepts a copy placed there.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .gpt2 import cache_root

CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """A file could not be fetched (offline, server error, unwritable cache)."""


class VerificationError(DownloadError):
    """Fetched bytes differ from the expected size or sha256."""


def data_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """Where downloads are cached: `cache_dir`, else the course cache's `data` folder."""
    return Path(cache_dir) if cache_dir is not None else cache_root() / "data"


def _describe(size: int | None, sha256: str | None) -> str:
    parts = ([f"{size:,} bytes"] if size is not None else []) + ([f"sha256 {sha256}"] if sha256 else [])
    return ", ".join(parts)


def _digest(path: Path) -> tuple[int, str]:
    h, n = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            n += len(chunk)
    return n, h.hexdigest()


def check_file(path: Path, sha256: str | None = None, size: int | None = None) -> str | None:
    """None if `path` is a file with the expected size and sha256, else what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        return f"{path} does not exist"
    if size is not None and path.stat().st_size != size:
        return f"{path} has the wrong size: expected {size:,} bytes, got {path.stat().st_size:,}"
    if sha256:
        got = _digest(path)[1]
        if got != sha256.lower():
            return f"{path} has the wrong sha256: expected {sha256.lower()}, got {got}"
    return None


def _validate(filename: str, sha256: str | None, size: int | None) -> None:
    if sha256 is None and size is None:
        raise ValueError("fetch needs sha256 or size (preferably both): the course never caches unchecked data")
    if sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", sha256):
        raise ValueError(f"sha256 must be 64 hex digits, got {sha256!r}")
    if size is not None and size < 0:
        raise ValueError(f"size must be >= 0, got {size}")
    if not filename or Path(filename).name != filename or filename in {".", ".."}:
        raise ValueError(f"filename must be a plain file name, got {filename!r}")


def _reason(e: Exception) -> str:
    import urllib.error
    if isinstance(e, urllib.error.HTTPError):
        return f"the server answered HTTP {e.code} {e.reason}"
    if isinstance(e, urllib.error.URLError):
        return str(e.reason)
    return str(e) or type(e).__name__


def _download(url: str, tmp, expected_size: int | None, timeout: float) -> tuple[int, str]:
    import urllib.request
    request = urllib.request.Request(url, headers={"User-Agent": "llm-from-scratch-course"})
    h, n = hashlib.sha256(), 0
    with urllib.request.build_opener().open(request, timeout=timeout) as response:
        while chunk := response.read(CHUNK):
            h.update(chunk)
            n += len(chunk)
            if expected_size is not None and n > expected_size:
                break  # already too long: no need to read the rest
            tmp.write(chunk)
    return n, h.hexdigest()


def fetch(url: str, filename: str, sha256: str | None = None, size: int | None = None,
          cache_dir: str | os.PathLike | None = None, timeout: float = 30) -> Path:
    """Path of `filename` in the cache, downloaded from `url` if missing or not as expected.

    At least one of `sha256` and `size` is required. Raises `VerificationError` when the
    downloaded bytes differ (nothing is cached then) and `DownloadError` when the download
    fails, saying where the file can be placed by hand.
    """
    _validate(filename, sha256, size)
    folder = data_dir(cache_dir)
    target = folder / filename
    problem = check_file(target, sha256, size)
    if problem is None:
        return target
    expected = _describe(size, sha256.lower() if sha256 else None)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{filename}.", suffix=".part")
    except OSError as e:
        raise DownloadError(f"Cannot write to the course cache {folder} ({e}). "
                            "Set LLM_COURSE_CACHE to a writable folder and try again.") from e
    try:
        with os.fdopen(fd, "wb") as tmp:
            try:
                got_size, got_sha = _download(url, tmp, size, timeout)
            except (OSError, http.client.HTTPException) as e:  # URLError, HTTPError, timeouts, refusals
                reason = _reason(e)
                here = "" if not target.exists() else f" (the file there now is not it: {problem})"
                raise DownloadError(
                    f"Could not download {url}: {reason}.\n"
                    f"If this computer is offline or the site is blocked, download the file on another "
                    f"machine and place it at {target}{here}; it must be {expected}."
                ) from e
        if size is not None and got_size != size:
            shown = f"more than {size:,}" if got_size > size else f"{got_size:,}"
            raise VerificationError(f"Downloaded {url} has the wrong size: expected {size:,} bytes, "
                                    f"got {shown}. Nothing was cached.")
        if sha256 is not None and got_sha != sha256.lower():
            raise VerificationError(f"Downloaded {url} has the wrong sha256: expected {sha256.lower()}, "
                                    f"got {got_sha}. Nothing was cached.")
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


@dataclass(frozen=True)
class Source:
    """One third-party file the course downloads on demand (never shipped with the course)."""

    name: str      # what `python -m course_data download NAME` takes
    url: str
    filename: str  # its name in the cache folder
    size: int
    sha256: str
    about: str     # one line for the listing

    def path(self, cache_dir: str | os.PathLike | None = None) -> Path:
        """Where the file is (or will be) cached."""
        return data_dir(cache_dir) / self.filename

    def is_cached(self, cache_dir: str | os.PathLike | None = None) -> bool:
        """True if a verified copy is already in the cache."""
        return check_file(self.path(cache_dir), self.sha256, self.size) is None

    def fetch(self, cache_dir: str | os.PathLike | None = None, timeout: float = 30) -> Path:
        """The verified cached file, downloaded first if needed."""
        return fetch(self.url, self.filename, self.sha256, self.size, cache_dir, timeout)
