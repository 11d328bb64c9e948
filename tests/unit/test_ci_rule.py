"""CI's rule (.ci/run sets COURSE_CI): a skip of a test marked must_run_in_ci — the class report in headless
Chromium, the report in an 80-column tmux — fails there; elsewhere it stays a skip."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = '''import pytest


@pytest.mark.must_run_in_ci
@pytest.mark.skipif(True, reason="Chromium is not installed")
def test_needs_a_browser():
    pass


@pytest.mark.skipif(True, reason="an ordinary skip")
def test_may_skip():
    pass
'''


def pytest_in(folder: Path, *args: str, ci: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "COURSE_CI"}
    if ci:
        env["COURSE_CI"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=300)


def test_a_skip_of_a_must_run_test_fails_only_where_course_ci_is_set(tmp_path):
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    shutil.copy(ROOT / "tests" / "local_server.py", tmp_path / "local_server.py")  # conftest's own import
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    must_run_in_ci: see the course's pyproject.toml\n")
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    done = pytest_in(tmp_path, "-rA", ci=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 skipped, 1 error" in done.stdout   # the skip comes at set-up: an error there, the suite fails
    assert "must run in CI (COURSE_CI is set), but it was skipped: Skipped: Chromium is not installed" in done.stdout
    done = pytest_in(tmp_path, ci=False)
    assert done.returncode == 0 and "2 skipped" in done.stdout, done.stdout + done.stderr


@pytest.mark.needs_solutions  # the tests it names need solutions/: a learner release has none of them
def test_the_browser_and_terminal_tests_are_the_ones_marked():
    done = pytest_in(ROOT, "tests", "--collect-only", "-m", "must_run_in_ci", ci=False)
    names = sorted(line.split("::")[-1] for line in done.stdout.splitlines() if "::" in line)
    assert names == ["test_a_save_under_watch_with_no_arguments_shows_its_chapter_at_80_by_40",
                     "test_in_a_real_80_column_terminal",
                     "test_the_class_report_renders_in_a_browser_and_matches_the_gradebook"], done.stdout
