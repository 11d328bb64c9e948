"""Checks for bpe.train: the base vocabulary's layout, the vocabulary size, the merges learned on the course's
text in the notebook's order (ties to the pair seen first, never across pre-tokens), stopping when no pair is
left (also on "", "H" and "He"), characters beyond Latin-1 and training without special tokens."""
from grader.checks import case, expect_equal, expect_sequence, fail, points, sibling

ref = sibling(__file__, "bpe_reference")
G, END = ref.G, ref.END
VOCAB = 300                  # 42 merges on the course's text: a tie is broken at the 12th
UNICODE = "naïve café 東京 🙂, naïve café again; 東京 and 東京 🙂 🙂"


def _course_text():
    from course_data.text import default_text
    return default_text()


def _short_text():
    from course_data.text import story
    return story(2, seed=3)


def run(learner, text, vocab_size, **options):
    tokenizer = learner.BPETokenizerSimple()
    tokenizer.train(text, vocab_size=vocab_size, **options)
    merges = list(tokenizer.bpe_merges.items())
    return {"vocab_size": len(tokenizer.vocab),
            "base": [tokenizer.vocab.get(i) for i in range(0, 262)],
            "merges": [[int(a), int(b), int(i)] for (a, b), i in merges],
            "strings": [tokenizer.vocab.get(i) for _, i in merges]}


@case
def course_text(learner):
    return run(learner, _course_text(), VOCAB)


@case
def exhausted(learner):
    return run(learner, _short_text(), 1000)


@case
def tiny_texts(learner):
    """The notebook's edge cases: nothing to merge in "" and "H", one pair in "He"."""
    sizes = []
    for text in ("", "H", "He"):
        tokenizer = learner.BPETokenizerSimple()
        tokenizer.train(text, vocab_size=270)
        sizes.append(len(tokenizer.vocab))
    return sizes


unicode_text = case(run, UNICODE, 300)
no_specials = case(run, "the cat in the hat sat on the mat", 270, allowed_special=None)


def test_base_vocabulary(out, snap):
    got, expected = out["course_text"]["base"], snap["course_text"]["base"]
    if got[:256] != expected[:256]:
        first = next(i for i in range(256) if got[i] != expected[i])
        fail(f"vocab[{first}] is {got[first]!r}, expected {expected[first]!r}: ids 0 to 255 are the characters chr(0) "
             "to chr(255), whatever the text, before any character of the text")
    expect_sequence(got[256:258], expected[256:258], "the ids after the first 256 (vocab[256], vocab[257])",
                    "token", mistakes={
                        f"the special token {END!r} must come after \"Ġ\" (the characters first, then the special "
                        "tokens)": [END, G],
                        f"the special token {END!r} is missing: add each token of allowed_special to the "
                        "vocabulary": [G, expected[258]],
                    })


def test_vocabulary_grows_to_vocab_size(out, snap):
    got, expected = out["course_text"], snap["course_text"]
    if got["vocab_size"] != VOCAB:
        base = expected["merges"][0][2]
        fail(f"train(text, vocab_size={VOCAB}) left {got['vocab_size']} tokens in self.vocab; expected {VOCAB}: "
             f"the base vocabulary ({base} tokens here) plus one token per merge, merging until the vocabulary has "
             "vocab_size tokens"
             + (" (every merge needs its string in self.vocab too)" if len(got["merges"]) == len(expected["merges"])
                else ""))


@points(3)
def test_merges_in_the_notebooks_order(out, snap):
    got, expected = out["course_text"]["strings"], snap["course_text"]["strings"]
    across = [s for s in got if isinstance(s, str) and len(s) > 1 and (G in s[1:] or "\n" in s)]
    if across:
        fail(f"train learned {across[0]!r}, a merge across two pre-tokens: count and merge pairs inside each "
             "pre-token's list (self.pretokenize_text, then one list of ids per pre-token), never over the text "
             "as one sequence")
    k = next((i for i, (a, b) in enumerate(zip(out["course_text"]["merges"], snap["course_text"]["merges"]))
              if a != b), None)
    if k is not None:
        counts = ref.pair_counts(ref.Learned(_course_text(), VOCAB, steps=k).words)
        mine, theirs = tuple(out["course_text"]["merges"][k][:2]), tuple(snap["course_text"]["merges"][k][:2])
        if counts.get(mine) is not None and counts.get(mine) == counts.get(theirs):
            fail(f"merge {k + 1} is {got[k]!r}, expected {expected[k]!r}: both pairs occur {counts[mine]} times, and "
                 "the tie goes to the pair that occurs first in the text (use find_freq_pair, which keeps the "
                 "pairs in the order it first met them)")
    expect_sequence(got, expected, f"the tokens train(course text, vocab_size={VOCAB}) learned, in order",
                    "merged token")
    expect_equal(out["course_text"]["merges"], snap["course_text"]["merges"],
                 "self.bpe_merges ({(id1, id2): new_id}, in the order learned)")


def test_stops_when_no_pair_is_left(out, snap):
    out.error("exhausted", {
        "TypeError": "train went on after find_freq_pair found no pair (None): stop merging when it returns None",
    })
    got, expected = out["exhausted"], snap["exhausted"]
    if got["vocab_size"] != expected["vocab_size"]:
        fail(f"train(a 593-character story, vocab_size=1000) ended with {got['vocab_size']} tokens; after "
             f"{len(expected['merges'])} merges every pre-token is one token and no pair is left, so training stops "
             f"at {expected['vocab_size']}")
    expect_sequence(got["strings"], expected["strings"], "the tokens learned from a short story", "merged token")
    out.error("tiny_texts", {
        "ValueError": "train failed on a text with no pair to merge (\"\" or \"H\"): find_freq_pair returns None "
                      "there, and training stops",
    })
    if out["tiny_texts"] != snap["tiny_texts"]:
        fail(f"train(\"\" / \"H\" / \"He\", vocab_size=270) left {out['tiny_texts']} tokens; expected "
             f"{snap['tiny_texts']}: the base vocabulary, plus the one merge \"He\" allows")


def test_characters_beyond_latin1(out, snap):
    got, expected = out["unicode_text"], snap["unicode_text"]
    extra = expected["base"][256:261]
    if not all(c in got["base"] for c in "東京🙂"):
        fail(f"after train({UNICODE!r}, 300) the characters 東, 京 and 🙂 have no ids of their own: every character "
             "of the pre-tokens beyond chr(255) gets an id after 255 (BPETokenizerSimple works on characters, "
             "not on UTF-8 bytes)")
    expect_sequence(got["base"][256:261], extra, f"vocab[256:261] after train({UNICODE!r}, 300)", "token", mistakes={
        "the characters beyond chr(255) come in sorted order, then \"Ġ\" if missing, then the special tokens":
            [G, "東", "京", "🙂", END],
    })
    expect_sequence(got["strings"], expected["strings"], f"the tokens learned from {UNICODE!r}", "merged token")


def test_without_special_tokens(out, snap):
    got, expected = out["no_specials"], snap["no_specials"]
    if END in got["base"]:
        fail(f"train(..., allowed_special=None) put {END!r} in the vocabulary: add special tokens only when "
             "allowed_special names them (it may be None or empty)")
    expect_sequence(got["merges"], expected["merges"], "the merges learned with allowed_special=None", "merge")
