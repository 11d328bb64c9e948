"""The BPE-from-scratch chapter's figures and behaviours, reproduced by the reference solutions in solutions/bpe.

The acceptance of issue 24: the BPE tokenizer with GPT-2's files encodes the course corpus exactly as
tiktoken does (ids identical, the text back on decoding, <|endoftext|> as tiktoken treats it); the
byte-level one does so on any text too, and on "The Verdict" where it is in the course cache.
"""
import hashlib
import importlib.util
from pathlib import Path

import pytest

import support
from course_data import gpt2, verdict
from course_data.text import default_text, large_text

END = "<|endoftext|>"
NON_ASCII = ["naïve café 東京 🙂", "Ünïcödé “quotes” — and…", "Москва, 2024 г.", "😀😃 ok 👍🏽", "e\u0301 vs é",
             "\ttabs\t and  runs\n\n\nof whitespace  ", "a 'subject.' Then"]


def _reference_helper():
    path = Path(__file__).parents[1] / "checks" / "bpe" / "bpe_reference.py"
    spec = importlib.util.spec_from_file_location("bpe_reference_for_tests", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bpe():
    return support.solution("bpe", "bpe_from_scratch")


@pytest.fixture(scope="module")
def tiktoken_gpt2():
    return gpt2.get_encoding()


@pytest.fixture(scope="module")
def simple(bpe):
    files = gpt2.openai_files()
    tokenizer = bpe.BPETokenizerSimple()
    tokenizer.load_vocab_and_merges_from_openai(files["encoder.json"], files["vocab.bpe"])
    return tokenizer


@pytest.fixture(scope="module")
def byte_level(bpe):
    files = gpt2.openai_files()
    tokenizer = bpe.BPETokenizerGPT2()
    tokenizer.load_vocab_and_merges_from_openai(files["encoder.json"], files["vocab.bpe"])
    return tokenizer


def test_gpt2_files_are_openais_offline():
    files = gpt2.openai_files()
    expected = {name: sha for name, (_, sha) in gpt2.FILES.items()}
    assert {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in files.items()} == expected


def test_the_notebooks_gpt2_example(simple):
    assert len(simple.vocab) == 50257
    assert simple.encode("This is some text") == [1212, 318, 617, 2420]
    assert simple.decode([1212, 318, 617, 2420]) == "This is some text"


@pytest.mark.parametrize("corpus", ["default_text", "large_text"])
def test_gpt2_files_encode_the_course_corpus_exactly_as_tiktoken(simple, byte_level, tiktoken_gpt2, corpus):
    text = {"default_text": default_text, "large_text": large_text}[corpus]()
    expected = tiktoken_gpt2.encode(text)
    assert len(expected) == {"default_text": 4828, "large_text": 65905}[corpus]
    for tokenizer in (simple, byte_level):
        ids = tokenizer.encode(text)
        assert ids == expected
        assert tokenizer.decode(ids) == text


def test_endoftext_as_tiktoken_treats_it(simple, byte_level, tiktoken_gpt2):
    text = "Mara left.<|endoftext|>\nTheo stayed. " + END
    expected = tiktoken_gpt2.encode(text, allowed_special={END})
    assert expected.count(50256) == 2
    for tokenizer in (simple, byte_level):
        assert tokenizer.encode(text, allowed_special={END}) == expected
        assert tokenizer.decode(expected) == text
        with pytest.raises(ValueError):
            tokenizer.encode(text)
    with pytest.raises(ValueError):
        tiktoken_gpt2.encode(text)


@pytest.mark.parametrize("text", NON_ASCII)
def test_byte_level_keeps_every_byte_as_tiktoken(byte_level, tiktoken_gpt2, text):
    ids = byte_level.encode(text)
    assert ids == tiktoken_gpt2.encode(text)
    assert byte_level.decode(ids) == text


def test_character_level_differs_from_gpt2_where_the_notebook_says_it_may(simple, tiktoken_gpt2):
    """What the byte-level exercise is for: BPETokenizerSimple cuts at whitespace only, so it merges across
    GPT-2's pieces, keeps newline runs apart and cannot spell characters outside GPT-2's byte alphabet."""
    assert simple.encode("a 'subject.' Then") != tiktoken_gpt2.encode("a 'subject.' Then")
    assert simple.encode("a\n\n\nb") == [64, 198, 198, 198, 65] != tiktoken_gpt2.encode("a\n\n\nb")
    with pytest.raises((KeyError, ValueError)):
        simple.encode("東京")


@pytest.mark.skipif(not verdict.VERDICT.is_cached(),
                    reason="the book's story is not downloaded (python -m course_data download the-verdict)")
def test_byte_level_encodes_the_verdict_as_tiktoken(byte_level, tiktoken_gpt2):
    story = verdict.load_verdict()
    ids = byte_level.encode(story)
    assert ids == tiktoken_gpt2.encode(story) and len(ids) == 5145
    assert byte_level.decode(ids) == story


def test_training_on_the_course_text(bpe):
    tokenizer = bpe.BPETokenizerSimple()
    tokenizer.train(default_text(), vocab_size=400)
    assert len(tokenizer.vocab) == 400 and len(tokenizer.bpe_merges) == 142
    assert [tokenizer.vocab[i] for i in range(256, 262)] == ["Ġ", END, "he", "Ġt", "Ġthe", "Ġa"]
    assert not [t for t in tokenizer.vocab.values() if "Ġ" in t[1:] and t != END]  # no merge across pre-tokens
    learned = _reference_helper().Learned(default_text(), 400)                   # written independently
    assert list(tokenizer.bpe_merges) == learned.merges
    ids = tokenizer.encode("Mara kept the key in the studio.")
    assert tokenizer.decode(ids) == "Mara kept the key in the studio." and len(ids) == 12


@pytest.mark.trains  # trains a BPE vocabulary to its end (seconds)
def test_training_the_course_text_to_the_end(bpe):
    tokenizer = bpe.BPETokenizerSimple()
    tokenizer.train(default_text(), vocab_size=1000)
    assert len(tokenizer.vocab) == 685 and len(tokenizer.bpe_merges) == 427
    assert list(tokenizer.bpe_merges) == _reference_helper().Learned(default_text(), 1000).merges


def test_training_stops_when_no_pair_is_left(bpe):
    tokenizer = bpe.BPETokenizerSimple()
    tokenizer.train("the cat in the hat", vocab_size=1000)
    assert len(tokenizer.bpe_merges) == 10 and len(tokenizer.vocab) == 268
    assert tokenizer.encode("the cat in the hat") == [tokenizer.inverse_vocab[w] for w in
                                                      ("the", "Ġcat", "Ġin", "Ġthe", "Ġhat")]


def test_ties_go_to_the_pair_seen_first(bpe):
    assert bpe.find_freq_pair([[6, 3, 9, 1], [2, 8, 7, 7], [6, 3], [9, 1, 2, 8], [7, 7]]) == (6, 3)
    assert bpe.find_freq_pair([[7, 4], [5, 1], [4], [5], [4], [5], [2, 3], [2, 3]]) == (2, 3)
    assert bpe.find_freq_pair([[1], []]) is None
