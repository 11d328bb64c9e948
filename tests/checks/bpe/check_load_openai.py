"""Checks for bpe.load_openai: GPT-2's encoder.json and vocab.bpe read into the tokenizer; with them, encode
gives tiktoken's GPT-2 ids (taken from the snapshot) on the book's example, on text with punctuation, digits
and line breaks, on the whole course corpus, and with <|endoftext|>; decode gives the text back."""
from grader.checks import case, expect_sequence, expect_type, fail, points

END = "<|endoftext|>"
BOOK = ("This is some text", [1212, 318, 617, 2420])   # the notebook's example, GPT-2's ids
SAMPLES = ["Hello, world! It's 2024 -- isn't it?", "Tokenizers merge subwords: unbelievably, reconfigurations happen.",
           "x9y 42abc !!?? @home #tag $5.00 (maybe) [sic] {x} a/b", "Mara's 'quoted' word", 'She said, "No."']
LINES = ["one\ntwo", "one\n\ntwo", "\nstart", "end\n", "crlf\r\nline", "space \nbefore", "after\n space",
         "  two leading", "trailing two  "]
WITH_END = "Mara left.<|endoftext|>\nTheo stayed."
_LOADED = {}


def _gpt2(learner):
    """The learner's BPETokenizerSimple with GPT-2's files, loaded once per exercise run."""
    if "tokenizer" not in _LOADED:
        from course_data.gpt2 import openai_files
        files = openai_files()
        tokenizer = learner.BPETokenizerSimple()
        tokenizer.load_vocab_and_merges_from_openai(vocab_path=str(files["encoder.json"]),
                                                    bpe_merges_path=str(files["vocab.bpe"]))
        _LOADED["tokenizer"] = tokenizer
    return _LOADED["tokenizer"]


@case
def loaded(learner):
    tokenizer = _gpt2(learner)
    return {"size": len(tokenizer.vocab),
            "strings": [tokenizer.vocab.get(i) for i in (0, 198, 256, 1212, 50256)],
            "ids": [tokenizer.inverse_vocab.get(s) for s in ("Ċ", "Ġthe", END, "\n")]}


@case
def book(learner):
    return _gpt2(learner).encode(BOOK[0])


@case
def samples(learner):
    return [_gpt2(learner).encode(text) for text in SAMPLES]


@case
def lines(learner):
    return [_gpt2(learner).encode(text) for text in LINES]


@case
def corpus(learner):
    from course_data.text import default_text
    tokenizer = _gpt2(learner)
    ids = tokenizer.encode(default_text())
    return {"ids": ids, "round_trip": tokenizer.decode(ids) == default_text()}


@case
def with_end(learner):
    return _gpt2(learner).encode(WITH_END, allowed_special={END})


def test_vocabulary_loaded(out, snap):
    got, expected = out["loaded"], snap["loaded"]
    if got["size"] != expected["size"]:
        fail(f"self.vocab has {got['size']} entries after loading; GPT-2's encoder.json has {expected['size']}: load "
             "every entry of it")
    if got["strings"] != expected["strings"]:
        fail(f"self.vocab maps the ids 0, 198, 256, 1212, 50256 to {got['strings']}; expected {expected['strings']}: "
             "encoder.json maps each token string to its id, so self.vocab is that dict inverted ({id: string}) "
             "and self.inverse_vocab the dict as read")
    if got["ids"][:3] != expected["ids"][:3]:
        fail(f"self.inverse_vocab gives {got['ids'][:3]} for \"Ċ\", \"Ġthe\" and {END!r}; expected "
             f"{expected['ids'][:3]}: it is encoder.json as read ({{string: id}})")
    if got["ids"][3] != expected["ids"][3]:
        fail(f"self.inverse_vocab has no id for \"\\n\" (got {got['ids'][3]!r}): GPT-2 writes a line break as \"Ċ\" "
             "(id 198), so map \"\\n\" to that id too, and \"\\r\" to \"č\"'s (201); the pre-tokens hold the real "
             "line breaks")


@points(2)
def test_the_notebooks_example(out):
    got = out["book"]
    expect_type(got, list, f"encode({BOOK[0]!r})")
    if len(got) == len(BOOK[0]):
        fail(f"encode({BOOK[0]!r}) gave one id per character ({got[:6]}...): with GPT-2's files loaded, merge each "
             "pre-token by the ranks of self.bpe_ranks (tokenize_with_bpe)")
    expect_sequence(got, BOOK[1], f"encode({BOOK[0]!r}), GPT-2's ids", "id")


@points(2)
def test_punctuation_digits_and_contractions(out, snap):
    for text, got, expected in zip(SAMPLES, out["samples"], snap["samples"]):
        expect_sequence(got, expected, f"encode({text!r}), tiktoken's GPT-2 ids", "id")


def test_line_breaks_and_spaces(out, snap):
    out.error("lines", {
        "KeyError": "a line break has no id: GPT-2 writes \"\\n\" as \"Ċ\" (id 198) and \"\\r\" as \"č\" (id 201); "
                    "map \"\\n\" and \"\\r\" to those ids in self.inverse_vocab when you load the files",
    })
    for text, got, expected in zip(LINES, out["lines"], snap["lines"]):
        expect_sequence(got, expected, f"encode({text!r}), tiktoken's GPT-2 ids", "id")


@points(3)
def test_course_corpus_equals_tiktoken(out, snap):
    got = out["corpus"]
    expect_sequence(got["ids"], snap["corpus"]["ids"], "encode(course_data.text.default_text()), tiktoken's GPT-2 ids "
                    "of the whole course corpus", "id")
    if not got["round_trip"]:
        fail("decode(encode(course corpus)) is not the corpus again: the ids are right, so look at decode "
             "(\"Ġ\" as a space, \"Ċ\" as \"\\n\")")


def test_endoftext_allowed(out, snap):
    got = out["with_end"]
    expect_type(got, list, f"encode({WITH_END!r}, allowed_special={{{END!r}}})")
    if 50256 not in got:
        fail(f"encode({WITH_END!r}, allowed_special={{{END!r}}}) has no id 50256: {END!r} is GPT-2's special token, "
             "its one id where allowed")
    expect_sequence(got, snap["with_end"], f"encode({WITH_END!r}, allowed_special={{{END!r}}})", "id")
