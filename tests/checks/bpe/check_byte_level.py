"""Checks for bpe.byte_level: GPT-2's byte alphabet, its pre-tokeniser, and with GPT-2's files tiktoken's ids
for any text (accents, CJK, emoji, tabs, runs of line breaks, quotes), every byte back on decoding, on the whole
course corpus too, and on "The Verdict" where it is in the course cache."""
from grader.checks import case, expect_equal, expect_sequence, expect_type, fail, points, sibling

WORKER_PRELOAD = ("gpt2",)
ref = sibling(__file__, "bpe_reference")
END = ref.END
PIECES = "naïve  café\n\n東京 🙂\tx's  'word'\n"
UNICODE = ["naïve café 東京 🙂", "Ünïcödé “quotes” — and…", "Москва, 2024 г.", "😀😃 ok 👍🏽", "e\u0301 vs é"]
WHITESPACE = ["a\n\n\nb", "end\n\n", "\ttab  and  spaces   \n", "line one\n\n\n\nline two", "x \n y", "   "]
QUOTES = ["a 'subject.' Then", "I'd've said 'no'.", "(\"quoted\") -- done"]
WITH_END = "naïve<|endoftext|>東京 🙂"
_LOADED = {}


def _files():
    from course_data.gpt2 import openai_files
    files = openai_files()
    return {"vocab_path": str(files["encoder.json"]), "bpe_merges_path": str(files["vocab.bpe"])}


def _gpt2(learner):
    """The learner's byte-level tokenizer with GPT-2's files, loaded once per exercise run."""
    if "bytes" not in _LOADED:
        tokenizer = learner.BPETokenizerGPT2()
        tokenizer.load_vocab_and_merges_from_openai(**_files())
        _LOADED["bytes"] = tokenizer
    return _LOADED["bytes"]


@case
def calls_own_pretokenizer(learner):
    """Whether encode cuts the text with self.pretokenize_text (so that the subclass's own is used)."""
    seen = []
    base = learner.BPETokenizerGPT2

    class Probe(base):
        @staticmethod
        def pretokenize_text(text):
            seen.append(text)
            return base.pretokenize_text(text)

    probe = Probe()
    probe.__dict__.update(_gpt2(learner).__dict__)
    probe.encode("Mara kept the key.")
    return bool(seen)


@case
def alphabet(learner):
    table = learner.bytes_to_unicode()
    return {"items": [[int(b), c] for b, c in sorted(table.items())], "distinct": len(set(table.values()))}


@case
def pretokens(learner):
    return learner.BPETokenizerGPT2.pretokenize_text(PIECES)


def encode_all(learner, texts):
    tokenizer = _gpt2(learner)
    ids = [tokenizer.encode(text) for text in texts]
    return {"ids": ids, "decoded": [tokenizer.decode(i) for i in ids]}


unicode_text = case(encode_all, UNICODE)
whitespace = case(encode_all, WHITESPACE)
quotes = case(encode_all, QUOTES)


@case
def with_end(learner):
    tokenizer = _gpt2(learner)
    ids = tokenizer.encode(WITH_END, allowed_special={END})
    return {"ids": ids, "decoded": tokenizer.decode(ids)}


@case
def corpus(learner):
    from course_data.text import default_text
    tokenizer = _gpt2(learner)
    ids = tokenizer.encode(default_text())
    return {"ids": ids, "round_trip": tokenizer.decode(ids) == default_text()}


@case
def verdict(learner):
    """The book's story where it is in the course cache (never shipped), against tiktoken in this process: None
    when absent or equal, so the snapshot does not depend on the machine."""
    from course_data.gpt2 import get_encoding
    from course_data.verdict import verdict_path
    path = verdict_path()
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    tokenizer = _gpt2(learner)
    ids, expected = tokenizer.encode(text), get_encoding().encode(text)
    if ids == expected and tokenizer.decode(ids) == text:
        return None
    first = next((i for i, (a, b) in enumerate(zip(ids, expected)) if a != b), min(len(ids), len(expected)))
    window = slice(max(0, first - 3), first + 4)
    return {"first": first, "got": ids[window], "expected": expected[window],
            "text": get_encoding().decode(expected[window]), "round_trip": tokenizer.decode(ids) == text}


