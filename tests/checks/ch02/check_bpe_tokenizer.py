"""Checks for ch02.bpe_tokenizer: GPT-2's BPE through tiktoken, <|endoftext|> allowed, exact decoding."""
from course_data import text as corpus

from grader.checks import case, expect_sequence, expect_type, fail, show

WORKER_PRELOAD = ("gpt2",)
WITH_END = "Mara kept the key. <|endoftext|> Theo painted the harbour at dawn."
UNICODE = "Café crème -- a naïve señor, 3 µm wide; “quoted” twice ✓"
END_AS_TEXT = [91, 437, 1659, 5239, 91, 29]   # "|endoftext|>" as ordinary text ("<" joins the space before it)
END_ID = 50256
STORY = corpus.story(2, seed=4)
REFUSED = {"ValueError: disallowed special token": "tiktoken refused \"<|endoftext|>\" in the text: pass "
           "allowed_special={\"<|endoftext|>\"} to encode, so it becomes the special id " + str(END_ID)}


@case
def encode_story(learner):
    from course_data.gpt2 import get_encoding
    words = [i for word in STORY.split() for i in get_encoding().encode(word)]
    return {"ids": learner.bpe_encode(STORY), "word_by_word": words}


@case
def encode_with_end(learner):
    return learner.bpe_encode(WITH_END)


def decode(learner, text):
    from course_data.gpt2 import get_encoding
    return learner.bpe_decode(get_encoding().encode(text))


decode_story = case(decode, STORY)
decode_unicode = case(decode, UNICODE)


def test_encode_returns_list_of_ints(out):
    out.error("encode_story", REFUSED)
    got = out["encode_story"]["ids"]
    expect_type(got, list, "bpe_encode(text)")
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in got):
        fail(f"bpe_encode should return int ids, got {show(got[:5])}")


def test_encode_text(out, snap):
    out.error("encode_story", REFUSED)
    expect_sequence(out["encode_story"]["ids"], snap["encode_story"]["ids"], "bpe_encode on a short story", "id",
                    mistakes={"bpe_encode encoded each word on its own, so the spaces were lost: GPT-2's BPE keeps "
                              "the space with the word after it (' kept' is one token). Encode the whole text in one "
                              "call": snap["encode_story"]["word_by_word"]})


def test_endoftext_allowed(out, snap):
    out.error("encode_with_end", REFUSED)
    got, expected = out["encode_with_end"], snap["encode_with_end"]
    expect_type(got, list, f"bpe_encode({WITH_END!r})")
    n = len(END_AS_TEXT)
    if any(got[i:i + n] == END_AS_TEXT for i in range(len(got))):
        fail(f"\"<|endoftext|>\" was encoded as ordinary text (pieces such as {END_AS_TEXT}), not as the single "
             f"special id {END_ID}: use allowed_special={{\"<|endoftext|>\"}} (not disallowed_special=())")
    if END_ID not in got:
        fail(f"bpe_encode({WITH_END!r}) should contain the special id {END_ID} for \"<|endoftext|>\"; "
             f"got {show(got)}")
    expect_sequence(got, expected, f"bpe_encode({WITH_END[:24]!r}...)", "id")


def _expect_text(got, expected, what):
    expect_type(got, str, what)
    if got != expected:
        i = next((k for k, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
        lo = max(0, i - 15)
        fail(f"{what} differs at character {i}:\n  expected ...{expected[lo:i + 15]!r}\n"
             f"  got      ...{got[lo:i + 15]!r}")


def test_decode_round_trip(out):
    got, text = out["decode_story"], STORY
    if isinstance(got, str) and got != text and got.replace("  ", " ") != got:
        fail("bpe_decode put extra spaces between the tokens: GPT-2's tokens carry their own spaces "
             "(' kept'), so decode the list in one call (tokenizer.decode(ids)) instead of joining pieces "
             "with ' '")
    _expect_text(got, text, "bpe_decode(bpe_encode(text))")


def test_decode_multibyte_characters(out, snap):
    got = out["decode_unicode"]
    if isinstance(got, str) and "\ufffd" in got:
        fail("bpe_decode produced '\ufffd' (an unreadable character): GPT-2's BPE works on bytes, and a "
             "character like “ can be split over two tokens, which cannot be decoded one at a time. "
             "Decode the whole list of ids in one call: tokenizer.decode(ids)")
    _expect_text(got, snap["decode_unicode"], f"bpe_decode(ids of {UNICODE!r})")
