"""GPT_CONFIG_124M is a dict literal the learner fills in: its unfilled stub is "not implemented" at its TODO."""
import pytest

from grader.scoring.grading import grade_trees


@pytest.mark.worker
def test_unfilled_config_points_at_its_todo(handed_out):
    lines = (handed_out.stubs / "ch04" / "gpt.py").read_text(encoding="utf-8").splitlines()
    assignment = lines.index("GPT_CONFIG_124M = {")
    todo = max(n for n in range(assignment) if lines[n].startswith("# TODO:")) + 1
    (run,) = grade_trees(handed_out, [handed_out.stubs], [handed_out.exercise("ch04.gpt_config")])
    (result,) = run.exercises
    assert (result.status, result.score) == ("not_implemented", 0)
    first, contract = result.feedback.split("\n", 1)
    assert first == f"not implemented yet — exercises/ch04/gpt.py:{todo}"
    assert contract.startswith("TODO: ") and contract[6:].split()[0] in lines[todo - 1]
