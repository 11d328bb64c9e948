"""`grade demo dpo` end to end on the reference code, with a tiny untrained GPT in place of the pretrained one and 60
generated preference pairs: it tunes, reports the margins and writes the plot."""
import re

import pytest
from click.testing import CliRunner

from course_data import preferences
from grader.cli import main
from grader.demos import _pretrained

TINY = {"vocab_size": 50257, "context_length": 128, "emb_dim": 8, "n_heads": 2, "n_layers": 1, "drop_rate": 0.0,
        "qkv_bias": False}


@pytest.fixture
def small_world(monkeypatch):
    def untrained(GPTModel, train_model_simple, cfg=None, num_epochs=2, progress=None):
        import torch
        torch.manual_seed(0)
        return GPTModel(TINY).eval()
    monkeypatch.setattr(_pretrained, "pretrained_gpt", untrained)
    for key, value in TINY.items():
        monkeypatch.setitem(_pretrained.SMALL_GPT_CONFIG, key, value)
    monkeypatch.setattr(preferences, "default_preference_data", lambda: preferences.generated_preference_data(60))
    from grader.demos import dpo
    monkeypatch.setattr(dpo, "BATCH_SIZE", 4)
    monkeypatch.setattr(dpo, "EVAL_ITER", 1)   # one batch of each loader per evaluation while training


@pytest.mark.trains
@pytest.mark.needs_solutions
def test_demo_runs_on_the_reference_code(small_world, tmp_path):
    result = CliRunner().invoke(main, ["demo", "dpo", "--solutions", "--train-size", "8", "--eval-freq", "1",
                                       "--lr", "0.01", "--out", str(tmp_path)], terminal_width=100)
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())   # as one line, whatever the console's width
    assert "8 training pairs (2 steps an epoch), 3 validation pairs (generated)" in output
    assert "reward margin 0.000 (the policy is the reference)" in output
    after = float(re.search(r"reward margin (-?[\d.]+) on validation \((-?[\d.]+) on training\)", output)[2])
    assert after > 0
    assert re.search(r"by kind of rejected response .*: (rude|verbose|wrong) -?[\d.]+ \(\d+\)", output)
    assert (tmp_path / "reward-margins.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_says_what_is_missing(small_world, tmp_path):
    result = CliRunner().invoke(main, ["demo", "dpo", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "is not written yet" in result.output
