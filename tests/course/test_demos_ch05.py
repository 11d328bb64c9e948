"""`grade demo ch05` and `grade demo appD` end to end on tiny models, and the cached pretrained GPT of the demos."""
import pytest
from click.testing import CliRunner

import support
from grader.cli import main
from test_gpt2_checkpoint import random_params, write_hugging_face

torch = pytest.importorskip("torch")
TINY = {"vocab_size": 50257, "context_length": 16, "emb_dim": 16, "n_heads": 2, "n_layers": 1, "drop_rate": 0.0,
        "qkv_bias": False}


@pytest.fixture
def tiny_demo(monkeypatch):
    from grader.demos import ch05
    monkeypatch.setattr(ch05, "SMALL_GPT_CONFIG", TINY)


@pytest.mark.trains
def test_ch05_demo_trains_saves_and_plots(tiny_demo, tmp_path):
    result = CliRunner().invoke(main, ["demo", "ch05", "--solutions", "--steps", "2", "--eval-freq", "1",
                                       "--eval-iter", "1", "--out", str(tmp_path)], terminal_width=120)
    assert result.exit_code == 0, result.output
    assert "tokens/s" in result.output and "final validation loss" in result.output
    assert result.output.count("In the studio, the painter") >= 3   # a sample at each evaluation, one at the end
    assert (tmp_path / "losses.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    checkpoint = torch.load(tmp_path / "model_and_optimizer.pth", weights_only=True)
    assert sorted(checkpoint) == ["model_state_dict", "optimizer_state_dict"]


def test_ch05_demo_on_unfinished_code_names_the_exercise_file_and_line(tiny_demo, handed_out, tmp_path, monkeypatch):
    """In a learner's copy (the stubs, no solutions/): the first unfinished exercise by id, file and TODO line,
    the message wrapped at word boundaries, and no --solutions (there are none to run)."""
    monkeypatch.setenv("COURSE_ROOT", str(handed_out.root))
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(main, ["demo", "ch05", "--steps", "1", "--out", str(tmp_path)])
    assert result.exit_code == 1, result.output
    stub = (handed_out.stubs / "ch02" / "dataloader.py").read_text(encoding="utf-8").splitlines()
    todo = next(n for n, line in enumerate(stub, 1) if line.strip().startswith("# TODO") and n > next(
        i for i, text in enumerate(stub, 1) if text.startswith("def create_dataloader_v1")))
    words = " ".join(result.output.split())
    assert "ch02.create_dataloader" in words and f"exercises/ch02/dataloader.py:{todo}" in words, result.output
    assert "--solutions" not in result.output and max(map(len, result.output.splitlines())) <= 80
    without = CliRunner().invoke(main, ["demo", "ch05", "--solutions", "--steps", "1", "--out", str(tmp_path)])
    assert without.exit_code == 2 and "no reference solutions" in without.output


def test_ch05_demo_loads_gpt2_weights(tmp_path):
    settings = {"n_vocab": 50257, "n_ctx": 32, "n_embd": 8, "n_head": 2, "n_layer": 1}
    write_hugging_face(tmp_path / "gpt2", random_params(settings), settings)
    result = CliRunner().invoke(main, ["demo", "ch05", "--solutions", "--weights",
                                       str(tmp_path / "gpt2" / "model.safetensors"), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "validation loss" in result.output and "Every effort moves you" in result.output
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.safetensors").write_bytes(b"garbage")
    result = CliRunner().invoke(main, ["demo", "ch05", "--solutions", "--weights", str(broken / "model.safetensors")])
    assert result.exit_code == 1 and "not a readable safetensors file" in result.output


def test_appD_demo_plots_the_schedule(tmp_path):
    result = CliRunner().invoke(main, ["demo", "appD", "--solutions", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "135 steps" in result.output and "27 of warmup" in result.output
    assert "step   27: warmup 0.010000   warmup + cosine 0.010000" in result.output
    assert (tmp_path / "learning_rates.png").read_bytes()[:4] == b"\x89PNG"


def test_pretrained_gpt_is_trained_once_and_cached(tmp_path, monkeypatch):
    from grader.demos import _pretrained
    monkeypatch.setenv("LLM_COURSE_CACHE", str(tmp_path))
    gpt = support.solution("ch04", "gpt")
    calls = []

    def train_model_simple(model, train_loader, val_loader, optimizer, device, num_epochs, eval_freq, eval_iter,
                           start_context, tokenizer):
        calls.append((len(train_loader), num_epochs, start_context))
        with torch.no_grad():
            model.out_head.weight.fill_(0.5)
        print("Ep 1 (Step 000000): Train loss 1.000, Val loss 2.000")
        return [1.0], [2.0], [128]

    lines = []
    first = _pretrained.pretrained_gpt(gpt.GPTModel, train_model_simple, TINY, num_epochs=1, progress=lines.append)
    again = _pretrained.pretrained_gpt(gpt.GPTModel, train_model_simple, TINY, num_epochs=1)
    assert len(calls) == 1 and calls[0][1] == 1 and lines == ["Ep 1 (Step 000000): Train loss 1.000, Val loss 2.000"]
    assert not first.training and torch.equal(again.out_head.weight, torch.full_like(again.out_head.weight, 0.5))
    assert torch.equal(first.tok_emb.weight, again.tok_emb.weight)
    other = _pretrained.checkpoint_path(gpt.GPTModel, train_model_simple, {**TINY, "emb_dim": 32}, 1)
    assert other != _pretrained.checkpoint_path(gpt.GPTModel, train_model_simple, TINY, 1)
    assert len(list((tmp_path / "models").glob("small-gpt-*.pt"))) == 1
