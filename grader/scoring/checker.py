"""Trusted side: run the course's pytest checks against the worker's plain data and score them.

pytest runs in this process with the course's own config only (`pytest_checks.ini`), no plugin
autoloading, and conftest lookup cut at tests/checks, so nothing in a learner's folder takes
part. The fixtures `out` and `snap` hand each check this run's results and the snapshot.
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

import pytest

from ..checks import CheckFailed, short_error, which_error
from ..core.manifest import Course, Exercise
from ..engine import wire
from ..engine.protocol import (
    JOB_OK,
    MEMORY,
    NOT_IMPLEMENTED,
    STATUS_OF_ERROR_KIND,
    STATUS_OF_JOB,
    error_record,
    location,
)
from ..engine.runner import JobResult
from .feedback import format_error, job_message
from .results import CheckResult

INI = Path(__file__).with_name("pytest_checks.ini")
# pytest's own plugins the checks do not use: leaving them out saves ~0.2 s a session (plugin
# registration, and the gc.collect() runs of the unraisable/thread exception hooks).
UNUSED_PLUGINS = ("cacheprovider", "terminal", "doctest", "debugging", "unittest", "capture", "legacypath",
                  "tmpdir", "monkeypatch", "recwarn", "pastebin", "junitxml", "setuponly", "setupplan",
                  "stepwise", "unraisableexception", "threadexception", "warnings", "logging", "faulthandler",
                  "subtests")
REPORT_NEEDS = ("terminal", "legacypath")  # pytest-json-report reads the test status and session.fspath from these


class LearnerError(Exception):
    """The learner's code raised (or never finished) while producing a case a check needs."""

    def __init__(self, error: dict):
        self.error = error
        super().__init__(format_error(error))


class ExerciseDown(Exception):
    """The exercise's worker child timed out, ran out of memory, crashed or could not import."""

    def __init__(self, status: str, message: str):
        self.status = status
        super().__init__(message)


class Outputs:
    """Case results of one job; a case that raised re-raises as LearnerError when read."""

    def __init__(self, job: JobResult):
        self._job = job

    def __getitem__(self, name: str):
        record = self._job.cases.get(name)
        if record is None:
            raise LearnerError(error_record("Unfinished", "your code never returned for this check "
                                            f"({self._job.detail or 'no result'})"))
        if not record.get("ok"):
            raise LearnerError(record.get("error") or {})
        return record.get("value")

    def __contains__(self, name: str) -> bool:
        return name in self._job.cases

    def error(self, name: str, advice: dict[str, str] | None = None) -> dict | None:
        """The error the learner's code raised in case `name` ({"type", "message", "where", ...}), or None when
        it returned. With `advice` (exception type name -> what to do; a key may add words of the message,
        "KeyError: ':'", see grader.checks.which_error), an error it describes fails the check at once with
        that advice: the one way a check judges an exception the learner raised."""
        record = self._job.cases.get(name)
        if record is None or record.get("ok"):
            return None
        error = record.get("error") or {}
        message = str(error.get("message", ""))
        said = which_error(str(error.get("type", "")), message, advice)
        if said and error.get("kind") not in (NOT_IMPLEMENTED, MEMORY):
            raise CheckFailed(f"{said} ({short_error(error, 200)})")
        return error


def load_snapshot(exercise: Exercise, root: Path) -> dict:
    path = exercise.snapshot_path(root)
    doc = __import__("json").loads(path.read_text(encoding="utf-8"))
    npz = path.with_suffix(".npz")
    arrays = wire.load_npz(npz.read_bytes()) if npz.exists() else {}
    return wire.join_arrays(doc["cases"], arrays)


class Snapshot(dict):
    def __missing__(self, key):
        raise KeyError(f"the snapshot has no case {key!r}: the maintainer must run `grade sync`")


class GraderPlugin:
    """Serves `out` and `snap` to the checks, once per graded tree: every check is parametrized
    over the trees (`grader_target`) that include its exercise, so one pytest session scores them all."""

    def __init__(self, course: Course, targets: list[dict[str, JobResult]]):
        self.course, self.targets = course, targets
        self.outcomes: dict[str, dict] = {}
        self.items: dict[tuple[int, str], list] = {}
        self.collect_errors: dict[str, str] = {}
        self.snapshots: dict[str, dict] = {}

    @staticmethod
    def exercise_of(path) -> str:
        path = Path(path)
        return f"{path.parent.name}.{path.stem.removeprefix('check_')}"

    def pytest_generate_tests(self, metafunc):
        if "grader_target" in metafunc.fixturenames:
            ex_id = self.exercise_of(metafunc.definition.path)
            which = [i for i, jobs in enumerate(self.targets) if ex_id in jobs]
            metafunc.parametrize("grader_target", which, ids=[f"t{i}" for i in which])

    @pytest.fixture
    def grader_target(self, request):
        return request.param

    @pytest.fixture
    def out(self, request, grader_target):
        job = self.targets[grader_target][self.exercise_of(request.node.path)].wait()
        if job.status != JOB_OK:
            raise ExerciseDown(STATUS_OF_JOB.get(job.status, "error"), job_message(job))
        if job.import_error:
            raise ExerciseDown("error", "your module could not be imported: " + format_error(job.import_error))
        return Outputs(job)

    @pytest.fixture
    def snap(self, request, grader_target):
        ex_id = self.exercise_of(request.node.path)
        if ex_id not in self.snapshots:
            self.snapshots[ex_id] = load_snapshot(self.course.exercise(ex_id), self.course.root)
        return Snapshot(self.snapshots[ex_id])

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config):
        # Nobody reads pytest's tracebacks of a failed check (they run through pytest's and the grader's own
        # frames): a report keeps the exception's message and where it was raised, which costs a tenth as much.
        config.option.tbstyle = "value"

    def pytest_collection_modifyitems(self, items):
        for item in items:
            target = item.callspec.params["grader_target"] if hasattr(item, "callspec") else -1
            self.items.setdefault((target, self.exercise_of(item.path)), []).append(item)

    def pytest_collectreport(self, report):
        if report.failed:
            self.collect_errors[str(report.nodeid)] = str(report.longrepr)[-2000:]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if call.when == "teardown" or (call.when == "setup" and report.passed):
            return
        self.outcomes[item.nodeid] = {"exc": call.excinfo.value if call.excinfo else None,
                                      "passed": report.passed, "duration_s": call.duration}


