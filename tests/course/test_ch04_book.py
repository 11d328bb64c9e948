"""The book's chapter-4 figures, reproduced by the reference solutions in solutions/ch04."""
import pytest

import support

torch = pytest.importorskip("torch")

HELLO_I_AM = [15496, 11, 314, 716]
GREEDY_10 = [15496, 11, 314, 716, 27018, 24086, 47843, 30961, 42348, 7267, 49706, 43231, 47062, 34657]


def solution(module: str):
    return support.solution("ch04", module)


@pytest.fixture(scope="module")
def gpt():
    return solution("gpt")


@pytest.fixture(scope="module")
def sizes():
    return solution("sizes")


def on_meta(factory):
    with torch.device("meta"):
        return factory()


def test_config(gpt):
    assert "GPT_CONFIG_124M" in vars(gpt), "a dict literal of the module, as in the book"
    assert gpt.GPT_CONFIG_124M == {"vocab_size": 50257, "context_length": 1024, "emb_dim": 768, "n_heads": 12,
                                   "n_layers": 12, "drop_rate": 0.1, "qkv_bias": False}


def test_exercise_4_1_block_counts(gpt, sizes):
    counts = on_meta(lambda: sizes.block_parameter_counts(gpt.GPT_CONFIG_124M))
    assert counts == {"feed_forward": 4_722_432, "attention": 2_360_064}


def test_124m_counts_and_size(gpt, sizes):
    size = sizes.calculate_size(on_meta(lambda: gpt.GPTModel(gpt.GPT_CONFIG_124M)))
    assert size["total"] == 163_009_536
    assert size["tied"] == 124_412_160
    assert round(size["size_mb"], 2) == 621.83


@pytest.mark.parametrize("name, total", [("gpt2-small", 163_009_536), ("gpt2-medium", 406_212_608),
                                         ("gpt2-large", 838_220_800), ("gpt2-xl", 1_637_792_000)])
def test_exercise_4_2_gpt2_family(gpt, sizes, name, total):
    cfg = sizes.get_config(gpt.GPT_CONFIG_124M, name)
    assert sizes.calculate_size(on_meta(lambda: gpt.GPTModel(cfg)))["total"] == total


def test_layer_norm_example(gpt):
    torch.manual_seed(123)
    batch = torch.randn(2, 5)
    out = gpt.LayerNorm(emb_dim=5)(batch)
    assert torch.allclose(out.mean(dim=-1), torch.zeros(2), atol=1e-6)
    assert torch.allclose(out.var(dim=-1, unbiased=False), torch.ones(2), atol=1e-4)


def test_transformer_block_keeps_shape(gpt):
    torch.manual_seed(123)
    x = torch.rand(2, 4, 768)
    assert gpt.TransformerBlock(gpt.GPT_CONFIG_124M)(x).shape == (2, 4, 768)


def test_greedy_generation_from_hello_i_am(gpt):
    torch.manual_seed(123)
    model = gpt.GPTModel(gpt.GPT_CONFIG_124M)
    model.eval()
    out = gpt.generate_text_simple(model, torch.tensor([HELLO_I_AM]), max_new_tokens=10,
                                   context_size=gpt.GPT_CONFIG_124M["context_length"])
    assert out.tolist() == [GREEDY_10]
