"""Checks for ch07.instruction_dataset: one pre-tokenized training text per entry, prompt then response."""
from grader.checks import case, expect_sequence, fail, points, show, sibling

WORKER_PRELOAD = ("gpt2",)
ref = sibling(__file__, "instruction_reference")


class CharTokenizer:
    """Each character becomes its code point: shows which tokenizer the dataset used."""

    def encode(self, text, **kwargs):
        return [ord(c) for c in text]


@case
def gpt2(learner):
    tokenizer = ref.RecordingTokenizer()
    ds = learner.InstructionDataset([dict(e) for e in ref.ENTRIES], tokenizer)
    encoded_in_init = len(tokenizer.texts)
    items = [ds[i] for i in range(min(len(ds), len(ref.ENTRIES)))]
    return {"len": len(ds), "items": items, "texts": tokenizer.texts, "encoded_in_init": encoded_in_init,
            "kinds": [type(item).__name__ for item in items],
            "encoded_texts": getattr(ds, "encoded_texts", None) is not None}


@case
def characters(learner):
    ds = learner.InstructionDataset([dict(e) for e in ref.ENTRIES[:2]], CharTokenizer())
    return [list(ds[i]) for i in range(len(ds))]


def _full_texts(snap):
    return snap["gpt2"]["texts"]


def test_length(out):
    got = out["gpt2"]["len"]
    if got != len(ref.ENTRIES):
        fail(f"len(InstructionDataset(data, tokenizer)) for {len(ref.ENTRIES)} entries should be "
             f"{len(ref.ENTRIES)}, got {show(got)}")


@points(2)
def test_training_text(out, snap):
    texts, expected = out["gpt2"]["texts"], _full_texts(snap)
    for i, (entry, want) in enumerate(zip(ref.ENTRIES, expected)):
        if want in texts:
            continue
        prompt = want[:want.index("\n\n### Response:")]
        if prompt in texts and any(t.startswith("\n\n### Response:") or t == entry["output"] for t in texts):
            fail("the prompt and the response are encoded separately; encode the whole training text at once, "
                 "format_input(entry) + format_response(entry), so the ids are those of the full text")
        if prompt in texts:
            fail("the dataset encodes only the prompt, format_input(entry): the model learns from the whole "
                 "training text, the prompt followed by format_response(entry)")
        if prompt + entry["output"] in texts:
            fail("the encoded text lacks the response header: append format_response(entry), which starts with "
                 "\"\\n\\n### Response:\\n\", not just entry[\"output\"]")
        ref.expect_text(texts[i] if i < len(texts) else "", want, f"the text encoded for entry {i}")
    if len(texts) > len(expected):
        fail(f"the dataset encoded {len(texts)} texts for {len(expected)} entries; one encode per entry is enough")


def test_pretokenized(out):
    got = out["gpt2"]
    if not got["encoded_in_init"] or not got["encoded_texts"]:
        fail("InstructionDataset(data, tokenizer) should encode every entry once, when it is built, and keep "
             "the ids in self.encoded_texts (exercise 7.2 builds on that list); yours "
             + ("encodes in __getitem__" if got["texts"] else "has no self.encoded_texts"))


@points(2)
def test_items_are_token_ids(out, snap):
    got, expected = out["gpt2"]["items"], snap["gpt2"]["items"]
    for i, (item, want) in enumerate(zip(got, expected)):
        kind = out["gpt2"]["kinds"][i]
        if hasattr(item, "ndim") and item.ndim != 1:
            fail(f"dataset[{i}] has shape {list(item.shape)}; an item is one sequence of token ids")
        values = item.tolist() if hasattr(item, "tolist") else item
        if not isinstance(values, list) or not all(isinstance(v, int) for v in values):
            fail(f"dataset[{i}] should be the list of token ids of entry {i}, got a {kind}: {show(values)}")
        expect_sequence(values, want, f"dataset[{i}], the token ids of entry {i}", "id")


def test_given_tokenizer_used(out, snap):
    for i, (got, want) in enumerate(zip(out["characters"], snap["characters"])):
        if got != want:
            fail(f"with a tokenizer that gives each character its code point, dataset[{i}] should hold "
                 f"{len(want)} ids, got {len(got)}: encode with the `tokenizer` the dataset is given, not "
                 "one you make yourself")
