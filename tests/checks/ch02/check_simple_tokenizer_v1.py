"""Checks for ch02.simple_tokenizer_v1: encode with the given vocabulary, decode without stray spaces."""
import re

from course_data import text as corpus

from grader.checks import case, expect_sequence, fail, fail_if_mistake, show

PATTERN = r'([,.:;?_!"()\']|--|\s)'   # the book's pattern; the cases build the vocabulary themselves
SAMPLE = 'Mara asked, "Who kept the key?" Theo -- at once -- said it wasn\'t him (as always)! Done.'
EXTRA = ["Aardvark", "zebra", "Zinc"]   # unused words, so the ids are not those of the sample alone


def _tokens(text):
    return [t.strip() for t in re.split(PATTERN, text) if t.strip()]


STORY = corpus.story(3, seed=11)
VOCAB = {t: i for i, t in enumerate(sorted(set(_tokens(STORY) + _tokens(SAMPLE) + EXTRA)))}
GLUED = ("encode looked up a token glued to a ':' or ';', which is not in the vocabulary: your split pattern lacks "
         "':' and ';'. The book's first printing of SimpleTokenizerV1 has that pattern (an erratum: with the book's "
         "vocabulary it raises KeyError on the story); split as split_text does, with SPLIT_PATTERN")
SPLIT_ADVICE = {"KeyError: :'": GLUED, "KeyError: ;'": GLUED,   # a KeyError from encode: which token it looked up
                "KeyError": "encode looked up a token that is not in the vocabulary: split the text exactly as "
                            "split_text does (punctuation on its own, no whitespace or empty pieces), then map each "
                            "token with self.str_to_int"}


def encode(learner, text):
    return learner.SimpleTokenizerV1(dict(VOCAB)).encode(text)


def decode(learner, text):
    return learner.SimpleTokenizerV1(dict(VOCAB)).decode([VOCAB[t] for t in _tokens(text)])


encode_sample = case(encode, SAMPLE)
encode_story = case(encode, STORY)
decode_sample = case(decode, SAMPLE)
decode_story = case(decode, STORY)


def test_encode_returns_ids(out):
    out.error("encode_sample", SPLIT_ADVICE)
    got = out["encode_sample"]
    if isinstance(got, list) and got and all(isinstance(t, str) for t in got):
        fail(f"encode returned the tokens ({show(got[:4])}...), not their ids: look each token up "
             "in self.str_to_int")
    if not isinstance(got, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in got):
        fail(f"encode should return a list of int ids, got {show(got)}")


def test_encode_sample(out, snap):
    out.error("encode_sample", SPLIT_ADVICE)
    got, expected = out["encode_sample"], snap["encode_sample"]
    if isinstance(got, list) and len(got) == len(expected) and got != expected:
        fail("encode splits the text right but gives other ids than the vocabulary passed to __init__ "
             f"(first at position {next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b)}): "
             "look each token up in self.str_to_int, don't build a vocabulary of your own")
    expect_sequence(got, expected, f"encode({SAMPLE[:30]!r}...)", "id")


def test_encode_longer_text(out, snap):
    out.error("encode_story", SPLIT_ADVICE)
    expect_sequence(out["encode_story"], snap["encode_story"], "encode on a longer story", "id")


def test_decode_no_space_before_punctuation(out, snap):
    got, expected = out["decode_sample"], snap["decode_sample"]
    if got != expected:
        fail_if_mistake(got, {"decode leaves a space before punctuation, e.g. 'asked ,' instead of 'asked,': after "
                              "joining with spaces, remove them with re.sub(r'\\s+([,.?!\"()\\'])', r'\\1', text)":
                              " ".join(_tokens(SAMPLE))}, "decode(ids of the sample sentence)")
    _expect_text(got, expected, "decode(ids of the sample sentence)")


def test_decode_joins_words_with_spaces(out, snap):
    got, expected = out["decode_story"], snap["decode_story"]
    if isinstance(got, str) and " " not in got.strip() and " " in expected:
        fail(f"decode glued the words together ({got[:30]!r}...): join the tokens with single spaces, "
             "' '.join(...), before removing the spaces in front of punctuation")
    _expect_text(got, expected, "decode on a longer story")


def _expect_text(got, expected, what):
    if not isinstance(got, str):
        fail(f"{what} should return a str, got {type(got).__name__}: {show(got)}")
    if got != expected:
        i = next((k for k, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
        lo = max(0, i - 15)
        fail(f"{what} differs at character {i}:\n  expected ...{expected[lo:i + 15]!r}\n"
             f"  got      ...{got[lo:i + 15]!r}")
