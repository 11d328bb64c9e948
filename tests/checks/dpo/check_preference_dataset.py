"""Checks for dpo.preference_dataset: one pre-tokenized dict per entry, the prompt alone and the prompt followed by
the response header and the chosen or the rejected response."""
from grader.checks import case, fail, points, show, sibling

WORKER_PRELOAD = ("gpt2",)
ref = sibling(__file__, "dpo_reference")
ch07 = sibling(__file__, "ch07/instruction_reference")
KEYS = ("prompt", "chosen", "rejected")
HEADER = "\n\n### Response:\n"


@case
def dataset(learner):
    tokenizer = ch07.RecordingTokenizer()
    ds = learner.PreferenceDataset([dict(e) for e in ref.ENTRIES], tokenizer)
    encoded_in_init = len(tokenizer.texts)
    items = [ds[i] for i in range(len(ref.ENTRIES))]
    texts = [{k: tokenizer.decode(list(item[k])) for k in KEYS if k in item} if isinstance(item, dict) else None
             for item in items]
    return {"len": len(ds), "items": [dict(item) if isinstance(item, dict) else repr(item)[:80] for item in items],
            "texts": texts, "encoded": tokenizer.texts, "encoded_in_init": encoded_in_init}


def _items(out):
    items = out["dataset"]["items"]
    for i, item in enumerate(items):
        if not isinstance(item, dict) or set(item) != set(KEYS):
            fail(f"dataset[{i}] should be a dict with the keys {list(KEYS)} (lists of token ids), got {show(item)}")
    return items


def test_length(out):
    if out["dataset"]["len"] != len(ref.ENTRIES):
        fail(f"len(PreferenceDataset(data, tokenizer)) for {len(ref.ENTRIES)} entries should be {len(ref.ENTRIES)}, "
             f"got {show(out['dataset']['len'])}")


@points(2)
def test_prompt(out, snap):
    _items(out)
    for i, (got, want) in enumerate(zip(out["dataset"]["texts"], snap["dataset"]["texts"])):
        if len(got["prompt"]) > len(want["prompt"]) and got["prompt"].startswith(want["prompt"]):
            fail(f"the prompt of entry {i} goes on past format_input(entry): it is the prompt alone, so that its "
                 f"length says where the response starts")
        ch07.expect_text(got["prompt"], want["prompt"], f"the prompt of entry {i} (decoded)",
                         "it should be chapter 7's format_input(entry)" if got["prompt"] != want["prompt"] else "")
        _expect_ids(out, snap, i, "prompt")


@points(3)
def test_responses(out, snap):
    _items(out)
    for i, (entry, got, want) in enumerate(zip(ref.ENTRIES, out["dataset"]["texts"], snap["dataset"]["texts"])):
        prompt = want["prompt"]
        for key, other in (("chosen", "rejected"), ("rejected", "chosen")):
            if got[key] == want[key]:
                continue
            if got[key] == want[other]:
                fail(f"the {key} text of entry {i} holds the {other} response: \"{key}\" goes with entry[\"{key}\"]")
            if got[key] in (prompt + entry[key], prompt + "\n" + entry[key], prompt + "\n\n" + entry[key]):
                fail(f"the {key} text of entry {i} lacks the response header: the prompt is followed by "
                     f"{HEADER!r} and then entry[\"{key}\"]")
            if got[key] == prompt + HEADER + entry["output"]:
                fail(f"the {key} text of entry {i} ends with entry[\"output\"], the chapter-7 answer: use "
                     f"entry[\"{key}\"]")
            ch07.expect_text(got[key], want[key], f"the {key} text of entry {i} (decoded)")
        for key in ("chosen", "rejected"):
            _expect_ids(out, snap, i, key)


def _expect_ids(out, snap, i, key):
    got, want = list(out["dataset"]["items"][i][key]), list(snap["dataset"]["items"][i][key])
    if got != want:
        fail(f"the {key} ids of entry {i} decode to the right text but are not its encoding: encode the whole text "
             "with tokenizer.encode in one call")


def test_encoded_once(out):
    if out["dataset"]["encoded_in_init"] < 3 * len(ref.ENTRIES):
        fail("the texts are encoded when an item is asked for, again at every epoch: encode them once, in "
             "__init__, and keep the ids in self.encoded_texts")
