"""`grade demo ch07` end to end on the reference code, with a tiny untrained GPT in place of the pretrained one
and 20 generated entries: it trains, answers, scores, and writes the plot and the answers."""
import json

import pytest
from click.testing import CliRunner

from course_data import instructions
from grader.cli import main
from grader.demos import _pretrained

TINY = {"vocab_size": 50257, "context_length": 64, "emb_dim": 8, "n_heads": 2, "n_layers": 1, "drop_rate": 0.0,
        "qkv_bias": False}


@pytest.fixture
def small_world(monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    def untrained(GPTModel, train_model_simple, cfg=None, num_epochs=2, progress=None):
        import torch
        torch.manual_seed(0)
        return GPTModel(TINY).eval()
    monkeypatch.setattr(_pretrained, "pretrained_gpt", untrained)
    for key, value in TINY.items():
        monkeypatch.setitem(_pretrained.SMALL_GPT_CONFIG, key, value)
    monkeypatch.setattr(instructions, "default_instruction_data", lambda: instructions.generated_instruction_data(20))


@pytest.mark.trains
@pytest.mark.needs_solutions
def test_demo_runs_on_the_reference_code(small_world, tmp_path):
    result = CliRunner().invoke(main, ["demo", "ch07", "--solutions", "--epochs", "1", "--max-new-tokens", "4",
                                       "--out", str(tmp_path)], terminal_width=100)
    assert result.exit_code == 0, result.output
    assert "17 training, 1 validation and 2 test entries" in result.output
    assert "average score" in result.output and "Exact answers by task family" in result.output
    assert (tmp_path / "loss-plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    answers = json.loads((tmp_path / "instruction-data-with-response.json").read_text())
    assert len(answers) == 2 and all(isinstance(e["model_response"], str) for e in answers)


def test_demo_says_what_is_missing(small_world, tmp_path):
    result = CliRunner().invoke(main, ["demo", "ch07", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "is not written yet" in result.output


@pytest.mark.needs_solutions
def test_unreachable_judge_is_named_before_training(small_world, tmp_path):
    result = CliRunner().invoke(main, ["demo", "ch07", "--solutions", "--judge", "ollama", "--judge-url",
                                       "http://127.0.0.1:9/api/chat", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "no judge reachable" in result.output and "finetuning" not in result.output
