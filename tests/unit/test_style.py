"""The project's style settings ([tool.ruff] in pyproject.toml) hold everywhere, and every `noqa` says why."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

# The course repository's style: a learner's release (stubs in tests/stubs, tests without those that need
# solutions/, their imports left) is not held to it.
pytestmark = pytest.mark.needs_solutions
ROOT = Path(__file__).resolve().parents[2]
RUFF = [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise"]
SOURCES = ("grader", "solutions", "tests", "datasets", "benchmarks")


def test_ruff_finds_nothing_in_the_project():
    done = subprocess.run([*RUFF, *SOURCES], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_ruff_fails_on_what_the_settings_forbid(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n\n\ndef f(x=[]):\n    try:\n        return x\n    except Exception:\n        pass\n"
                   + "y = '" + "x" * 130 + "'\n")
    done = subprocess.run([*RUFF, "--config", str(ROOT / "pyproject.toml"), str(bad)], capture_output=True, text=True)
    found = set(re.findall(r": ([A-Z]+\d+) ", done.stdout))
    assert done.returncode == 1 and {"F401", "B006", "BLE001", "E501"} <= found, done.stdout


def test_every_noqa_says_why():
    bare = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
            for folder in SOURCES for path in sorted((ROOT / folder).rglob("*.py"))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"#\s*noqa\b(?!: [A-Z0-9, ]+ - \S)", line)]
    assert not bare, "a noqa without ' - the reason':\n" + "\n".join(bare)


def test_no_merge_conflict_markers_are_committed():
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    left = []
    for name in tracked.stdout.split("\0"):
        path = ROOT / name
        if name and path.suffix in {".py", ".md", ".toml", ".txt", ".cfg", ".yml", ".yaml"} and path.is_file():
            for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                if re.match(r"(<{7}|>{7})( |$)|={7}$", line):
                    left.append(f"{name}:{number}: {line[:40]}")
    assert not left, "merge conflict markers:\n" + "\n".join(left)
