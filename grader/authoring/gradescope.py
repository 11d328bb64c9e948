"""`grade gradescope OUT.zip --chapters ch03`: a Gradescope autograder bundle of the course.

The zip holds, at its root, Gradescope's two scripts — `setup.sh` (run once, as root, when Gradescope
builds the image: installs the course with the CPU build of torch pinned by constraints.txt) and
`run_autograder` (run per submission: grades /autograder/submission into /autograder/results/results.json,
grader/classroom/gradescope.py) — `autograder.json` (what to grade, which checks are hidden) and the
course as `grade release` writes it, but with the hidden checks and their snapshot data: the bundle runs
on Gradescope's server, never in a learner's hands. Like a release, it holds no line of a solution.
"""
from __future__ import annotations

import json
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..core.manifest import Course, Exercise
from . import release

CONFIG = "autograder.json"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"   # torch's CPU builds; PyPI's default build is CUDA's

SETUP_SH = f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu, after apt-get update).
# It installs the course with the CPU build of torch pinned by constraints.txt into $AUTOGRADER_ROOT/venv.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
SOURCE="$ROOT/source"
PYTHON="$(command -v python3.11 || true)"
if [ -z "$PYTHON" ] && python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    PYTHON="$(command -v python3)"   # a newer Python (Ubuntu 24.04: 3.12); the pins were tested on 3.11
fi
if [ -z "$PYTHON" ]; then
    apt-get install -y python3.11 python3.11-venv
    PYTHON="$(command -v python3.11)"
fi
if ! "$PYTHON" -m venv "$ROOT/venv"; then   # Ubuntu's Pythons need their -venv package for that
    apt-get install -y "$(basename "$PYTHON")-venv"
    "$PYTHON" -m venv "$ROOT/venv"
fi
"$ROOT/venv/bin/pip" install --extra-index-url {TORCH_INDEX} -c "$SOURCE/constraints.txt" -e "$SOURCE"
"$ROOT/venv/bin/python" -c "import torch, grader; print('torch', torch.__version__, '- the course is installed')"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission, as root, from /autograder: grades /autograder/submission into
# /autograder/results/results.json. AUTOGRADER_ROOT and AUTOGRADER_PYTHON move it elsewhere (for tests).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}"
export COURSE_ROOT="$ROOT/source" PYTHONPATH="$ROOT/source:$ROOT/source/datasets"
cd "$ROOT/source"
exec "$PYTHON" -m grader.cli gradescope-run --root "$ROOT"
"""

SCRIPTS = {"setup.sh": SETUP_SH, "run_autograder": RUN_AUTOGRADER}


@dataclass
class Bundle:
    out: Path
    exercises: list[str]
    hidden: dict[str, list[str]] = field(default_factory=dict)   # exercise id -> names of its hidden checks
    files: int = 0
    overlaps: list[str] = field(default_factory=list)


def hidden_checks(course: Course, exercises: list[Exercise]) -> dict[str, list[str]]:
    """exercise id -> the names of its checks marked @hidden, in the order the module declares them."""
    found = {}
    for ex in exercises:
        path = ex.check_path(course.root)
        if path.is_file():
            _, removed = release.strip(path.read_text(encoding="utf-8"), "hidden")
            names = [node.name for node in removed if node.name.startswith("test")]
            if names:
                found[ex.id] = names
    return found


def build(course: Course, out: Path, exercises: list[Exercise]) -> Bundle:
    """Write the autograder zip `out` that grades `exercises` (and nothing else) on Gradescope."""
    out = Path(out).resolve()
    if out.suffix.lower() != ".zip":
        raise release.ReleaseError(f"{out.name}: Gradescope takes the autograder as a .zip file")
    if not exercises:
        raise release.ReleaseError("no exercise to grade: give chapters or exercises, e.g. --chapters ch03")
    bundle = Bundle(out, [ex.id for ex in exercises], hidden_checks(course, exercises))
    with tempfile.TemporaryDirectory(prefix="grade-gradescope-") as tmp:
        source = Path(tmp) / "source"
        made = release.build(course, source, keep_hidden=True)
        bundle.overlaps = made.overlaps
        for name, text in SCRIPTS.items():
            (source / name).write_text(text, encoding="utf-8")
            (source / name).chmod(0o755)
        config = {"exercises": bundle.exercises, "hidden_checks": bundle.hidden,
                  "made_by": "grade gradescope (grader/authoring/gradescope.py)"}
        (source / CONFIG).write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        bundle.files = _zip(source, partial)
        shutil.move(partial, out)
    return bundle


def _zip(folder: Path, out: Path) -> int:
    """Zip the files of `folder` at the archive's root (as Gradescope wants), modes kept; the count."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | (0o755 if path.stat().st_mode & 0o100 else 0o644)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return len(files)
