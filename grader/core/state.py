"""The learner's own state in the course folder (.grade/): hint tiers seen, backups made by `grade reset`."""
from __future__ import annotations

import json
from pathlib import Path

from .files import atomic_write

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


def reveal_hint(root: Path, exercise_id: str, tiers: int) -> int:
    """One more hint tier for the exercise (up to `tiers`); returns how many are now shown."""
    state = load(root)
    seen = state.setdefault("hints", {})
    shown = min(int(seen.get(exercise_id, 0)) + 1, tiers)
    seen[exercise_id] = shown
    save(root, state)
    return shown
