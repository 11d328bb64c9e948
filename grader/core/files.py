"""Writing files so that a reader never sees half of one."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write `data` (text as UTF-8) to `path`, creating its folder, through a temporary file beside it and a
    rename: a reader sees the old file or the new one, never part of one. OSError as the OS raises it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    tmp.replace(path)


def committed(root: Path, rel: str) -> str | None:
    """The text of `rel` (a path inside the checkout at `root`) as git's HEAD has it, or None (no git, no such
    file, not a checkout)."""
    try:
        done = subprocess.run(["git", "show", f"HEAD:{rel}"], cwd=root, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    try:
        return done.stdout.decode("utf-8")
    except UnicodeDecodeError:
        return None


def in_sync(root: Path, path: Path, text: str) -> bool:
    """A generated file is in sync when it holds `text`, or when git's HEAD holds it and the working copy was
    changed by its user (a learner solving exercises in a clone of the course): what is committed is what
    the course hands out."""
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    return current == text or (current is not None and committed(root, path.relative_to(root).as_posix()) == text)
