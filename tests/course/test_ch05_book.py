"""The book's chapter-5 figures, reproduced by the reference solutions in solutions/ch05."""
import math
import os
from pathlib import Path

import pytest

import support

torch = pytest.importorskip("torch")

# section 5.3.1: "closer, every, effort, forward, inches, moves, pizza, toward, you"
NEXT_TOKEN_LOGITS = [4.51, 0.89, -1.90, 6.75, 1.63, -1.62, -1.89, 6.28, 1.79]
BOOK_INPUTS = [[16833, 3626, 6100], [40, 1107, 588]]      # "every effort moves", "I really like"
BOOK_TARGETS = [[3626, 6100, 345], [1107, 588, 11311]]    # " effort moves you", " really like chocolate"


def solution(module):
    return support.solution("ch05", module)


def book_config(**changes):
    """Chapter 5's GPT_CONFIG_124M: the 124M model with a context of 256 tokens."""
    return {**support.solution("ch04", "gpt").GPT_CONFIG_124M, "context_length": 256, **changes}


@pytest.fixture(scope="module")
def untrained():
    torch.manual_seed(123)
    model = support.solution("ch04", "gpt").GPTModel(book_config())
    return model.eval()


def test_text_to_token_ids_and_back():
    from course_data.gpt2 import get_encoding
    pt = solution("pretraining")
    ids = pt.text_to_token_ids("Every effort moves you", get_encoding())
    assert ids.tolist() == [[6109, 3626, 6100, 345]]
    assert pt.token_ids_to_text(ids, get_encoding()) == "Every effort moves you"


def test_untrained_model_loss_and_perplexity(untrained):
    loss = solution("pretraining").calc_loss_batch(torch.tensor(BOOK_INPUTS), torch.tensor(BOOK_TARGETS),
                                                    untrained, "cpu")
    assert round(loss.item(), 4) == 10.7940
    assert round(torch.exp(loss).item()) in range(48720, 48730)   # the book: 48725.8203
    assert abs(loss.item() - math.log(50257)) < 0.05


def test_temperature_and_pizza():
    dec = solution("decoding")
    logits = torch.tensor(NEXT_TOKEN_LOGITS)
    assert torch.argmax(dec.softmax_with_temperature(logits, 1)).item() == 3          # "forward"
    assert dec.softmax_with_temperature(logits, 0.1)[3] > 0.99
    counts = dec.sampling_frequencies(logits, 5, 1000)
    assert round(counts[6].item() / 1000, 3) == 0.043                                  # exercise 5.1: 4.3% pizza


def test_top_k_probabilities():
    """Section 5.3.2: top-3 of the book's logits keeps forward, toward and closer: 0.5775, 0.3610, 0.0615."""
    from grader.checks import sibling
    ref = sibling(str(support.ROOT / "tests" / "checks" / "ch05" / "check_generate.py"), "decoding_reference")

    class BookModel(torch.nn.Module):
        def forward(self, idx):
            return torch.tensor(NEXT_TOKEN_LOGITS).expand(idx.shape[0], idx.shape[1], 9)

    with ref.watch_sampling() as seen:
        solution("decoding").generate(BookModel(), torch.tensor([[0]]), 1, 4, temperature=1.0, top_k=3)
    assert [round(p, 4) for p in seen["rows"][0]] == [0.0615, 0, 0, 0.5775, 0, 0, 0, 0.3610, 0]


def test_exercise_5_3_settings_are_deterministic():
    dec = solution("decoding")
    for setting in dec.deterministic_settings():
        runs = []
        for seed in (1, 2):
            torch.manual_seed(seed)
            runs.append(dec.generate(lambda idx: torch.tensor(NEXT_TOKEN_LOGITS).expand(1, idx.shape[1], 9),
                                     torch.tensor([[0]]), 5, 4, **setting).tolist())
        assert runs[0] == runs[1] == [[0, 3, 3, 3, 3, 3]]


@pytest.mark.parametrize("name, count", [("gpt2-small (124M)", 124_439_808), ("gpt2-medium (355M)", 354_823_168),
                                         ("gpt2-large (774M)", 774_030_080), ("gpt2-xl (1558M)", 1_557_611_200)])
def test_exercise_5_6_gpt2_sizes(name, count):
    from grader.checks import build_on_meta
    cfg = solution("gpt2_weights").gpt2_config(name, book_config())
    model = build_on_meta(lambda: support.solution("ch04", "gpt").GPTModel(cfg))
    assert sum(p.numel() for p in model.parameters()) - model.out_head.weight.numel() == count


def test_checkpoint_resumes_training(tmp_path):
    gpt, ck = support.solution("ch04", "gpt"), solution("checkpoint")
    cfg = {"vocab_size": 50, "context_length": 6, "emb_dim": 8, "n_heads": 2, "n_layers": 1, "drop_rate": 0.0,
           "qkv_bias": False}
    x = torch.arange(12).reshape(2, 6) % 50

    def step(model, optimizer):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x).flatten(0, 1), ((x + 1) % 50).flatten())
        loss.backward()
        optimizer.step()
        return loss.item()

    torch.manual_seed(0)
    model = gpt.GPTModel(cfg)
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.1)
    step(model, optimizer)
    ck.save_checkpoint(model, optimizer, tmp_path / "model_and_optimizer.pth")
    continued = [step(model, optimizer) for _ in range(2)]
    fresh = gpt.GPTModel(cfg)
    model2, optimizer2 = ck.load_checkpoint(tmp_path / "model_and_optimizer.pth", fresh,
                                            torch.optim.AdamW(fresh.parameters(), lr=5e-4, weight_decay=0.1))
    assert [step(model2, optimizer2) for _ in range(2)] == continued


@pytest.mark.skipif(not os.environ.get("LLM_COURSE_GPT2_124M"),
                    reason="set LLM_COURSE_GPT2_124M to OpenAI's 124M files or a model.safetensors to run this")
def test_exercise_5_5_openai_weights_on_the_verdict():
    """With the real 124M weights and the book's story: training loss 3.7547, validation loss 3.5596."""
    from course_data import gpt2_checkpoint, verdict
    settings, params = gpt2_checkpoint.load_params(Path(os.environ["LLM_COURSE_GPT2_124M"]))
    model = support.solution("ch04", "gpt").GPTModel(gpt2_checkpoint.gpt_config(settings, drop_rate=0.1))
    torch.manual_seed(123)
    train, val = solution("gpt2_weights").pretrained_losses(model, params, verdict.load_verdict())
    assert (round(train, 2), round(val, 2)) == (3.75, 3.56)