def run_checks(course: Course, targets: list[dict[str, JobResult]],
               json_report: Path | None = None) -> list[dict[str, list[CheckResult]]]:
    """Run the checks for every tree's jobs (exercise id -> JobResult) in one pytest session;
    returns, per tree, exercise id -> check results. `json_report`: also write the session's
    results in pytest-json-report's format, by that plugin, to this file."""
    exercises = [ex for ex in course.exercises if any(ex.id in jobs for jobs in targets)]
    files = [str(ex.check_path(course.root)) for ex in exercises]
    plugin = GraderPlugin(course, targets)
    args = [*files, "-c", str(INI), "--rootdir", str(course.root / "tests" / "checks"),
            "--confcutdir", str(course.root / "tests" / "checks"), "--assert=plain", "--import-mode=importlib",
            *(arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}")
              if json_report is None or name not in REPORT_NEEDS)]
    if json_report is not None:
        args += ["-p", "pytest_jsonreport.plugin", "--json-report", f"--json-report-file={json_report}",
                 "--json-report-omit", "collectors", "log", "keywords", "streams", "warnings"]
    _forget_other_courses_checks(course.root / "tests" / "checks")
    saved = {k: os.environ.pop(k) for k in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS") if k in os.environ}
    previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            pytest.main(args, plugins=[plugin])
    finally:
        os.environ.update(saved)
        if previous is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous
    unparametrized = [i.nodeid for (t, _), items in plugin.items.items() if t == -1 for i in items]
    if unparametrized:
        raise RuntimeError(f"internal error: checks that read no learner output (use `out`): {unparametrized}")
    results = []
    for t, jobs in enumerate(targets):
        scored = {}
        for ex_id in jobs:
            items = plugin.items.get((t, ex_id), [])
            if not items:
                errors = "; ".join(plugin.collect_errors.values()) or "no checks found"
                raise RuntimeError(f"internal error: the checks of {ex_id} did not load: {errors}")
            weights = [getattr(getattr(i, "function", None), "_grader_points", 1.0) for i in items]
            total = sum(weights) or 1.0
            scored[ex_id] = [score_check(item.originalname, plugin.outcomes.get(item.nodeid),
                                         course.exercise(ex_id).points * w / total)
                             for item, w in zip(items, weights)]
            scored[ex_id] += hidden_checks(getattr(items[0], "module", None))
        results.append(scored)
    return results


def hidden_checks(module) -> list[CheckResult]:
    """A learner release's check module says how many hidden checks it left out (HIDDEN_CHECKS): one
    0-point "skipped" result each, so the report can say that more checks run at grading."""
    count = getattr(module, "HIDDEN_CHECKS", 0)
    count = count if isinstance(count, int) and 0 < count < 1000 else 0
    return [CheckResult(f"hidden check {n}", 0.0, 0.0, "skipped", "runs at grading") for n in range(1, count + 1)]


def _forget_other_courses_checks(checks: Path) -> None:
    """pytest keeps check modules in sys.modules under names relative to their folder
    (ch03.check_softmax_naive): drop those another course root loaded, or its checks would be reused."""
    mine = str(checks.resolve())
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None) or ""
        if f"{os.sep}tests{os.sep}checks{os.sep}" in file and not file.startswith(mine):
            del sys.modules[name]


def score_check(name: str, outcome: dict | None, max_points: float) -> CheckResult:
    if outcome is None:
        return CheckResult(name, 0.0, max_points, "error", "the check did not run")
    exc, duration = outcome["exc"], outcome["duration_s"]
    if outcome["passed"]:
        return CheckResult(name, max_points, max_points, "passed", "", duration)
    if isinstance(exc, ExerciseDown):
        return CheckResult(name, 0.0, max_points, exc.status, str(exc), duration)
    if isinstance(exc, LearnerError):
        status = STATUS_OF_ERROR_KIND.get(exc.error.get("kind"), "error")
        return CheckResult(name, 0.0, max_points, status, str(exc), duration, location(exc.error))
    if isinstance(exc, (CheckFailed, AssertionError)):
        return CheckResult(name, 0.0, max_points, "failed", str(exc), duration)
    message = f"your result could not be checked ({type(exc).__name__}: {exc})"
    return CheckResult(name, 0.0, max_points, "failed", message, duration)
