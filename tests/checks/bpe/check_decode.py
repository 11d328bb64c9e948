"""Checks for bpe.decode: ids back to the exact text with a fixed vocabulary: "Ġ" read as the space, GPT-2's
line-break glyphs, characters beyond Latin-1, unknown ids refused."""
import functools

from grader.checks import case, expect_type, fail, points, sibling

ref = sibling(__file__, "bpe_reference")
G, END = ref.G, ref.END
UNICODE = "naïve café 東京 🙂, naïve café again; 東京 and 東京 🙂 🙂"
# a few of GPT-2's own tokens, ids as in its encoder.json
GPT2_PIECES = {15496: "Hello", 11: ",", 995: "Ġworld", 198: "Ċ", 201: "č", 220: "Ġ", 50256: END}
GPT2_IDS = [15496, 11, 995, 198, 201, 198, 220, 50256]
GPT2_TEXT = "Hello, world\n\r\n <|endoftext|>"


@functools.cache
def _learned(text=None, vocab_size=400):
    if text is None:
        from course_data.text import default_text
        text = default_text()
    return ref.Learned(text, vocab_size)


def _story():
    from course_data.text import story
    return story(3, seed=2) + "  two spaces, a trailing one \nand a last line"


def _tokenizer(learner, learned):
    tokenizer = learner.BPETokenizerSimple()
    vocab, inverse, merges = learned.state()
    tokenizer.vocab, tokenizer.inverse_vocab, tokenizer.bpe_merges = dict(vocab), dict(inverse), dict(merges)
    return tokenizer


@case
def story(learner):
    learned = _learned()
    return _tokenizer(learner, learned).decode(learned.encode(_story()))


@case
def pieces(learner):
    learned = _learned()
    tokenizer = _tokenizer(learner, learned)
    return [tokenizer.decode([learned.strings.index(s)]) for s in ("Ġthe", G, "\n", "Ġkey", END)]


@case
def unicode_text(learner):
    learned = _learned(UNICODE, 300)
    return _tokenizer(learner, learned).decode(learned.encode(UNICODE))


@case
def gpt2_glyphs(learner):
    tokenizer = learner.BPETokenizerSimple()
    tokenizer.vocab = dict(GPT2_PIECES)
    tokenizer.inverse_vocab = {s: i for i, s in GPT2_PIECES.items()}
    return tokenizer.decode(GPT2_IDS)


@case
def unknown_id(learner):
    """decode must raise here; what it raised, or what it returned."""
    try:
        text = _tokenizer(learner, _learned()).decode([10**6])
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the exception expected here is the result
        return {"raised": type(exc).__name__}
    return {"raised": None, "returned": repr(text)[:60]}


def _expect_text(got, expected, what):
    expect_type(got, str, what)
    if got != expected:
        i = next((k for k, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
        lo = max(0, i - 15)
        fail(f"{what} differs at character {i}:\n  expected ...{expected[lo:i + 15]!r}\n"
             f"  got      ...{got[lo:i + 15]!r}")


@points(2)
def test_round_trip_of_a_story(out):
    got, text = out["story"], _story()
    if got == text:
        return
    if isinstance(got, str) and G in got:
        fail(f"decode left the mark \"Ġ\" in the text ({got[:40]!r}...): a token that starts with \"Ġ\" stands for "
             "a space and then the rest of the token")
    if isinstance(got, str) and got.replace(" ", "") == text.replace(" ", "") and len(got) > len(text):
        i = next(k for k, (a, b) in enumerate(zip(got, text)) if a != b)
        fail(f"decode added spaces that are not in the text (the first at character {i}: "
             f"{got[max(0, i - 12):i + 6]!r}): "
             "the spaces are in the tokens already (as \"Ġ\"), so join the pieces with \"\" and add nothing, not "
             "even around line breaks")
    if isinstance(got, str) and got.replace(" ", "") == text.replace(" ", ""):
        fail("decode lost the spaces: a token that starts with \"Ġ\" stands for a space and then the rest of the "
             "token (\"Ġthe\" -> \" the\")")
    _expect_text(got, text, "decode(ids of a short story)")


def test_single_tokens(out, snap):
    got, expected = out["pieces"], snap["pieces"]
    expect_type(got, list, "decode([id]) of single tokens")
    for piece, want, name in zip(got, expected, ("Ġthe", "Ġ", "\\n", "Ġkey", END)):
        _expect_text(piece, want, f"decode([id of {name!r}])")


def test_characters_beyond_latin1(out):
    _expect_text(out["unicode_text"], UNICODE, f"decode(ids of {UNICODE!r})")


def test_gpt2_line_break_glyphs(out):
    got = out["gpt2_glyphs"]
    if isinstance(got, str) and ("Ċ" in got or "č" in got):
        fail(f"decode({GPT2_IDS}) with GPT-2's tokens gave {got!r}: GPT-2 writes a line break as \"Ċ\" (id 198) and "
             "a carriage return as \"č\" (id 201); decode them to \"\\n\" and \"\\r\"")
    _expect_text(got, GPT2_TEXT, f"decode({GPT2_IDS}) with a few of GPT-2's tokens")


def test_unknown_id_is_an_error(out):
    got = out["unknown_id"]
    if got["raised"] is None:
        fail(f"decode([1000000]) returned {got['returned']} although no token has that id: raise ValueError (a "
             "silently dropped id hides a bug in the ids)")
