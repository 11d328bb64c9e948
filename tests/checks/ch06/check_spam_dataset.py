"""Checks for ch06.spam_dataset: SpamDataset encodes, truncates and pads messages read from a CSV file."""
from grader.checks import case, expect_equal, expect_sequence, fail, points, sibling

ref = sibling(__file__, "classifier_reference")
WORKER_PRELOAD = ("gpt2", "pandas")
ROWS = ref.messages(7)
PAD = 50256


def dataset(learner, **options):
    """SpamDataset over a CSV file of ROWS (with `options`): its length, max_length and every item."""
    import tiktoken

    path = ref.write_csv("spam_rows.csv", ROWS)
    data = learner.SpamDataset(path, tiktoken.get_encoding("gpt2"), **options)
    items = [data[i] for i in range(len(ROWS))]
    return {"len": len(data), "max_length": getattr(data, "max_length", None),
            "ids": [x for x, _ in items], "labels": [y for _, y in items]}


@case
def longest(learner):
    import tiktoken

    result = dataset(learner)
    result["encoded"] = [tiktoken.get_encoding("gpt2").encode(t) for _, t in ROWS]
    return result


truncated = case(dataset, max_length=6)
longer = case(dataset, max_length=40)
own_pad = case(dataset, pad_token_id=0)


def _ids(got, i, what):
    x = got["ids"][i]
    if not hasattr(x, "torch_dtype") or x.ndim != 1:
        fail(f"{what}: dataset[{i}][0] should be a 1-D tensor of token ids, got {type(x).__name__} "
             f"{'of shape ' + str(list(x.shape)) if hasattr(x, 'shape') else ''}")
    return x.tolist()


def test_length_and_labels(out):
    got = out["longest"]
    expect_equal(got["len"], len(ROWS), f"len(SpamDataset(...)) for a CSV file of {len(ROWS)} messages")
    for i, y in enumerate(got["labels"]):
        if not hasattr(y, "torch_dtype") or y.ndim != 0:
            fail(f"dataset[{i}][1], the label, should be a 0-d tensor (torch.tensor(label)), got "
                 f"{type(y).__name__}{' of shape ' + str(list(y.shape)) if hasattr(y, 'shape') else ''}")
        if y.torch_dtype != "torch.int64":
            fail(f"dataset[{i}][1] has dtype {y.torch_dtype}: labels are class indices for cross_entropy, "
                 "dtype=torch.long")
    expect_sequence([int(y) for y in got["labels"]], [label for label, _ in ROWS], "the labels (column Label)", "label")


@points(2)
def test_pads_to_the_longest_message(out):
    got = out["longest"]
    longest = max(len(e) for e in got["encoded"])
    if got["max_length"] != longest:
        fail(f"with max_length=None, dataset.max_length is {got['max_length']}; expected {longest}, the number "
             "of tokens of the longest encoded message")
    for i, encoded in enumerate(got["encoded"]):
        ids = _ids(got, i, "with max_length=None")
        n = longest - len(encoded)
        expect_sequence(ids, encoded + [PAD] * n, f"dataset[{i}][0] with max_length=None (the message's tokens, then "
                        f"{PAD} up to the longest message)", "id", mistakes={
                            f"message {i} is padded at the start; append the padding after the message's tokens":
                                [PAD] * n + encoded if n else None,
                            f"message {i} is padded with {ids[-1]} instead of pad_token_id ({PAD}, <|endoftext|>)":
                                encoded + [ids[-1]] * n if n and ids and ids[-1] != PAD else None})


@points(2)
def test_truncates_to_max_length(out):
    got = out["truncated"]
    if got["max_length"] != 6:
        fail(f"SpamDataset(..., max_length=6).max_length is {got['max_length']}, expected 6")
    for i, encoded in enumerate(out["longest"]["encoded"]):
        ids = _ids(got, i, "with max_length=6")
        expected = (encoded + [PAD] * 6)[:6]
        if len(ids) > 6:
            fail(f"with max_length=6, message {i} has {len(ids)} tokens: truncate every encoded message "
                 "to its first max_length tokens")
        expect_sequence(ids, expected, f"dataset[{i}][0] with max_length=6", "id")


def test_pads_up_to_a_larger_max_length(out):
    got = out["longer"]
    for i, encoded in enumerate(out["longest"]["encoded"]):
        ids = _ids(got, i, "with max_length=40")
        if len(ids) != 40:
            fail(f"with max_length=40 (more than the longest message) message {i} has {len(ids)} tokens: pad "
                 "every message up to max_length when it is given, not up to the longest message")
        expect_sequence(ids, encoded + [PAD] * (40 - len(encoded)), f"dataset[{i}][0] with max_length=40", "id")


def test_uses_pad_token_id(out):
    got = out["own_pad"]
    longest = max(len(e) for e in out["longest"]["encoded"])
    for i, encoded in enumerate(out["longest"]["encoded"]):
        ids = _ids(got, i, "with pad_token_id=0")
        n = longest - len(encoded)
        expect_sequence(ids, encoded + [0] * n, f"dataset[{i}][0] with pad_token_id=0", "id", mistakes={
            f"with pad_token_id=0 message {i} is still padded with {PAD}: pad with the pad_token_id argument":
                encoded + [PAD] * n if n else None})
