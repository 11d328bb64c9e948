"""Checks for ch02.build_vocab: every distinct token gets one id, 0..n-1, in sorted token order."""
import re

from course_data import text as corpus

from grader.checks import case, expect_type, fail, fail_if_mistake, points, show

SMALL = ["the", "cat", "sat", "on", "the", "mat", ".", "The", "cat", "!"]
PATTERN = r'([,.:;?_!"()\']|--|\s)'   # the book's pattern; the cases split text themselves


def _tokens(text):
    return [t.strip() for t in re.split(PATTERN, text) if t.strip()]


def vocabulary(learner, tokens):
    return {"tokens": tokens, "vocab": learner.build_vocab(list(tokens))}


small = case(vocabulary, SMALL)
story = case(vocabulary, _tokens(corpus.story(4, seed=7)))


def _vocab(value, what):
    """The learner's vocabulary as a dict token -> id, or a failure that says what it is instead."""
    if isinstance(value, list):
        fail(f"{what} should be a dict {{token: id}}, got a list {show(value, 80)}: number the sorted "
             "tokens with enumerate and build a dict from them")
    expect_type(value, dict, what)
    if value and all(isinstance(v, str) for v in value.values()):
        fail(f"{what} maps id -> token ({show(dict(list(value.items())[:3]))}); the vocabulary maps "
             "token -> id: {token: i for i, token in enumerate(...)}")
    bad = [(k, v) for k, v in value.items() if not isinstance(v, int) or isinstance(v, bool)]
    if bad:
        fail(f"{what}: ids must be ints, got {bad[0][0]!r}: {show(bad[0][1])}")
    return value


def test_returns_token_to_id_dict(out):
    _vocab(out["small"]["vocab"], "build_vocab(tokens)")


def test_one_id_per_distinct_token(out):
    tokens = out["story"]["tokens"]
    vocab = _vocab(out["story"]["vocab"], "build_vocab(tokens)")
    distinct = set(tokens)
    missing = sorted(distinct - set(vocab))
    if missing:
        fail(f"tokens missing from the vocabulary, e.g. {missing[0]!r}: every distinct token needs an id")
    extra = sorted(set(vocab) - distinct)
    if extra:
        fail(f"the vocabulary has entries that are not tokens of the input, e.g. {extra[0]!r}")
    ids = sorted(vocab.values())
    if ids != list(range(len(distinct))):
        fail_if_mistake(ids, {"the ids run from 1 to n; they should start at 0 (enumerate starts at 0 unless told "
                              "otherwise)": list(range(1, len(distinct) + 1))}, "the sorted ids")
        fail(f"{len(distinct)} distinct tokens should get the ids 0..{len(distinct) - 1}, each once; got ids from "
             f"{ids[0]} to {ids[-1]}" + (" (with repeats)" if len(set(ids)) < len(ids) else "")
             + ". Did you number the tokens with their repeats? Number sorted(set(tokens)) instead.")


@points(2)
def test_ids_follow_sorted_order(out):
    vocab = _vocab(out["story"]["vocab"], "build_vocab(tokens)")
    by_id = sorted(vocab, key=vocab.get)
    expected = sorted(vocab)
    for i, (got, want) in enumerate(zip(by_id, expected)):
        if got != want:
            fail(f"the ids do not follow the sorted order of the tokens: id {vocab[got]} belongs to {want!r} "
                 f"(position {i} in sorted order) but your vocabulary gives it to {got!r}. A set has no order: "
                 "number sorted(set(tokens)), not set(tokens) or the order of first appearance")


def test_small_vocabulary(out, snap):
    got = _vocab(out["small"]["vocab"], f"build_vocab({SMALL})")
    expected = snap["small"]["vocab"]
    if got != expected:
        fail(f"build_vocab({SMALL}):\n  expected {show(expected, 200)}\n  got      {show(got, 200)}")