@points(2)
def test_byte_alphabet(out, snap):
    got, expected = out["alphabet"], snap["alphabet"]
    expect_type(got["items"], list, "bytes_to_unicode()")
    if len(got["items"]) != 256 or got["distinct"] != 256:
        fail(f"bytes_to_unicode() has {len(got['items'])} entries and {got['distinct']} distinct characters; it needs "
             "one character of its own for each of the 256 byte values")
    table = {b: c for b, c in got["items"]}
    if table.get(32) == " ":
        fail("bytes_to_unicode() keeps the space as \" \": only the printable bytes (\"!\" to \"~\", \"¡\" to \"¬\", "
             "\"®\" to \"ÿ\") stand for themselves; the other 68, the space among them, get chr(256), chr(257), "
             "... in increasing order, so the space is \"Ġ\" and \"\\n\" is \"Ċ\"")
    if table.get(127) == chr(256 + 127):
        fail("bytes_to_unicode() moved byte b to chr(256 + b): the 68 bytes that are not printable get chr(256), "
             "chr(257), ... one after the other, in increasing order (so the space is \"Ġ\" = chr(288))")
    expect_equal(got["items"], expected["items"], "bytes_to_unicode() as [byte, character] pairs")


@points(2)
def test_gpt2_pretokens(out, snap):
    what = f"BPETokenizerGPT2.pretokenize_text({PIECES!r})"
    expect_sequence(out["pretokens"], snap["pretokens"], what, "pre-token", mistakes={
        "the pieces are right but written as characters: write each piece's UTF-8 bytes (piece.encode(\"utf-8\")) "
        "with the characters of bytes_to_unicode(), so \"é\" becomes \"Ã©\" and \" \" becomes \"Ġ\"":
            ref.gpt2_pieces(PIECES, as_bytes=False),
        "runs of whitespace are cut differently from GPT-2: keep GPT2_PATTERN as it is, with \\s+(?!\\S), which "
        "leaves the last space of a run to the word after it": ref.gpt2_pieces(PIECES, ref.LOOSE_WHITESPACE),
        "these are BPETokenizerSimple's pre-tokens: BPETokenizerGPT2 needs a pretokenize_text of its own that "
        "cuts the text with GPT2_PATTERN (regex.findall) and writes the bytes of each piece":
            ref.pretokens(PIECES),
    })


def _expect_texts(out, snap, name, texts):
    got = out[name]
    if not out["calls_own_pretokenizer"] and got["ids"] != snap[name]["ids"]:
        fail("encode never called self.pretokenize_text, so BPETokenizerGPT2's byte-level pre-tokeniser is not used: "
             "in BPEEncoding.encode, cut the text with self.pretokenize_text (not the module's pretokenize_text)")
    for i, text in enumerate(texts):
        what = f"encode({text!r}) with GPT-2's files"
        expect_sequence(got["ids"][i], snap[name]["ids"][i], what + ", tiktoken's ids", "id")
        if got["decoded"][i] != text:
            fail(f"decode(encode({text!r})) gave {got['decoded'][i]!r}: the ids are right, so look at decode — turn "
                 "each character back into its byte (bytes_to_unicode() inverted) and decode the bytes as UTF-8")


@points(2)
def test_every_byte_of_non_ascii_text(out, snap):
    _expect_texts(out, snap, "unicode_text", UNICODE)


@points(2)
def test_whitespace_as_gpt2(out, snap):
    _expect_texts(out, snap, "whitespace", WHITESPACE)


def test_no_merges_across_gpt2_pieces(out, snap):
    _expect_texts(out, snap, "quotes", QUOTES)


def test_endoftext_allowed(out, snap):
    got = out["with_end"]
    expect_sequence(got["ids"], snap["with_end"]["ids"], f"encode({WITH_END!r}, allowed_special={{{END!r}}})", "id")
    if got["decoded"] != WITH_END:
        fail(f"decode gave {got['decoded']!r} for the ids of {WITH_END!r}: the special token's characters decode as "
             "bytes like any other")


@points(3)
def test_course_corpus_and_the_verdict_equal_tiktoken(out, snap):
    got = out["corpus"]
    expect_sequence(got["ids"], snap["corpus"]["ids"], "encode(course_data.text.default_text()), tiktoken's GPT-2 "
                    "ids of the whole course corpus", "id")
    if not got["round_trip"]:
        fail("decode(encode(course corpus)) is not the corpus again: look at decode")
    story = out["verdict"]
    if story is not None:
        fail(f"\"The Verdict\" (from the course cache) differs from tiktoken's ids at token {story['first']} "
             f"({story['text']!r}): expected {story['expected']}, got {story['got']}"
             + ("" if story["round_trip"] else "; decode does not give the story back either"))
