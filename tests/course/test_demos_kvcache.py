"""`grade demo kvcache` end to end on a tiny configuration: tokens/s with and without the cache, the same text."""
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

pytest.importorskip("torch")
ROOT = Path(__file__).resolve().parents[2]
TINY = {"vocab_size": 50257, "context_length": 32, "emb_dim": 16, "n_heads": 2, "n_layers": 1, "drop_rate": 0.0,
        "qkv_bias": False}


@pytest.fixture
def tiny_demo(monkeypatch):
    from grader.demos import kvcache
    monkeypatch.setattr(kvcache, "CONFIG", TINY)


@pytest.mark.needs_solutions
def test_kvcache_demo_times_three_ways_and_finds_the_same_text(tiny_demo):
    result = CliRunner().invoke(main, ["demo", "kvcache", "--solutions", "--max-new-tokens", "12"],
                                terminal_width=120)
    assert result.exit_code == 0, result.output
    assert result.output.count("tokens/s") == 3 and result.output.count("speed-up") == 2
    assert "identical text with and without the cache (16 tokens)" in result.output
    assert "Hello, I am" in result.output


def test_kvcache_demo_on_unfinished_code_says_what_is_missing(tiny_demo):
    result = CliRunner().invoke(main, ["demo", "kvcache", "--max-new-tokens", "2"])
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "is not written yet: kvcache." in said and "Finish it first" in said
    # --solutions is offered only where the reference code is (the course, not a learner's release)
    assert ("--solutions" in said) == (ROOT / "solutions").is_dir()
