"""Checks for ch07.instruction_loaders: three DataLoaders over InstructionDatasets, batched by custom_collate_fn
with device and allowed_max_length filled in; only the training loader shuffles and drops the last batch."""
from grader.checks import case, fail, fail_if_mistake, sibling

WORKER_PRELOAD = ("gpt2",)
ref = sibling(__file__, "instruction_reference")
SETTINGS = dict(batch_size=2, allowed_max_length=40)   # texts of 36 to 43 tokens: 40 cuts the longer ones


def _data(n, offset):
    return [{"instruction": f"Repeat the number {offset + i}.", "input": "" if i % 2 else "once",
             "output": str(offset + i)} for i in range(n)]


@case
def loaders(learner):
    import torch

    from course_data.gpt2 import get_encoding

    made = learner.create_instruction_loaders(_data(5, 0), _data(3, 100), _data(3, 200), get_encoding(),
                                              **SETTINGS)
    result = {"count": len(made), "kinds": [type(m).__name__ for m in made],
              "loaders": [isinstance(m, torch.utils.data.DataLoader) for m in made]}
    epochs = {}
    for name, loader in zip(("train", "val", "test"), made):
        epochs[name] = []
        for seed in range(4):
            torch.manual_seed(seed)   # only so a run repeats; the checks judge behaviour, not this order
            epochs[name].append([[b[0].tolist(), b[1].tolist()] for b in loader])
    result["epochs"] = epochs
    return result


@case
def on_device(learner):
    from course_data.gpt2 import get_encoding

    made = learner.create_instruction_loaders(_data(2, 0), _data(2, 100), _data(2, 200), get_encoding(),
                                              batch_size=2, device=ref.DEVICE)
    return [ref.device_uses(lambda loader=loader: next(iter(loader))) for loader in made]


def _loaders(out):
    got = out["loaders"]
    if got["count"] != 3 or not all(got["loaders"]):
        fail(f"create_instruction_loaders should return three DataLoaders (train, val, test), got "
             f"{got['count']} objects: {got['kinds']}")
    return got["epochs"]


def _row_ids(epoch):
    """Each row's input ids without the padding: which entries come, in which order."""
    rows = [list(row) for batch in epoch for row in batch[0]]
    for row in rows:
        while row and row[-1] == ref.PAD:
            row.pop()
    return [tuple(row) for row in rows]


def test_three_loaders(out):
    _loaders(out)


def test_training_batches(out, snap):
    epochs = _loaders(out)["train"]
    sizes = [len(batch[0]) for batch in epochs[0]]
    fail_if_mistake(sizes, {"batches of [2, 2, 1] rows: drop the incomplete last batch (drop_last=True), so every "
                            "training step sees a full batch": [2, 2, 1]},
                    "the training loader for 5 entries with batch_size=2")
    if sizes != [2, 2]:
        fail(f"the training loader should yield 2 batches of 2 rows for 5 entries with batch_size=2, got sizes {sizes}")


def test_training_shuffled(out):
    epochs = _loaders(out)["train"]
    if len({tuple(_row_ids(e)) for e in epochs}) == 1:
        fail("the training loader gives the same batches in the same order in every epoch: shuffle the "
             "training data (shuffle=True)")


def test_validation_and_test_in_order(out, snap):
    epochs, expected = _loaders(out), snap["loaders"]["epochs"]
    fail_if_mistake([epochs["val"][0], epochs["test"][0]], {
        "the validation loader holds the test data and the test loader the validation data: return (train_loader, "
        "val_loader, test_loader), built from train_data, val_data and test_data":
            [expected["test"][0], expected["val"][0]]},
        "create_instruction_loaders(train_data, val_data, test_data, ...)")
    for name in ("val", "test"):
        got, want = epochs[name][0], expected[name][0]
        fail_if_mistake([len(batch[0]) for batch in got], {
            "drops its last, incomplete batch: keep every entry (drop_last=False)": [2]}, f"the {name} loader")
        if sorted(_row_ids(got)) == sorted(_row_ids(want)) and _row_ids(got) != _row_ids(want):
            fail(f"the {name} loader shuffles: keep the order of the entries (shuffle=False)")
        if got != want:
            fail(f"the {name} loader's batches differ from the expected ones (3 entries, batch_size=2, "
                 f"allowed_max_length=40): rows of {[len(b[0][0]) for b in got]} tokens, expected "
                 f"{[len(b[0][0]) for b in want]}")


def test_collate_settings(out, snap):
    epochs = _loaders(out)
    for name in ("val", "test"):
        for inputs, _ in epochs[name][0]:
            if len(inputs[0]) > SETTINGS["allowed_max_length"]:
                fail(f"the {name} batches have rows of {len(inputs[0])} tokens with allowed_max_length=40: "
                     "give custom_collate_fn the allowed_max_length (functools.partial)")
        ignored = [any(ref.IGNORE in row for row in b[1]) for b in epochs[name][0]]
        if ignored != [any(ref.IGNORE in row for row in b[1]) for b in snap["loaders"]["epochs"][name][0]]:
            fail(f"the {name} batches' targets should hold {ref.IGNORE} where a row is padded: batch with "
                 "collate_fn=custom_collate_fn")
    if not all(out["on_device"]):
        fail(f"with device={ref.DEVICE!r} the batches are not moved to that device: give custom_collate_fn the "
             "device, e.g. partial(custom_collate_fn, device=device, ...)")
