"""Checks for ch07.custom_collate_fn: padded inputs, shifted targets, the first end-of-text target kept, later
ones ignored, allowed_max_length and device honoured, and the batch left as it was."""
from grader.checks import case, expect_dtype, expect_equal, expect_shape, fail, fail_if_mistake, points, sibling

ref = sibling(__file__, "instruction_reference")
PAD, IGNORE = ref.PAD, ref.IGNORE
TOY = [[0, 1, 2, 3, 4], [5, 6], [7, 8, 9]]            # the book's example
SAME = [[11, 12, 13], [14, 15, 16]]                    # equal lengths: one end-of-text each
OWN = ([[1, 2], [3, 4, 5, 6], [7]], 99, -1)            # batch, pad_token_id, ignore_index
CUTS = (3, 5, 8)                                       # allowed_max_length: shorter, equal, longer than the rows


def collate(learner, batch, **kwargs):
    """custom_collate_fn on a copy of batch: {"inputs", "targets"}."""
    inputs, targets = learner.custom_collate_fn([list(item) for item in batch], **kwargs)
    return {"inputs": inputs, "targets": targets}


toy = case(collate, TOY)
same_lengths = case(collate, SAME)
own_ids = case(collate, OWN[0], pad_token_id=OWN[1], ignore_index=OWN[2])
cut_3 = case(collate, TOY, allowed_max_length=3)
cut_5 = case(collate, TOY, allowed_max_length=5)
cut_8 = case(collate, TOY, allowed_max_length=8)


@case
def device(learner):
    return ref.device_uses(lambda: learner.custom_collate_fn([list(item) for item in TOY], device=ref.DEVICE))


@case
def batch_untouched(learner):
    batch = [list(item) for item in TOY]
    learner.custom_collate_fn(batch)
    return batch


def expected(batch, pad=PAD, ignore=IGNORE, keep_first=True, mask_later=True):
    """(inputs, targets) as lists, computed here; the flags give the usual mistakes."""
    longest = max(len(item) for item in batch) + 1
    inputs, targets = [], []
    for item in batch:
        padded = item + [pad] * (longest - len(item))
        row = padded[1:]
        first = len(item) - 1   # where the first end-of-text lands in the targets
        for k in range(first, len(row)):
            if (k > first and mask_later) or (k == first and not keep_first):
                row[k] = ignore
        inputs.append(padded[:-1])
        targets.append(row)
    return inputs, targets


def _pair(out, name):
    got = out[name]
    return ref.rows(got["inputs"], "the inputs"), ref.rows(got["targets"], "the targets")


@points(2)
def test_shapes(out):
    for key in ("inputs", "targets"):
        what = f"the {key} for the book's batch {TOY}"
        fail_if_mistake(list(getattr(out["toy"][key], "shape", [])), {
            "shape [3, 6], expected [3, 5]: pad every row to the longest + 1, then drop the last position for the "
            "inputs and the first for the targets": [3, 6],
            "shape [3, 4], expected [3, 5]: pad to the longest sequence + 1, so that even the longest row gets an "
            "end-of-text token": [3, 4]}, what)
        expect_shape(out["toy"][key], [3, 5], what)


def test_long_token_ids(out):
    for key in ("inputs", "targets"):
        fail_if_mistake(getattr(out["toy"][key], "torch_dtype", ""), {
            "they hold floats (torch.float32); token ids must be integers, torch.long, for the embedding and the "
            "loss: torch.tensor(list_of_ints) gives that, torch.Tensor(...) gives floats": "torch.float32"},
            f"the {key}")
        expect_dtype(out["toy"][key], "torch.int64", f"the {key}")


@points(2)
def test_inputs_padded(out):
    got, want = _pair(out, "toy")[0], expected(TOY)[0]
    if got != want:
        fail(f"the inputs for {TOY} should be {want}, got {got}: each row is the sequence followed by "
             f"end-of-text ids ({PAD}), without the last position of the padded row")


