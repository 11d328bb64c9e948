"""Every catalogued learner bug loses points with its own message; every correct alternative
gets full marks; every check of every exercise is failed by at least one catalogued bug."""
from pathlib import Path

import pytest

from grader.authoring import catalogue
from grader.core import manifest
from grader.scoring.grading import grade_jobs

pytestmark = pytest.mark.needs_solutions

ROOT = Path(__file__).resolve().parents[2]
COURSE = manifest.load(ROOT)
ENTRIES = catalogue.load(COURSE)
BUGS = [e for e in ENTRIES if e.kind == "bug"]
ALTERNATIVES = [e for e in ENTRIES if e.kind == "alternative"]


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """All catalogue variants graded in one worker: entry key -> ExerciseResult."""
    base = tmp_path_factory.mktemp("catalogue")
    built, stale = [], {}
    for i, entry in enumerate(ENTRIES):
        try:
            built.append((entry, catalogue.materialise(entry, COURSE.solutions, base / f"v{i}")))
        except catalogue.CatalogueError as exc:  # fails this entry's test, not everyone's
            stale[entry.key] = exc
    # each variant's feedback is judged check by check: the exercises it builds on need no grading beside it
    runs = grade_jobs(COURSE, [(tree, [entry.exercise]) for entry, tree in built], dependencies=False)
    return {**{e.key: run.exercises[0] for (e, _), run in zip(built, runs)}, **stale}


def result_of(graded, entry):
    result = graded[entry.key]
    if isinstance(result, Exception):
        pytest.fail(f"stale catalogue entry: {result}")
    return result


@pytest.mark.worker
@pytest.mark.parametrize("entry", BUGS, ids=[e.key for e in BUGS])
def test_bug_is_caught_with_its_message(graded, entry):
    result = result_of(graded, entry)
    assert result.score < result.max_score, f"{entry.key} got full marks"
    checks = {c.name: c for c in result.checks}
    assert entry.check in checks, f"{entry.key}: no check named {entry.check}; checks: {sorted(checks)}"
    named = checks[entry.check]
    assert not named.passed, f"{entry.key}: {entry.check} passed; failing: " + "; ".join(
        f"{c.name}: {c.feedback}" for c in result.checks if not c.passed)
    assert entry.message.lower() in named.feedback.lower(), (
        f"{entry.key}: {entry.check} failed without naming the bug.\n"
        f"expected a message containing {entry.message!r}, got:\n{named.feedback}")


@pytest.mark.worker
@pytest.mark.parametrize("entry", ALTERNATIVES, ids=[e.key for e in ALTERNATIVES])
def test_alternative_gets_full_marks(graded, entry):
    result = result_of(graded, entry)
    lost = [f"{c.name}: {c.feedback}" for c in result.checks if not c.passed and not c.tip]
    assert result.score == result.max_score and not lost, f"{entry.key} lost points:\n" + "\n".join(lost)
    assert result.status == "passed", f"{entry.key}: status {result.status}"
    if entry.tip:
        assert entry.tip.lower() in result.feedback.lower(), f"{entry.key}: expected a tip with {entry.tip!r}, " \
                                                             f"got feedback {result.feedback!r}"


@pytest.mark.worker
def test_every_check_is_failed_by_some_catalogued_bug(graded):
    uncovered = []
    for ex in COURSE.exercises:
        bugs = [graded[e.key] for e in BUGS if e.exercise.id == ex.id and not isinstance(graded[e.key], Exception)]
        if not bugs:
            uncovered.append(f"{ex.id}: no catalogued bugs")
            continue
        tipped = [graded[e.key] for e in ALTERNATIVES if e.exercise.id == ex.id and e.tip
                  and not isinstance(graded[e.key], Exception)]
        failed = {c.name for r in bugs + tipped for c in r.checks if not c.passed}
        uncovered += [f"{ex.id}::{c.name}" for c in bugs[0].checks if c.name not in failed]
    assert not uncovered, "checks no catalogued bug fails (a check that cannot fail is a defect):\n" + \
        "\n".join(uncovered)


def test_each_exercise_has_two_bugs():
    counts = {ex.id: sum(e.exercise.id == ex.id for e in BUGS) for ex in COURSE.exercises}
    few = {k: v for k, v in counts.items() if v < 2}
    assert not few, f"exercises with fewer than two catalogued learner bugs: {few}"
