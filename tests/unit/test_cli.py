"""The `grade` command as a learner and a maintainer use it: output and exit codes."""
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


@pytest.mark.slow
def test_stubs_score_zero_and_say_not_implemented_with_file_and_line(stub_run):
    result, doc = stub_run
    assert result.exit_code == Exit.POINTS_LOST, result.output
    assert "not implemented yet — exercises/ch02/tokenizers.py:" in result.output
    assert doc["score"] == 0 and doc["max_score"] > 0
    assert all(e["status"] == "not_implemented" for e in doc["exercises"])


@pytest.mark.slow
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


@pytest.mark.slow
@pytest.mark.needs_solutions
def test_solutions_get_full_marks_and_exit_zero(runner):
    result = runner.invoke(main, ["ch02", "--solutions"], terminal_width=200)
    assert result.exit_code == Exit.FULL_MARKS, result.output
    assert "passed" in result.output and "Total" in result.output


@pytest.mark.slow
def test_bare_grade_shows_progress_over_all_chapters(handed_out, course):
    result = CliRunner(env={"COLUMNS": "200", "COURSE_ROOT": str(handed_out.root)}).invoke(main, [], terminal_width=200)
    assert result.exit_code == Exit.POINTS_LOST, result.output
    assert "Progress" in result.output
    for chapter in course.chapters:
        assert chapter.id in result.output
    assert "Next: ch02." in result.output


def first_line(text):
    return " ".join(text.split("\n\n")[0].split())[:60]


def test_hint_shows_one_more_tier_each_time_it_is_asked(runner, course, tmp_path, monkeypatch):
    from grader.core import state
    monkeypatch.setattr(state, "folder", lambda root: tmp_path)
    ex = course.exercise("ch02.split_text")
    tiers = [first_line(h) for h in ex.hints]
    first = runner.invoke(main, ["hint", "split_text"], terminal_width=200)
    assert first.exit_code == 0, first.output
    assert "exercises/ch02/tokenizers.py" in first.output and f"Hint 1 of {len(tiers)}" in first.output
    assert tiers[0] in " ".join(first.output.split()) and tiers[1] not in " ".join(first.output.split())
    second = runner.invoke(main, ["hint", "ch02.split_text"], terminal_width=200)
    assert tiers[1] in " ".join(second.output.split()) and "Hint 2 of" in second.output
    for _ in tiers:
        last = runner.invoke(main, ["hint", "split_text", "--more"], terminal_width=200)
    assert tiers[-1] in " ".join(last.output.split()) and "again shows hint" not in last.output
    only = runner.invoke(main, ["hint", "split_text", "--tier", "2"], terminal_width=200)
    assert tiers[1] in " ".join(only.output.split()) and tiers[0] not in " ".join(only.output.split())


@pytest.mark.parametrize("args, words", [
    (["ch99"], "unknown chapter"),
    (["hint", "nope"], "no exercise"),
    (["ch02", "--target", "/nonexistent/folder"], "is not a folder"),
    (["ch02", "--solutions", "--target", "."], "either --solutions or --target"),
    (["run"], "Missing argument"),
])
def test_usage_errors_exit_two(runner, args, words):
    result = runner.invoke(main, args)
    assert result.exit_code == Exit.USAGE
    assert words in result.output


def test_list_names_every_exercise(runner, course):
    result = runner.invoke(main, ["list"], terminal_width=200)
    assert result.exit_code == 0
    assert all(ex.id in result.output for ex in course.exercises)


def test_control_characters_from_learner_code_do_not_reach_the_terminal():
    from grader.scoring.report import printable
    assert printable("a\x1b[2Jb\x07c\nd\te") == "a\ufffd[2Jb\ufffdc\nd\te"
