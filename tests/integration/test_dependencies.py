"""Chapter 4 runs the learner's own chapter-3 attention; when that is broken, feedback says so first."""
import shutil

import pytest

from grader.scoring.grading import grade

pytestmark = pytest.mark.needs_solutions

SCALED = "attn_scores / keys.shape[-1] ** 0.5"


def test_broken_attention_is_blamed_before_the_block(course, tmp_path):
    tree = tmp_path / "learner"
    shutil.copytree(course.solutions, tree, ignore=shutil.ignore_patterns("__pycache__"))
    module = tree / "ch03" / "multihead_attention.py"
    assert module.read_text().count(SCALED) == 1
    module.write_text(module.read_text().replace(SCALED, "attn_scores"))
    run = grade(course, tree, [course.exercise("ch04.transformer_block"), course.exercise("ch04.gelu")])
    block, gelu = run.exercises
    assert block.status == "failed" and block.score < block.max_score
    assert block.feedback.startswith("This builds on ch03.multihead_attention, which does not pass yet"), block.feedback
    assert gelu.status == "passed" and not gelu.feedback
    assert [e.id for e in run.exercises] == ["ch04.transformer_block", "ch04.gelu"]  # the dependency is not reported
