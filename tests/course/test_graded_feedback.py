"""What grading a catalogued variant says, beyond the catalogue's "this check fails with this text": the score a
wrong answer earns and feedback that shows a location whole."""
import re
from pathlib import Path

import pytest

from grader.authoring import catalogue
from grader.core import manifest
from grader.scoring.grading import grade_jobs

pytestmark = [pytest.mark.worker, pytest.mark.needs_solutions]

ROOT = Path(__file__).resolve().parents[2]
COURSE = manifest.load(ROOT)
KEYS = {"setattr_on_the_child": "appE.replace_linear_with_lora:bug:setattr on the Linear child instead of its parent",
        "book_top_k": "ch05.generate:alternative:the book's top-k threshold (one prompt at a time)",
        "appendix_c_1024": "ch06.ex6_1_context_length:alternative:Appendix C's max_length = 1024"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    entries = {e.key: e for e in catalogue.load(COURSE, ["ch05", "ch06", "appE"])}
    chosen = [entries[key] for key in KEYS.values()]
    base = tmp_path_factory.mktemp("variants")
    trees = [catalogue.materialise(e, COURSE.solutions, base / f"v{i}") for i, e in enumerate(chosen)]
    runs = grade_jobs(COURSE, [(tree, [e.exercise]) for e, tree in zip(chosen, trees)], dependencies=False)
    return {name: run.exercises[0] for name, run in zip(KEYS, runs)}


def test_a_replacement_that_replaced_nothing_scores_zero_and_says_why(graded):
    result = graded["setattr_on_the_child"]
    assert result.score == 0, [(c.name, c.passed) for c in result.checks]
    for check in result.checks:  # none of them passes on the untouched model, and each names the cause
        assert "call setattr on the parent" in check.feedback.lower(), (check.name, check.feedback)


def test_the_generate_tip_shows_the_learners_location_whole(graded):
    result = graded["book_top_k"]
    assert result.score == result.max_score
    feedback = next(c.feedback for c in result.checks if c.name == "test_top_k_on_a_batch")
    assert re.search(r"\(RuntimeError: .+, in \S+/ch05/decoding\.py:\d+\)$", feedback), feedback


def test_appendix_c_answer_to_exercise_6_1_gets_full_marks_and_a_tip(graded):
    result = graded["appendix_c_1024"]
    assert result.score == result.max_score and result.status == "passed"
    assert "model.pos_emb.weight.shape[0]" in result.feedback
