"""Shared fixtures for the project's own tests, and CI's rule that tests marked must_run_in_ci never skip there."""
import os
from pathlib import Path

import pytest

from grader.core import manifest

ROOT = Path(__file__).resolve().parent.parent


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Where COURSE_CI is set (.ci/run sets it), a skip of a test marked must_run_in_ci is a failure: CI
    installs what those tests need (Chromium, tmux), so a skip there means they silently stopped running."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("COURSE_CI") and item.get_closest_marker("must_run_in_ci"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid} must run in CI (COURSE_CI is set), but it was skipped: {reason}"


@pytest.fixture(scope="session")
def course():
    return manifest.load(ROOT)


@pytest.fixture(scope="session")
def handed_out(course, tmp_path_factory):
    """A copy of the course as handed out (pristine stubs: from tests/stubs in a release, else generated
    from solutions/), so tests of the stubs still hold in a learner's clone where exercises/ is being solved."""
    import shutil

    from grader.core import markers
    root = tmp_path_factory.mktemp("handed-out")
    shutil.copy(course.root / "course.toml", root)
    for part in ("checks", "snapshots"):
        shutil.copytree(course.root / "tests" / part, root / "tests" / part, ignore=shutil.ignore_patterns("__pycache__"))
    kept = course.root / "tests" / "stubs"
    if kept.is_dir():
        shutil.copytree(kept, root / "exercises")
    else:
        for rel, text in markers.stub_files(course.solutions).items():
            (root / "exercises" / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / "exercises" / rel).write_text(text, encoding="utf-8")
    return manifest.load(root)
