"""Checks for ch02.simple_tokenizer_v2: the two special tokens, <|unk|> for unknown words, V2's decode."""
import re

from grader.checks import case, expect_sequence, expect_type, fail, fail_if_mistake, show

PATTERN = r'([,.:;?_!"()\']|--|\s)'   # the book's pattern; the cases build the vocabulary themselves
KNOWN = "Theo kept the blue canvas in the attic; Lena asked: was it finished? It was, said Mara."
UNKNOWN = "Theo kept the purple canvas. <|endoftext|> Was it finished, said the walrus?"
SPECIALS = ["<|endoftext|>", "<|unk|>"]


def _tokens(text):
    return [t.strip() for t in re.split(PATTERN, text) if t.strip()]


def _base_vocab():
    return {t: i for i, t in enumerate(sorted(set(_tokens(KNOWN))))}


def _tokenizer(learner):
    vocab = _base_vocab()
    vocab.update({s: len(vocab) + k for k, s in enumerate(SPECIALS)})
    return vocab, learner.SimpleTokenizerV2(dict(vocab))


@case
def specials(learner):
    base = _base_vocab()
    given = dict(base)
    result = learner.add_special_tokens(given)
    return {"size": len(base), "result": result, "given_changed": given != base}


@case
def encode_unknown(learner):
    vocab, tok = _tokenizer(learner)
    return {"ids": tok.encode(UNKNOWN), "tokens": _tokens(UNKNOWN)}


DECODED = _tokens(KNOWN) + ["<|endoftext|>", "<|unk|>", "."]


@case
def decode_punctuation(learner):
    vocab, tok = _tokenizer(learner)
    return tok.decode([vocab[t] for t in DECODED])


def test_specials_appended_in_order(out):
    data = out["specials"]
    n, got = data["size"], data["result"]
    expect_type(got, dict, "add_special_tokens(vocab)")
    ids = {s: got.get(s) for s in SPECIALS}
    missing = [s for s in SPECIALS if ids[s] is None]
    if missing:
        fail(f"add_special_tokens did not add {', '.join(missing)}: append \"<|endoftext|>\" and \"<|unk|>\"")
    if ids != {"<|endoftext|>": n, "<|unk|>": n + 1}:
        swapped = {"<|endoftext|>": n + 1, "<|unk|>": n}
        fail_if_mistake(ids, {f"the specials are in the wrong order: \"<|endoftext|>\" should get id {n} (= "
                              f"len(vocab)) and \"<|unk|>\" id {n + 1}, as in the book's extend([\"<|endoftext|>\", "
                              "\"<|unk|>\"])": swapped}, f"the ids of the specials, {ids}")
        fail(f"for a vocabulary of {n} tokens (ids 0..{n - 1}) the specials should get the next two ids: "
             f"{{'<|endoftext|>': {n}, '<|unk|>': {n + 1}}}; got {ids}")


def test_existing_ids_unchanged(out, snap):
    data = out["specials"]
    got = data["result"]
    expect_type(got, dict, "add_special_tokens(vocab)")
    base = {k: v for k, v in snap["specials"]["result"].items() if k not in SPECIALS}
    moved = [(t, i, got.get(t)) for t, i in base.items() if got.get(t) != i]
    if moved:
        t, i, now = moved[0]
        fail(f"adding the specials changed the ids already there: {t!r} had id {i}, now {show(now)} "
             f"({len(moved)} tokens moved). Keep the vocabulary as it is and give the two specials the ids "
             "after the last one; don't sort them in")
    if len(got) != len(base) + 2:
        fail(f"the extended vocabulary should have {len(base) + 2} entries (2 more), got {len(got)}")


def test_given_vocab_not_modified(out):
    if out["specials"]["given_changed"]:
        fail("add_special_tokens changed the dict it was given: return an extended copy "
             "(extended = dict(vocab)) and leave the caller's vocabulary as it was")


UNKNOWN_WORD = {"KeyError": "encode raised KeyError on a word missing from the vocabulary: V2 maps every unknown "
                            "token to \"<|unk|>\" before the lookup (t if t in self.str_to_int else \"<|unk|>\")"}


def _encoded(out):
    out.error("encode_unknown", UNKNOWN_WORD)
    return out["encode_unknown"]["ids"]


def test_unknown_words_become_unk(out, snap):
    got, expected = _encoded(out), snap["encode_unknown"]["ids"]
    tokens = snap["encode_unknown"]["tokens"]
    unk = max(expected)  # "<|unk|>" has the last id of the vocabulary
    expect_type(got, list, "encode(text)")
    if len(got) < len(expected):
        fail(f"encode returned {len(got)} ids for {len(expected)} tokens: unknown words were dropped; "
             f"map them to the id of \"<|unk|>\" ({unk}) instead")
    for pos, (t, e) in enumerate(zip(tokens, expected)):
        if e == unk and pos < len(got) and got[pos] != unk:
            fail(f"the unknown word {t!r} (position {pos}) should become \"<|unk|>\" with id {unk}, "
                 f"got {show(got[pos])}")


def test_encode_with_endoftext(out, snap):
    expect_sequence(_encoded(out), snap["encode_unknown"]["ids"], f"encode({UNKNOWN[:28]!r}...)", "id")


def test_decode_colon_and_semicolon(out, snap):
    got, expected = out["decode_punctuation"], snap["decode_punctuation"]
    expect_type(got, str, "decode(ids)")
    if got == expected:
        return
    fail_if_mistake(got, {"decode leaves a space before ':' and ';' (\"attic ; Lena asked :\"): V2's pattern also "
                          "pulls them onto the word before: re.sub(r'\\s+([,.:;?!\"()\\'])', r'\\1', text)":
                          re.sub(r'\s+([,.?!"()\'])', r"\1", " ".join(DECODED))}, "decode(ids)")
    i = next((k for k, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
    lo = max(0, i - 15)
    fail(f"decode differs at character {i}:\n  expected ...{expected[lo:i + 15]!r}\n"
         f"  got      ...{got[lo:i + 15]!r}")
