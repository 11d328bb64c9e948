"""Chapter 4 runs the learner's own chapter-3 attention; when that is broken, feedback says so first. What an
exercise builds on is graded only when the exercise fails (in the tree where it fails): a passing one costs no more
than itself."""
import shutil

import pytest

from grader.engine import runner
from grader.scoring.grading import grade, grade_trees

pytestmark = pytest.mark.needs_solutions

SCALED = "attn_scores / keys.shape[-1] ** 0.5"


@pytest.fixture
def submitted(monkeypatch):
    """(tree, exercise id) of every later batch of jobs handed to a worker (the dependencies graded for blame)."""
    batches, submit = [], runner.Worker.submit

    def recorded(self, jobs, isolated=False):
        batches.append([(tree, ex.id) for tree, ex in jobs])
        return submit(self, jobs, isolated)
    monkeypatch.setattr(runner.Worker, "submit", recorded)
    return batches


def test_broken_attention_is_blamed_before_the_block(course, tmp_path, submitted):
    tree = tmp_path / "learner"
    shutil.copytree(course.solutions, tree, ignore=shutil.ignore_patterns("__pycache__"))
    module = tree / "ch03" / "multihead_attention.py"
    assert module.read_text().count(SCALED) == 1
    module.write_text(module.read_text().replace(SCALED, "attn_scores"))
    exercises = [course.exercise("ch04.transformer_block"), course.exercise("ch04.gelu")]
    run, solved = grade_trees(course, [tree, course.solutions], exercises)   # one worker, as grade sync does
    block, gelu = run.exercises
    assert block.status == "failed" and block.score < block.max_score
    assert block.feedback.startswith("This builds on ch03.multihead_attention, which does not pass yet"), block.feedback
    assert gelu.status == "passed" and not gelu.feedback
    assert [e.id for e in run.exercises] == ["ch04.transformer_block", "ch04.gelu"]  # the dependency is not reported
    assert [(e.id, e.status, e.feedback) for e in solved.exercises] == [
        ("ch04.transformer_block", "passed", ""), ("ch04.gelu", "passed", "")]
    (batch,) = submitted   # what the failing block builds on, in its own tree only
    assert (tree, "ch03.multihead_attention") in batch and {t for t, _ in batch} == {tree}
    assert "ch04.gelu" not in {i for _, i in batch}


def test_what_a_passing_exercise_builds_on_is_not_graded(course, submitted):
    run = grade(course, course.solutions, [course.exercise("ch04.gpt_model")])
    assert [(e.id, e.status) for e in run.exercises] == [("ch04.gpt_model", "passed")] and submitted == []
