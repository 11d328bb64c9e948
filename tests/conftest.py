"""Shared fixtures of the project's own tests, and the rules that put the cost markers on them.

The markers (registered in pyproject.toml) are applied here where a rule can tell: every test in
tests/integration/ is `worker`; a test that uses the `local_server` fixture is `needs_download`;
`jail` and `browser` tests are skipped, saying why, where this machine cannot run them. A test outside
tests/integration/ that starts grading (a worker, or `grade` in a subprocess) without `worker` fails,
so a quick run (`-m "not worker"`) cannot start one by accident. Where COURSE_CI is set (.ci/run sets it), a
skip of a test marked must_run_in_ci (the browser and real-terminal tests) is a failure.
"""
import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.core import manifest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
INTEGRATION = HERE / "integration"
if str(HERE) not in sys.path:   # the helpers here (support, classroom, local_server) import from every folder
    sys.path.insert(0, str(HERE))

from local_server import LocalServer  # noqa: E402 - found through the sys.path line above

RUNNING: list = [None]   # the test being set up, run or torn down (threads started by a test see it too)


@pytest.hookimpl(tryfirst=True)   # before -m deselects by these markers
def pytest_collection_modifyitems(config, items):
    for item in items:
        if INTEGRATION in item.path.parents:
            item.add_marker(pytest.mark.worker)
        if "local_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.needs_download)
        if item.get_closest_marker("jail"):
            from grader.containment.isolation import isolation_available
            missing = isolation_available()
            if missing:
                item.add_marker(pytest.mark.skip(reason=f"bulk grading's jail needs {missing}"))
        if item.get_closest_marker("browser") and shutil.which("chromium") is None:
            item.add_marker(pytest.mark.skip(reason="Chromium is not installed (apt install chromium)"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    RUNNING[0] = item   # its setup (fixtures of any scope), call and teardown
    try:
        yield
    finally:
        RUNNING[0] = None


def _starts_grading(args) -> bool:
    argv = [str(a) for a in args] if isinstance(args, (list, tuple)) else str(args).split()
    return "grader.engine.worker" in argv or "grader.cli" in argv or any(Path(a).name == "grade" for a in argv)


def _guard(popen_init):
    @functools.wraps(popen_init)
    def init(self, args, *rest, **kw):
        item = RUNNING[0]
        if item is not None and item.get_closest_marker("worker") is None and _starts_grading(args):
            pytest.fail(f"{item.nodeid} starts grading (a worker or `grade`) but is not marked worker: add "
                        "@pytest.mark.worker, or move it to tests/integration/", pytrace=False)
        popen_init(self, args, *rest, **kw)
    return init


def pytest_configure(config):
    if not getattr(subprocess.Popen.__init__, "__wrapped__", None):
        subprocess.Popen.__init__ = _guard(subprocess.Popen.__init__)


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
def local_server():
    """`with local_server({path: (status, body)}) as server:` a local HTTP server (never the internet); a test
    that uses it, itself or through a fixture of its own, is marked needs_download."""
    return LocalServer


@pytest.fixture(scope="session")
def handed_out(course, tmp_path_factory):
    """A copy of the course as handed out (pristine stubs: from tests/stubs in a release, else generated
    from solutions/), so tests of the stubs still hold in a learner's clone where exercises/ is being solved."""
    from grader.core import markers
    root = tmp_path_factory.mktemp("handed-out")
    shutil.copy(course.root / "course.toml", root)
    for part in ("checks", "snapshots"):
        shutil.copytree(course.root / "tests" / part, root / "tests" / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    kept = course.root / "tests" / "stubs"
    if kept.is_dir():
        shutil.copytree(kept, root / "exercises")
    else:
        for rel, text in markers.stub_files(course.solutions).items():
            (root / "exercises" / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / "exercises" / rel).write_text(text, encoding="utf-8")
    return manifest.load(root)
