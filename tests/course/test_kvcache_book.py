"""The book repository's KV-cache figures and behaviours (ch04/03_kv-cache), reproduced by solutions/kvcache."""
import pytest

import support

torch = pytest.importorskip("torch")

HELLO_I_AM = [15496, 11, 314, 716]
# chapter 4's GPTModel(GPT_CONFIG_124M) after torch.manual_seed(123), greedy: the README's "Hello, I am
# Featureiman Byeswickattribute argue logger ..." (the same ids as tests/test_ch04_book.py)
GREEDY_10 = [15496, 11, 314, 716, 27018, 24086, 47843, 30961, 42348, 7267, 49706, 43231, 47062, 34657]
SMALL = {"vocab_size": 50257, "context_length": 20, "emb_dim": 32, "n_heads": 4, "n_layers": 2, "drop_rate": 0.1,
         "qkv_bias": False}


@pytest.fixture(scope="module")
def kv():
    return support.solution("kvcache", "gpt_with_kv_cache")


@pytest.fixture(scope="module")
def opt():
    return support.solution("kvcache", "gpt_with_kv_cache_optimized")


def small(module, **changes):
    torch.manual_seed(123)
    return module.GPTModel({**SMALL, **changes}).eval()


def test_readme_text_with_and_without_the_cache(kv, opt):
    """The README's 124M run: the same tokens with the cache, the pre-allocated cache and without either."""
    gpt = support.solution("ch04", "gpt")
    torch.manual_seed(123)
    model = kv.GPTModel(gpt.GPT_CONFIG_124M)   # same parameters in the same order as chapter 4's model
    prompt = torch.tensor([HELLO_I_AM])
    assert kv.generate_text_simple_cached(model, prompt, 10).tolist() == [GREEDY_10]
    assert kv.generate_text_simple_cached(model, prompt, 10, use_cache=False).tolist() == [GREEDY_10]
    torch.manual_seed(123)
    preallocated = opt.GPTModel(gpt.GPT_CONFIG_124M)
    assert opt.generate_text_simple_cached(preallocated, prompt, 10).tolist() == [GREEDY_10]


def test_cache_buffers_are_not_saved(kv):
    """§1: cache_k and cache_v are buffers left out of the state_dict, so a saved model carries no cache."""
    model = small(kv)
    before = sorted(model.state_dict())
    kv.generate_text_simple_cached(model, torch.tensor([HELLO_I_AM]), 5)
    att = model.trf_blocks[0].att
    assert {"cache_k", "cache_v"} <= dict(att.named_buffers(recurse=False)).keys()
    assert att.cache_k is not None and att.cache_k.shape[1] == 4 + 5   # the last chosen token is fed too
    assert sorted(model.state_dict()) == before


def test_generation_resets_between_prompts(kv):
    """§5: generate_text_simple_cached empties the cache first, so one model serves prompt after prompt."""
    model = small(kv)
    first = kv.generate_text_simple_cached(model, torch.tensor([[1, 2, 3]]), 6)
    kv.generate_text_simple_cached(model, torch.tensor([HELLO_I_AM]), 6)
    assert kv.generate_text_simple_cached(model, torch.tensor([[1, 2, 3]]), 6).tolist() == first.tolist()
    assert model.current_pos == 3 + 6


def test_window_of_the_whole_context_changes_nothing(kv, opt):
    """The README's comparison: with kv_window_size equal to the context length, the pre-allocated cache gives the
    tokens of the growing one."""
    basic, preallocated = small(kv), small(opt, kv_window_size=SMALL["context_length"])
    prompt = torch.tensor([[5, 6, 7, 8, 9]])
    assert opt.generate_text_simple_cached(preallocated, prompt, 12).tolist() == \
        kv.generate_text_simple_cached(basic, prompt, 12).tolist()


def test_context_overflow(opt):
    """The book's test_context_overflow_bug: 5 prompt tokens and 10 new ones with 10 positions stop at the
    context's end instead of reading a position embedding that does not exist."""
    model = small(opt, context_length=10, kv_window_size=20)
    out = opt.generate_text_simple_cached(model, torch.randint(0, 50257, (1, 5)), 10, context_size=10)
    assert out.shape == (1, 10)


def test_prefill_in_window_sized_chunks(opt):
    """The book's test_prefill_chunking_basic: a prompt of 10 tokens through a window of 4 goes in chunks."""
    model = small(opt, kv_window_size=4)
    prompt = torch.randint(0, 50257, (1, 10))
    out = opt.generate_text_simple_cached(model, prompt, 2)
    assert out.shape == (1, 12) and torch.equal(out[:, :10], prompt)
    assert model.trf_blocks[0].att.cache_k.shape == (1, SMALL["n_heads"], 4, SMALL["emb_dim"] // SMALL["n_heads"])
