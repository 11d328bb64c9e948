"""Checks for ch02.simple_tokenizer_v1: encode with the given vocabulary, decode without stray spaces."""
import re

from grader.checks import case, expect_sequence, fail, show

PATTERN = r'([,.:;?_!"()\']|--|\s)'   # the book's pattern; the cases build the vocabulary themselves
SAMPLE = 'Mara asked, "Who kept the key?" Theo -- at once -- said it wasn\'t him (as always)! Done.'
EXTRA = ["Aardvark", "zebra", "Zinc"]   # unused words, so the ids are not those of the sample alone


def _tokens(text):
    return [t.strip() for t in re.split(PATTERN, text) if t.strip()]


def _setup(learner):
    from course_data.text import story
    text = story(3, seed=11)
    vocab = {t: i for i, t in enumerate(sorted(set(_tokens(text) + _tokens(SAMPLE) + EXTRA)))}
    return text, vocab, learner.SimpleTokenizerV1(dict(vocab))


def _hinted(out, name, what):
    """out[name]; a KeyError from encode gets a hint about splitting."""
    try:
        return out[name]
    except Exception as exc:  # the learner's exception, as the checker reports it
        if "KeyError" in str(exc) and any(f"{p}'" in str(exc) for p in ":;"):
            fail(f"{what} looked up a token glued to a ':' or ';', which is not in the vocabulary: your "
                 "split pattern lacks ':' and ';'. The book's first printing of SimpleTokenizerV1 has that "
                 "pattern (an erratum: with the book's vocabulary it raises KeyError on the story); split "
                 "as split_text does, with SPLIT_PATTERN.\n  your code raised: " + str(exc))
        if "KeyError" in str(exc):
            fail(f"{what} looked up a token that is not in the vocabulary: split the text exactly as "
                 "split_text does (punctuation on its own, no whitespace or empty pieces), then map each "
                 f"token with self.str_to_int.\n  your code raised: {exc}")
        raise


@case
def encode_sample(learner):
    _, _, tok = _setup(learner)
    return tok.encode(SAMPLE)


@case
def encode_story(learner):
    text, _, tok = _setup(learner)
    return tok.encode(text)


@case
def decode_sample(learner):
    _, vocab, tok = _setup(learner)
    return {"tokens": _tokens(SAMPLE), "text": tok.decode([vocab[t] for t in _tokens(SAMPLE)])}


@case
def decode_story(learner):
    text, vocab, tok = _setup(learner)
    return tok.decode([vocab[t] for t in _tokens(text)])


def test_encode_returns_ids(out):
    got = _hinted(out, "encode_sample", "encode")
    if isinstance(got, list) and got and all(isinstance(t, str) for t in got):
        fail(f"encode returned the tokens ({show(got[:4])}...), not their ids: look each token up "
             "in self.str_to_int")
    if not isinstance(got, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in got):
        fail(f"encode should return a list of int ids, got {show(got)}")


def test_encode_sample(out, snap):
    got, expected = _hinted(out, "encode_sample", "encode"), snap["encode_sample"]
    if isinstance(got, list) and len(got) == len(expected) and got != expected:
        fail("encode splits the text right but gives other ids than the vocabulary passed to __init__ "
             f"(first at position {next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b)}): "
             "look each token up in self.str_to_int, don't build a vocabulary of your own")
    expect_sequence(got, expected, f"encode({SAMPLE[:30]!r}...)", "id")


def test_encode_longer_text(out, snap):
    expect_sequence(_hinted(out, "encode_story", "encode"), snap["encode_story"],
                    "encode on a longer story", "id")


def test_decode_no_space_before_punctuation(out, snap):
    got, expected = out["decode_sample"]["text"], snap["decode_sample"]["text"]
    if got == expected:
        return
    if got == " ".join(snap["decode_sample"]["tokens"]):
        fail("decode leaves a space before punctuation, e.g. 'asked ,' instead of 'asked,': after joining "
             "with spaces, remove them with re.sub(r'\\s+([,.?!\"()\\'])', r'\\1', text)")
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
