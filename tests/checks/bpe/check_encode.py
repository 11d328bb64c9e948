"""Checks for bpe.encode: ids of text with a fixed table of learned merges (merged as the notebook or as
tiktoken merges, the earliest merge first), whole pre-tokens looked up, special tokens allowed or refused."""
import functools

from grader.checks import case, expect_sequence, expect_type, fail, points, sibling

ref = sibling(__file__, "bpe_reference")
END = ref.END
VOCAB = 400                      # the merges of the course's text up to 400 tokens (142 merges), learned here
SENTENCE = "Mara kept the key, then left the studio without a word."
SPACING = "  two  spaces\nand a line\r\nbreak "
WITH_END = "The dealer kept it.<|endoftext|> Lena found the key"


@functools.cache
def _learned():
    from course_data.text import default_text
    return ref.Learned(default_text(), VOCAB)


def _story():
    from course_data.text import story
    return story(4, seed=7)


def _tokenizer(learner):
    """The learner's BPETokenizerSimple holding the fixed vocabulary and merges (not the learner's own training)."""
    tokenizer = learner.BPETokenizerSimple()
    vocab, inverse, merges = _learned().state()
    tokenizer.vocab, tokenizer.inverse_vocab, tokenizer.bpe_merges = dict(vocab), dict(inverse), dict(merges)
    return tokenizer


def run(learner, text, **options):
    return _tokenizer(learner).encode(text, **options)


sentence = case(run, SENTENCE)
spacing = case(run, SPACING)
special_allowed = case(run, WITH_END, allowed_special={END})


@case
def story(learner):
    return _tokenizer(learner).encode(_story())


@case
def special_refused(learner):
    """encode must raise here (ValueError); what it raised, or None when it returned."""
    tokenizer = _tokenizer(learner)
    try:
        ids = tokenizer.encode(WITH_END)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the exception expected here is the result
        return {"raised": type(exc).__name__, "message": str(exc)[:200]}
    return {"raised": None, "count": len(ids) if isinstance(ids, list) else None}


def _expect_ids(got, expected, text, what):
    """The snapshot merges the pair learned first, first (as tiktoken does); the notebook's repeated
    left-to-right sweeps, after looking whole pre-tokens up, are right too."""
    expect_type(got, list, what)
    if got == _learned().encode(text, order="sweep"):
        return
    expect_sequence(got, expected, what, "id", mistakes={
        "no merges were applied (one id per character): merge each pre-token's characters with "
        "self.tokenize_with_bpe, using self.bpe_merges": _learned().encode(text, order="none", lookup=False),
        "the pre-tokens that are not in the vocabulary as a whole were not merged (one id per character): "
        "tokenize_with_bpe must apply self.bpe_merges until no learned pair is left": _learned().encode(
            text, order="none"),
    })


def test_returns_list_of_ints(out):
    got = out["sentence"]
    expect_type(got, list, f"encode({SENTENCE!r})")
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in got):
        fail(f"encode should return int ids, got items of type {sorted({type(i).__name__ for i in got})}")


@points(2)
def test_sentence(out, snap):
    _expect_ids(out["sentence"], snap["sentence"], SENTENCE, f"encode({SENTENCE!r})")


def test_spaces_and_line_breaks(out, snap):
    _expect_ids(out["spacing"], snap["spacing"], SPACING, f"encode({SPACING!r})")


@points(2)
def test_longer_text(out, snap):
    _expect_ids(out["story"], snap["story"], _story(), "encode on a short story")


@points(2)
def test_allowed_special_token_is_one_id(out, snap):
    out.error("special_allowed", {
        "ValueError": f"encode(text, allowed_special={{{END!r}}}) refused {END!r}: a special token that "
                      "allowed_special names is allowed, and becomes its one id",
    })
    got, what = out["special_allowed"], f"encode({WITH_END!r}, allowed_special={{{END!r}}})"
    expect_type(got, list, what)
    end_id = _learned().strings.index(END)
    if end_id not in got:
        fail(f"{what} has no id {end_id} for {END!r}: cut the text around the allowed special tokens and put each "
             "one's id (self.inverse_vocab) in its place")
    _expect_ids(got, snap["special_allowed"], WITH_END, what)


def test_special_token_refused_unless_allowed(out):
    got = out["special_refused"]
    if got["raised"] is None:
        fail(f"encode({WITH_END!r}) returned ids although {END!r} is not allowed: like tiktoken, raise ValueError "
             "when the text holds a special token of the vocabulary that allowed_special does not name")
    if got["raised"] != "ValueError":
        fail(f"encode({WITH_END!r}) raised {got['raised']} ({got['message'][:120]}); a special token that "
             "allowed_special does not name is a ValueError, as in tiktoken")
