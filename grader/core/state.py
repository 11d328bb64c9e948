"""The learner's own state in the course folder (.grade/): hint tiers seen, backups made by `grade reset`."""
from __future__ import annotations

import json
import time
from pathlib import Path

from .files import atomic_write, committed

FOLDER = ".grade"


def folder(root: Path) -> Path:
    return root / FOLDER


def load(root: Path) -> dict:
    try:
        data = json.loads((folder(root) / "state.json").read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save(root: Path, state: dict) -> bool:
    """Write atomically; False where the course folder is read-only (the state is then not kept)."""
    try:
        atomic_write(folder(root) / "state.json", json.dumps(state, indent=1, sort_keys=True) + "\n")
        return True
    except OSError:
        return False


def backup(root: Path, path: Path, rel: str) -> Path:
    """Keep a copy of the learner's file `path` as .grade/backups/<rel>.<timestamp> (never overwriting an
    earlier backup) before a command replaces it; returns the copy."""
    rel = Path(rel)
    kept = folder(root) / "backups" / rel.parent / f"{rel.name}.{time.strftime('%Y%m%d-%H%M%S')}"
    kept.parent.mkdir(parents=True, exist_ok=True)
    n = 1
    while kept.exists():
        kept = kept.with_name(f"{kept.name.split('~')[0]}~{n}")
        n += 1
    kept.write_bytes(Path(path).read_bytes())
    return kept


def regenerate(root: Path, path: Path, rel: str, text: str) -> tuple[bool, Path | None]:
    """Write the generated `text` to `path` (`rel`, its path inside the course at `root`) unless it holds it
    already; what it held is first backed up (see `backup`) unless git's HEAD has that very content (a file
    generated and committed, not edited since). A command that regenerates files (`grade sync`) never loses
    what a learner wrote. Returns (changed, the backup or None)."""
    path = Path(path)
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if current == text:
        return False, None
    kept = backup(root, path, rel) if current is not None and current != committed(root, rel) else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True, kept


def reveal_hint(root: Path, exercise_id: str, tiers: int) -> int:
    """One more hint tier for the exercise (up to `tiers`); returns how many are now shown."""
    state = load(root)
    seen = state.setdefault("hints", {})
    shown = min(int(seen.get(exercise_id, 0)) + 1, tiers)
    seen[exercise_id] = shown
    save(root, state)
    return shown