@points(2)
def test_targets_shifted(out):
    inputs, targets = _pair(out, "toy")
    if targets[:1] == inputs[:1]:
        fail("the targets equal the inputs: they are the padded rows shifted one position to the left "
             "(padded[1:]), so each position's target is the next token")
    for row, item in enumerate(TOY):
        if targets[row][:len(item) - 1] != item[1:]:
            fail(f"row {row} of the targets should start with {item[1:]} (the tokens after the first), got "
                 f"{targets[row][:len(item) - 1]}")


@points(2)
def test_first_end_of_text_kept(out):
    targets, want = _pair(out, "toy")[1], expected(TOY)[1]
    fail_if_mistake(targets, {
        f"every padding target is {IGNORE}, the first one too: keep the first end-of-text token ({PAD}) in each "
        f"row, so the model learns where its answer ends; expected {want}": expected(TOY, keep_first=False)[1]},
        f"the targets for the book's batch {TOY}")
    for row, item in enumerate(TOY):
        if len(targets[row]) >= len(item) and targets[row][len(item) - 1] != PAD:
            fail(f"row {row} of the targets, {targets[row]}, should have the end-of-text token {PAD} right after "
                 f"the sequence (position {len(item) - 1}); expected {want[row]}")
    same = _pair(out, "same_lengths")[1]
    if same != expected(SAME)[1]:
        fail(f"for equal-length rows {SAME} the targets should be {expected(SAME)[1]}, got {same}: every row ends "
             "with one end-of-text token")


@points(2)
def test_later_pads_ignored(out):
    targets, want = _pair(out, "toy")[1], expected(TOY)[1]
    expect_equal(targets, want, f"the targets for the book's batch {TOY}", mistakes={
        f"they keep every padding token ({PAD}): replace all but the first of them with ignore_index ({IGNORE}) so "
        f"the loss skips the padding; expected {want}": expected(TOY, mask_later=False)[1]})


@points(2)
def test_own_pad_and_ignore_index(out):
    batch, pad, ignore = OWN
    got, want = _pair(out, "own_ids"), expected(batch, pad, ignore)
    what = f"custom_collate_fn({batch}, pad_token_id={pad}, ignore_index={ignore})"
    flat = sum(got[0] + got[1], [])
    if PAD in flat:
        fail(f"{what} pads with {PAD}: use the pad_token_id argument, not a fixed 50256")
    if IGNORE in flat:
        fail(f"{what} writes {IGNORE}: use the ignore_index argument, not a fixed -100")
    expect_equal(got[0], want[0], f"the inputs of {what}")
    expect_equal(got[1], want[1], f"the targets of {what}")


@points(2)
def test_allowed_max_length(out):
    uncut = expected(TOY)
    for n in CUTS:
        got, want = list(_pair(out, f"cut_{n}")), [[row[:n] for row in part] for part in uncut]
        if got != want:
            fail_if_mistake(got, {
                f"the rows still have {len(uncut[0][0])} positions: cut both inputs and targets to at most "
                "allowed_max_length positions": list(uncut),
                "the inputs are cut but the targets are not: cut both": [want[0], uncut[1]]},
                f"with allowed_max_length={n}")
        expect_equal(got[0], want[0], f"the inputs with allowed_max_length={n}")
        expect_equal(got[1], want[1], f"the targets with allowed_max_length={n}")


def test_device(out):
    advice = "move both the inputs and the targets to `device` (.to(device)) before returning them"
    fail_if_mistake(out["device"], {f"it never moves anything to that device: {advice}": 0,
                                    f"it moves only one tensor there: {advice}": 1},
                    f"custom_collate_fn(batch, device={ref.DEVICE!r})")


def test_batch_left_unchanged(out):
    if out["batch_untouched"] != TOY:
        fail(f"after custom_collate_fn the batch's lists have changed, to {out['batch_untouched']}: the items "
             "belong to the dataset, so padding them in place makes them grow every epoch. Pad a copy")
