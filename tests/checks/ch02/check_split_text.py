"""Checks for ch02.split_text: the book's regex split of text into tokens."""
from course_data import text as corpus

from grader.checks import case, expect_sequence, expect_type, fail, points

SAMPLE = 'Hello, world. Is this-- a test? "Yes!" (she said); it\'s: done_now\n\tend'


def split(learner, text):
    return learner.split_text(text)


sample = case(split, SAMPLE)
story = case(split, corpus.story(6, seed=2))
blank = case(split, " \n\t ")


def test_returns_list_of_strings(out):
    tokens = out["sample"]
    expect_type(tokens, list, "split_text(text)")
    if not all(isinstance(t, str) for t in tokens):
        fail(f"split_text should return strings, got items of type "
             f"{sorted({type(t).__name__ for t in tokens})}")


def test_no_whitespace_tokens(out):
    tokens = out["sample"] + out["blank"]
    bad = [t for t in tokens if not isinstance(t, str) or t != t.strip() or not t]
    if bad:
        fail(f"split_text kept empty or whitespace pieces, e.g. {bad[0]!r}: strip each piece and drop "
             "the empty ones (item.strip() is falsy for them)")


@points(2)
def test_sample_tokens(out, snap):
    got, expected = out["sample"], snap["sample"]
    if isinstance(got, list) and "--" in expected and "--" not in got and "-" in got:
        fail("'--' should be one token: the pattern needs the alternative |-- (a double dash), "
             "not single dashes")
    if isinstance(got, list) and got and not any(p in t for t in got if isinstance(t, str) for p in ",.?!"):
        fail("the punctuation tokens are missing: keep the parentheses in the pattern (a capturing group), "
             "so re.split returns the separators too")
    if isinstance(got, list) and any(p in t and t != p for t in got for p in ",.?!\"()'" if isinstance(t, str)):
        glued = next(t for t in got for p in ",.?!\"()'" if isinstance(t, str) and p in t and t != p)
        fail(f"punctuation is still attached to a word ({glued!r}): split on "
             "r'([,.:;?_!\"()\\']|--|\\s)' so each punctuation mark becomes its own token")
    expect_sequence(got, expected, f"split_text({SAMPLE[:24]!r}...)", "token")


def test_longer_text(out, snap):
    expect_sequence(out["story"], snap["story"], "split_text on a longer story", "token")
