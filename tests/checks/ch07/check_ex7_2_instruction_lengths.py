"""Checks for ch07.ex7_2_instruction_lengths: items are (instruction_length, token_ids), the length counting
the tokens of the prompt alone."""
from grader.checks import case, expect_sequence, fail, points, show, sibling

WORKER_PRELOAD = ("gpt2",)
ref = sibling(__file__, "instruction_reference")


@case
def items(learner):
    from course_data.gpt2 import get_encoding

    tokenizer = get_encoding()
    chapter = learner.module("ch07/instruction_data.py")
    ds = learner.InstructionDataset([dict(e) for e in ref.ENTRIES], ref.RecordingTokenizer())
    prompts = [chapter.format_input(dict(e)) for e in ref.ENTRIES]
    return {"items": [list(ds[i]) if isinstance(ds[i], tuple) else ds[i] for i in range(len(ds))],
            "characters": [len(p) for p in prompts],
            "with_header": [len(tokenizer.encode(p + "\n\n### Response:\n")) for p in prompts]}


def _pairs(out):
    got = out["items"]["items"]
    for i, item in enumerate(got):
        if not isinstance(item, list) or len(item) != 2:
            fail(f"dataset[{i}] should be a pair (instruction_length, token_ids), got {show(item)}")
        if not isinstance(item[0], int):
            fail(f"dataset[{i}] should start with instruction_length, an int; got {show(item[0])} first: return "
                 "(instruction_length, token_ids) in that order")
    return got


@points(2)
def test_prompt_lengths(out, snap):
    pairs = _pairs(out)
    got, want = [pair[0] for pair in pairs], [pair[0] for pair in snap["items"]["items"]]
    expect_sequence(got, want, f"the instruction lengths {got} of four entries", "length", mistakes={
        "they are the lengths of the whole texts: count the tokens of the prompt alone, format_input(entry), "
        "without the response": [len(pair[1]) for pair in pairs],
        "they count characters: count the tokens of the encoded prompt": out["items"]["characters"],
        "they include the \"### Response:\" header: count format_input(entry) alone; the header belongs to the "
        "response part, which stays in the loss": out["items"]["with_header"]})


def test_token_ids(out, snap):
    for i, (pair, want) in enumerate(zip(_pairs(out), snap["items"]["items"])):
        ids = pair[1].tolist() if hasattr(pair[1], "tolist") else pair[1]
        expect_sequence(ids, want[1], f"the token ids of dataset[{i}], as in chapter 7's dataset", "id")

