"""The overview (`grade` alone) reuses the results of exercises whose files, dependencies and grader did not
change, and grades only the rest."""
import shutil

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.core import state
from grader.scoring import cache as cache_module
from grader.scoring.cache import ResultCache
from grader.scoring.results import CheckResult, ExerciseResult, RunResult


@pytest.fixture
def tree(handed_out, tmp_path, monkeypatch):
    monkeypatch.setattr(state, "folder", lambda root: tmp_path / ".grade")
    shutil.copytree(handed_out.stubs, tmp_path / "exercises", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "exercises"


def result(ex, status="passed"):
    return ExerciseResult(ex.id, ex.title, ex.chapter, ex.book, ex.points, status, "",
                          checks=[CheckResult("test_x", ex.points if status == "passed" else 0.0, ex.points, status)])


def test_a_change_regrades_the_chapter_and_what_builds_on_it_only(course, tree):
    ch02, ch03, ch04 = (list(course.chapter(c).exercises) for c in ("ch02", "ch03", "ch04"))
    ResultCache(course, tree).store(RunResult("exercises", [result(ex) for ex in ch02 + ch03 + ch04]))
    assert ResultCache(course, tree).split(ch02 + ch03 + ch04)[1] == []
    (tree / "ch03" / "attention_basics.py").write_text("# edited\n", encoding="utf-8")
    reused, todo = ResultCache(course, tree).split(ch02 + ch03 + ch04)
    assert set(reused) == {ex.id for ex in ch02} | {ex.id for ex in ch04 if not _builds_on(course, ex, "ch03")}
    assert {ex.id for ex in todo} == {ex.id for ex in ch03} | {ex.id for ex in ch04 if _builds_on(course, ex, "ch03")}
    assert any(ex.chapter == "ch04" for ex in todo)   # ch04's GPT builds on ch03's attention


def _builds_on(course, ex, chapter) -> bool:
    stack, seen = list(ex.depends), set()
    while stack:
        dep = course.exercise(stack.pop())
        if dep.chapter == chapter:
            return True
        if dep.id not in seen:
            seen.add(dep.id)
            stack += dep.depends
    return False


def test_results_of_the_machines_state_are_not_kept_and_the_grader_is_in_the_key(course, tree, monkeypatch):
    split, vocab = course.exercise("ch02.split_text"), course.exercise("ch02.build_vocab")
    ResultCache(course, tree).store(RunResult("exercises", [result(split), result(vocab, "timeout")]))
    assert [ex.id for ex in ResultCache(course, tree).split([split, vocab])[1]] == ["ch02.build_vocab"]
    monkeypatch.setattr(cache_module, "grader_version", lambda course: "another grader")
    assert len(ResultCache(course, tree).split([split, vocab])[1]) == 2


def test_bare_grade_says_what_it_reused_and_starts_no_worker_when_nothing_changed(course, tree, monkeypatch):
    ResultCache(course, tree).store(RunResult("exercises", [result(ex, "not_implemented") for ex in course.exercises]))
    monkeypatch.setattr(type(course), "stubs", property(lambda self: tree))

    def no_grading(*args, **kwargs):
        raise AssertionError("graded although nothing changed")
    monkeypatch.setattr("grader.scoring.grading.grade", no_grading)
    done = CliRunner().invoke(main, [], terminal_width=100)
    assert done.exit_code == 1, done.output
    assert f"{len(course.exercises)} results reused" in " ".join(done.output.split())
