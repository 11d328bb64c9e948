"""Checks for ch02.ex2_1_unknown_words (exercise 2.1): BPE splits unknown words into known pieces."""
from grader.checks import case, expect_sequence, expect_type, fail, fail_if_mistake, show

WORKER_PRELOAD = ("gpt2",)
BOOK = "Akwirw ier"                                      # the book's exercise 2.1
MADE_UP = "Zorblat quexified the snurgle, then frimped."   # our own unknown words
SPACE_ID = 220


AS_A_LIST = ("tokenizer.decode takes a list of ids: decode one id as tokenizer.decode([ i ]), e.g. "
             "tokenizer.decode([33901]) == 'Ak'")
DECODE_ADVICE = {"WrongType: bytes": "bpe_pieces returned bytes: decode each id to a str with tokenizer.decode([ id ]) "
                                     "(not decode_single_token_bytes)",
                 "TypeError: not iterable": AS_A_LIST, "TypeError: 'Sequence'": AS_A_LIST}


def run(learner, text):
    return learner.bpe_pieces(text)


book = case(run, BOOK)
made_up = case(run, MADE_UP)


def _parts(out, name):
    """(ids, pieces, decoded) of a case, or a failure saying what came back instead."""
    out.error(name, DECODE_ADVICE)
    value = out[name]
    if not isinstance(value, list) or len(value) != 3:
        fail(f"bpe_pieces(text) should return three things, (ids, pieces, decoded); got {show(value)}")
    return value


def test_returns_ids_pieces_and_text(out):
    ids, pieces, decoded = _parts(out, "book")
    expect_type(ids, list, "the ids (first item)")
    expect_type(pieces, list, "the pieces (second item)")
    if not all(isinstance(p, str) for p in pieces):
        fail(f"the pieces should be strings, got {show(pieces)}")
    expect_type(decoded, str, "the decoded text (third item)")


def test_ids_of_unknown_words(out, snap):
    for name, text in (("book", BOOK), ("made_up", MADE_UP)):
        ids, expected = _parts(out, name)[0], snap[name][0]
        if SPACE_ID in expected and isinstance(ids, list) and SPACE_ID not in ids and len(ids) < len(expected):
            fail(f"the ids of {text!r} miss the space token {SPACE_ID}: encode the whole text in one call; "
                 "encoding word by word drops the spaces between them")
        expect_sequence(ids, expected, f"the ids of {text!r}", "id")


def test_pieces_of_each_id(out, snap):
    for name, text in (("book", BOOK), ("made_up", MADE_UP)):
        pieces, expected = _parts(out, name)[1], snap[name][1]
        stripped = [p.strip() for p in expected]
        keep = (f"keep each piece exactly as tokenizer.decode([ i ]) returns it; {show(expected)} is expected, "
                "' ' included")
        expect_sequence(pieces, expected, f"the pieces of {text!r}", "piece", mistakes={
            "got one piece per character: make one piece per token id, tokenizer.decode([ i ]) for each i in ids":
                list(text),
            f"the pieces lost their spaces: {keep}": stripped,
            f"the pieces lost their spaces, and the empty ones were dropped: {keep}": [p for p in stripped if p]})


def test_exact_round_trip(out, snap):
    for name, text in (("book", BOOK), ("made_up", MADE_UP)):
        decoded = _parts(out, name)[2]
        expect_type(decoded, str, "the decoded text (third item)")
        if decoded != text:
            fail_if_mistake(decoded, {"joining the pieces with ' ' adds spaces; decode all ids at once with "
                                      "tokenizer.decode(ids)": " ".join(snap[name][1])},
                            f"decoding the ids of {text!r} gave {decoded!r}")
            fail(f"decoding the ids of {text!r} should give the text back exactly; got {decoded!r}")
