"""The `grade` command grading as a learner and a maintainer use it: the stubs' zero, the JSON schema, full
marks on the reference code, and a bare `grade`'s progress over every chapter."""
import json

import pytest
from click.testing import CliRunner

from grader.cli import Exit, main
from grader.scoring.results import STATUSES


@pytest.fixture(scope="module")
def runner():
    return CliRunner(env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def stub_run(handed_out, tmp_path_factory):
    path = tmp_path_factory.mktemp("json") / "out.json"
    result = CliRunner(env={"COLUMNS": "200", "COURSE_ROOT": str(handed_out.root)}).invoke(
        main, ["ch02", "--json", str(path)], terminal_width=200)
    return result, json.loads(path.read_text())


def test_stubs_score_zero_and_say_not_implemented_with_file_and_line(stub_run):
    result, doc = stub_run
    assert result.exit_code == Exit.POINTS_LOST, result.output
    assert "not implemented yet — exercises/ch02/tokenizers.py:" in result.output
    assert doc["score"] == 0 and doc["max_score"] > 0
    assert all(e["status"] == "not_implemented" for e in doc["exercises"])


def test_json_has_the_design_schema(stub_run):
    _, doc = stub_run
    assert {"schema_version", "target", "score", "max_score", "duration_s", "exercises"} <= set(doc)
    assert doc["schema_version"] == 1
    for ex in doc["exercises"]:
        assert {"id", "title", "chapter", "score", "max_score", "status", "feedback", "checks"} <= set(ex)
        assert ex["status"] in STATUSES and ex["chapter"] == "ch02"
        assert ex["checks"], ex["id"]
        for check in ex["checks"]:
            assert {"name", "passed", "points", "max_points", "status", "feedback", "duration_s"} <= set(check)
        assert abs(sum(c["max_points"] for c in ex["checks"]) - ex["max_score"]) < 1e-9


@pytest.mark.needs_solutions
def test_solutions_get_full_marks_and_exit_zero(runner):
    result = runner.invoke(main, ["ch02", "--solutions"], terminal_width=200)
    assert result.exit_code == Exit.FULL_MARKS, result.output
    assert "passed" in result.output and "Total" in result.output


def test_bare_grade_shows_progress_over_all_chapters(handed_out, course):
    result = CliRunner(env={"COLUMNS": "200", "COURSE_ROOT": str(handed_out.root)}).invoke(main, [], terminal_width=200)
    assert result.exit_code == Exit.POINTS_LOST, result.output
    assert "Progress" in result.output
    for chapter in course.chapters:
        assert chapter.id in result.output
    assert "Next: ch02." in result.output
