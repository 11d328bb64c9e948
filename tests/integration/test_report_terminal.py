"""The report of a real run where a learner reads it: piped output without COLUMNS, and a real 80-column terminal
(tmux). Rendering at given widths is tested on golden results in tests/unit/test_report.py."""
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.authoring import catalogue

pytestmark = pytest.mark.needs_solutions   # the catalogue, and exercises/ as the stubs are handed out

ROOT = Path(__file__).resolve().parents[2]
BUG = "ch03.causal_attention:bug:mask applied after the softmax"


@pytest.fixture(scope="module")
def buggy_tree(course, tmp_path_factory):
    """solutions/ with one catalogued bug in ch03 (so one exercise has long feedback)."""
    entry = next(e for e in catalogue.load(course, ["ch03"]) if e.key == BUG)
    return catalogue.materialise(entry, course.solutions, tmp_path_factory.mktemp("bug") / "tree")


def test_piped_output_without_columns_fits_80():
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    out = subprocess.run([sys.executable, "-m", "grader.cli", "ch04"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120).stdout
    assert "Total 0 / " in out and max(len(line) for line in out.splitlines()) <= 80, out


@pytest.mark.must_run_in_ci
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt install tmux)")
def test_in_a_real_80_column_terminal(buggy_tree, tmp_path):
    grade = Path(sys.executable).with_name("grade")
    session = f"grade-test-{os.getpid()}"
    sock = ["tmux", "-S", str(tmp_path / "tmux.sock")]
    done = tmp_path / "done"
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX")}
    command = f"cd {ROOT} && {grade} ch03 --target {buggy_tree}; touch {done}; sleep 60"
    subprocess.run([*sock, "new-session", "-d", "-s", session, "-x", "80", "-y", "200", command], env=env, check=True)
    try:
        deadline = time.monotonic() + 90
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        screen = subprocess.run([*sock, "capture-pane", "-p", "-J", "-S", "-200", "-t", session],
                                capture_output=True, text=True, check=True).stdout
    finally:
        subprocess.run([*sock, "kill-server"], capture_output=True)
    lines = [line.rstrip() for line in screen.splitlines()]
    assert any(re.match(r"Total \d", line) for line in lines), screen
    assert max(len(line) for line in lines) <= 80, screen
    assert "causal_attention" in screen and "before the softmax" in screen
