"""Checks for ch02.create_dataloader: create_dataloader_v1 hands batch_size, max_length, stride,
shuffle and drop_last on to GPTDatasetV1 and the DataLoader."""
from grader.checks import case, expect_sequence, fail, fail_if_mistake, show

WORKER_PRELOAD = ("gpt2",)
UNSHUFFLED = dict(batch_size=3, max_length=5, stride=3, shuffle=False, drop_last=True)


def _text():
    from course_data.text import story
    return story(2, seed=21)


def _batches(loader, limit=200):
    batches = []
    for k, batch in enumerate(loader):
        if k >= limit:
            break
        batches.append(list(batch))
    return batches


@case
def unshuffled(learner):
    import torch
    loader = learner.create_dataloader_v1(_text(), **UNSHUFFLED)
    return {"type": type(loader).__name__, "is_loader": isinstance(loader, torch.utils.data.DataLoader),
            "batches": _batches(loader)}


@case
def order(learner):
    """The same windows with shuffle off and on (drop_last off, so both hold every window)."""
    import torch
    torch.manual_seed(0)   # only to make a run repeatable; the check tests the behaviour, not this order
    result = {}
    for shuffle in (False, True):
        loader = learner.create_dataloader_v1(_text(), batch_size=4, max_length=4, stride=4,
                                              shuffle=shuffle, drop_last=False)
        result["shuffled" if shuffle else "in_order"] = [row for b in _batches(loader) for row in b[0].tolist()]
    return result


@case
def drop_last(learner):
    sizes = {}
    for flag in (True, False):
        loader = learner.create_dataloader_v1(_text(), batch_size=4, max_length=6, stride=6, shuffle=False,
                                              drop_last=flag)
        sizes[str(flag)] = [len(b[0]) for b in _batches(loader)]
    return sizes


def test_returns_a_dataloader(out):
    data = out["unshuffled"]
    if not data["is_loader"]:
        fail(f"create_dataloader_v1 should return a torch.utils.data.DataLoader, got a {data['type']}: "
             "wrap the dataset, DataLoader(dataset, batch_size=..., shuffle=..., drop_last=..., num_workers=...)")


def test_batch_shapes(out):
    b, length, stride = UNSHUFFLED["batch_size"], UNSHUFFLED["max_length"], UNSHUFFLED["stride"]
    batches = out["unshuffled"]["batches"]
    if not batches:
        fail("the loader yielded no batches for a text of about 190 tokens (batch_size=3, max_length=5, stride=3)")
    for k, batch in enumerate(batches):
        if len(batch) != 2:
            fail(f"batch {k} should be a pair (inputs, targets), got {len(batch)} items")
        for which, label in ((0, "inputs"), (1, "targets")):
            shape = list(getattr(batch[which], "shape", []))
            if shape == [b, length]:
                continue
            fail_if_mistake(shape, {"each row has stride ids instead of max_length — GPTDatasetV1 takes (txt, "
                                    "tokenizer, max_length, stride) in that order": [b, stride]},
                            f"the {label} of a batch have shape {shape}, expected [{b}, {length}]")
            if shape[:1] == [1] and b != 1:
                fail(f"the {label} of a batch have shape {shape}, expected [{b}, {length}]: one row per batch "
                     "is DataLoader's default; pass batch_size=batch_size on to it")
            fail(f"the {label} of batch {k} have shape {shape}, expected [{b}, {length}] (batch_size, max_length)")


def _rows(batches, which):
    """All rows of the inputs (which=0) or targets (1) of a list of batches, as lists of ids."""
    return [row for b in batches for row in (b[which].tolist() if hasattr(b[which], "tolist") else b[which])]


def test_batches_in_text_order(out, snap):
    got, expected = out["unshuffled"]["batches"], snap["unshuffled"]["batches"]
    got_rows, want_rows = _rows(got, 0), _rows(expected, 0)
    if sorted(map(tuple, got_rows)) == sorted(map(tuple, want_rows)) and got_rows != want_rows:
        fail("with shuffle=False the windows must come in the order of the text, but yours come shuffled: "
             "pass shuffle=shuffle on to the DataLoader instead of a fixed True")
    expect_sequence(got_rows, want_rows, "the input rows of all batches (shuffle=False)", "row")
    expect_sequence(_rows(got, 1), _rows(expected, 1), "the target rows of all batches (shuffle=False)", "row")


def test_shuffle_honoured(out):
    data = out["order"]
    in_order, shuffled = data["in_order"], data["shuffled"]
    if sorted(map(tuple, in_order)) != sorted(map(tuple, shuffled)):
        fail("with shuffle=True the loader should yield the same windows as with shuffle=False, only in "
             "another order; some windows differ")
    if shuffled == in_order:
        fail(f"with shuffle=True the {len(in_order)} windows still came in the order of the text: shuffle is "
             "ignored; pass shuffle=shuffle on to the DataLoader")


def test_drop_last_honoured(out, snap):
    got, expected = out["drop_last"], snap["drop_last"]
    for flag in ("True", "False"):
        if got[flag] == expected[flag]:
            continue
        other = "False" if flag == "True" else "True"
        fail_if_mistake(got[flag], {"drop_last is ignored; pass drop_last=drop_last on to the DataLoader (its own "
                                    "default is False)": expected[other]},
                        f"with drop_last={flag} the batch sizes should be {expected[flag]}, got {got[flag]}")
        fail(f"with batch_size=4 and drop_last={flag} the batch sizes should be {expected[flag]}, "
             f"got {show(got[flag])}")
