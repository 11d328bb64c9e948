"""How check results become an exercise's status and feedback (no worker needed)."""
import pytest

from grader.scoring.feedback import format_error
from grader.scoring.grading import blame_dependencies, exercise_result
from grader.scoring.results import CheckResult
from grader.engine.runner import JobResult


@pytest.fixture
def ex(course):
    return course.exercise("ch04.transformer_block")


def check(status, feedback="", points=0.0):
    return CheckResult("test_x", points, 1.0, status, feedback)


def job(ex, status="ok", **kw):
    return JobResult(ex, target=None, status=status, **kw)


@pytest.mark.parametrize("statuses, expected", [
    (["passed", "passed"], "passed"),
    (["not_implemented", "not_implemented"], "not_implemented"),
    (["passed", "failed"], "failed"),
    (["error", "failed"], "error"),          # nothing earned and the code raised
    (["passed", "error"], "failed"),         # some points earned
    (["memory", "failed"], "memory"),
])
def test_status_from_checks(ex, statuses, expected):
    checks = [check(s, f"problem {i}", 1.0 if s == "passed" else 0.0) for i, s in enumerate(statuses)]
    assert exercise_result(ex, job(ex), checks).status == expected


@pytest.mark.parametrize("worker_status, expected", [("timeout", "timeout"), ("memory", "memory"),
                                                     ("crashed", "error"), ("lost", "error")])
def test_a_child_that_did_not_finish_decides_the_status(ex, worker_status, expected):
    result = exercise_result(ex, job(ex, worker_status, detail="d"), [check("error", "x")])
    assert result.status == expected and result.feedback


def test_feedback_is_the_first_problem_and_counts_the_others(ex):
    checks = [check("passed", points=1.0), check("failed", "shape wrong"), check("failed", "values wrong"),
              check("failed", "shape wrong")]
    result = exercise_result(ex, job(ex), checks)
    assert result.feedback.startswith("shape wrong") and "+1 more failing check" in result.feedback


def test_dependencies_are_blamed_first_unless_not_started(ex, course):
    dep = course.exercise("ch03.multihead_attention")
    by_id = {dep.id: exercise_result(dep, job(dep), [check("failed", "bad")]),
             ex.id: exercise_result(ex, job(ex), [check("failed", "block bad")])}
    blame_dependencies(ex, by_id)
    assert by_id[ex.id].feedback.startswith(f"This builds on {dep.id}")
    untouched = exercise_result(ex, job(ex), [check("not_implemented", "not implemented yet")])
    by_id[ex.id] = untouched
    blame_dependencies(ex, by_id)
    assert untouched.feedback.startswith("not implemented yet")


def test_format_error_points_at_the_learners_line():
    text = format_error({"type": "KeyError", "message": "'x'", "kind": "error",
                         "where": {"file": "exercises/ch02/t.py", "line": 7, "function": "encode", "code": "d[x]"}})
    assert text == "KeyError: 'x'\n  in exercises/ch02/t.py:7, in encode: d[x]"
    todo = format_error({"kind": "not_implemented", "todo": "do it", "where": {"file": "f.py", "line": 3}})
    assert todo == "not implemented yet — f.py:3"


def test_a_failing_tip_costs_nothing_and_is_shown(ex):
    checks = [check("passed", points=1.0), CheckResult("test_tip", 0.0, 0.0, "failed", "pass allowed_special")]
    result = exercise_result(ex, job(ex), checks)
    assert result.status == "passed" and result.feedback == "Tip: pass allowed_special"


def test_not_implemented_names_the_todo_line_from_the_location_field(ex):
    checks = [CheckResult("test_a", 0.0, 1.0, "not_implemented", "anything", location="exercises/ch04/gpt.py:12"),
              CheckResult("test_b", 0.0, 1.0, "not_implemented", "anything", location="exercises/ch04/gpt.py:12")]
    result = exercise_result(ex, job(ex), checks)
    assert result.status == "not_implemented" and result.feedback == "not implemented yet — exercises/ch04/gpt.py:12"


def test_a_todo_left_in_an_earlier_exercise_is_named_as_what_this_one_builds_on(course):
    finetune = course.exercise("ch07.finetune_model")
    checks = [CheckResult("test_a", 0.0, 1.0, "not_implemented", "anything", location="exercises/ch04/gpt.py:88")]
    result = exercise_result(finetune, job(finetune), checks)
    assert result.status == "not_implemented"
    assert result.feedback == ("not implemented yet — exercises/ch04/gpt.py:88, in code this exercise builds on "
                               "(ch04.gpt_model, ch05.train_model_simple): finish that first")
    own = [CheckResult("test_a", 0.0, 1.0, "not_implemented", "anything", location="exercises/ch07/finetune.py:9")]
    feedback = exercise_result(finetune, job(finetune), own).feedback
    assert feedback == "not implemented yet — exercises/ch07/finetune.py:9"


def test_an_import_error_is_told_once_under_the_exercise_whose_definition_holds_it(course):
    from grader.scoring.grading import share_import_errors
    ids = ["ch02.split_text", "ch02.build_vocab", "ch02.simple_tokenizer_v1"]
    error = {"type": "SyntaxError", "message": "invalid syntax", "kind": "error", "todo": None,
             "where": {"file": "exercises/ch02/tokenizers.py", "line": 23, "function": "build_vocab", "code": "x"}}
    jobs = {i: job(course.exercise(i), import_error=error) for i in ids}
    by_id = {i: exercise_result(course.exercise(i), jobs[i], [check("error", "e")]) for i in ids}
    share_import_errors(course, jobs, by_id)
    assert "SyntaxError: invalid syntax" in by_id["ch02.build_vocab"].feedback
    for other in ("ch02.split_text", "ch02.simple_tokenizer_v1"):
        assert by_id[other].feedback == ("tokenizers.py does not import, because of the SyntaxError told under "
                                         "ch02.build_vocab (exercises/ch02/tokenizers.py:23): fix that first")
        assert by_id[other].status == "error" and by_id[other].score == 0
