"""Checks for bpe.pretokenize_text: a word keeps the space before it as "Ġ", every space survives, line breaks
stand alone."""
from grader.checks import case, expect_sequence, expect_type, fail, points, sibling

ref = sibling(__file__, "bpe_reference")
G = ref.G
SENTENCE = "Mara kept the key, then left the studio."
SPACES = "  two leading,  two inside and two trailing  "
LINES = "first line\nsecond  line \r\nthird\rfourth\n\nlast"


def run(learner, text):
    return learner.pretokenize_text(text)


sentence = case(run, SENTENCE)
spaces = case(run, SPACES)
lines = case(run, LINES)


@case
def story(learner):
    from course_data.text import story
    return learner.pretokenize_text(story(3, seed=4))


def _split_words(text):
    """The simple notebook's cut: whitespace-separated words, "Ġ" in front of all but the first."""
    words = text.replace("\n", " \n ").split()
    return [w if i == 0 or w == "\n" else G + w for i, w in enumerate(words)]


def test_returns_list_of_str(out):
    got = out["sentence"]
    expect_type(got, list, f"pretokenize_text({SENTENCE!r})")
    if not all(isinstance(t, str) for t in got):
        fail(f"pretokenize_text should return strings, got items of type {sorted({type(t).__name__ for t in got})}")


@points(2)
def test_space_goes_with_the_next_word(out, snap):
    got = out["sentence"]
    expect_sequence(got, snap["sentence"], f"pretokenize_text({SENTENCE!r})", "pre-token", mistakes={
        "the space before a word must be written as the character \"Ġ\" (GPT-2's mark), not as ' '":
            [t.replace(G, " ") for t in ref.pretokens(SENTENCE)],
        "the spaces are lost: a word that follows a space starts with \"Ġ\" (\"Ġkept\"), so decoding can put "
        "the space back": SENTENCE.split(),
        "the space belongs in front of the word that follows it (\"Ġkept\"), not after the word before it":
            [w + G for w in SENTENCE.split()[:-1]] + SENTENCE.split()[-1:],
    })


@points(2)
def test_every_space_is_kept(out, snap):
    got = out["spaces"]
    expect_sequence(got, snap["spaces"], f"pretokenize_text({SPACES!r})", "pre-token", mistakes={
        "runs of spaces collapsed into one: a word after k spaces gives k - 1 lone \"Ġ\" and then \"Ġ\" + word, "
        "and each space no word follows is a lone \"Ġ\"": _split_words(SPACES),
        "the spaces that no word takes (the extra ones of a run, the trailing ones) are lost: each is a lone "
        "\"Ġ\" pre-token": ref.pretokens(SPACES, lone=False),
    })


@points(2)
def test_line_breaks_stand_alone(out, snap):
    got = out["lines"]
    expect_sequence(got, snap["lines"], f"pretokenize_text({LINES!r})", "pre-token", mistakes={
        "the line breaks are lost: cut the text at \\r\\n, \\r and \\n first (keeping them, re.split with a "
        "group), and make each line break a pre-token of its own": ref.pretokens(LINES, lines=False),
        "\"\\r\\n\" is two pre-tokens, \"\\r\" and then \"\\n\" (GPT-2 has no token for the pair here)":
            ref.pretokens(LINES, crlf_apart=False),
        "a word after a line break has no space before it: it gets no \"Ġ\"": _split_words(LINES),
    })


def test_longer_text(out, snap):
    expect_sequence(out["story"], snap["story"], "pretokenize_text on a short story", "pre-token")
