"""Checks for dpo.custom_collate_fn: chosen and rejected ids padded to one common length, masks that select exactly
the response tokens (not the prompt, its two newlines or the padding), mask_prompt_tokens, pad_token_id,
allowed_max_length and device honoured, and the dataset's items left as they were."""
from grader.checks import case, expect_dtype, expect_equal, expect_names, fail, fail_if_mistake, points, sibling

ref = sibling(__file__, "dpo_reference")
ch07 = sibling(__file__, "ch07/instruction_reference")
ITEMS, PAD = ref.ITEMS, ref.PAD
KEYS = ["prompt", "chosen", "rejected", "chosen_mask", "rejected_mask"]
TENSORS = KEYS[1:]
OWN_PAD, CUT = 7, 9
SHOWN = (f"the check's {len(ITEMS)} items (prompts of {', '.join(str(len(i['prompt'])) for i in ITEMS)} tokens, each "
         "followed by 2 newline ids and the response)")


def collate(learner, **kwargs):
    """custom_collate_fn on copies of the items: the batch's entries as they came back."""
    batch = learner.custom_collate_fn([{k: list(v) for k, v in item.items()} for item in ITEMS], **kwargs)
    return {"keys": sorted(batch) if isinstance(batch, dict) else repr(type(batch)),
            **({k: batch[k] for k in KEYS if k in batch} if isinstance(batch, dict) else {})}




@case
def book(learner):
    return collate(learner)


no_prompt_mask = case(collate, mask_prompt_tokens=False)
own_pad = case(collate, pad_token_id=OWN_PAD)
cut = case(collate, allowed_max_length=CUT)


@case
def device(learner):
    items = [{k: list(v) for k, v in item.items()} for item in ITEMS]
    return ch07.device_uses(lambda: learner.custom_collate_fn(items, device=ch07.DEVICE))


@case
def items_untouched(learner):
    items = [{k: list(v) for k, v in item.items()} for item in ITEMS]
    learner.custom_collate_fn(items)
    return items


def _batch(out, name):
    got = out[name]
    if not isinstance(got["keys"], list):
        fail(f"custom_collate_fn should return a dict, got {got['keys']}")
    expect_names(got["keys"], KEYS, "the keys of the batch", item="key")
    return {k: (ch07.rows(got[k], f"batch[{k!r}]") if k != "prompt" else got[k]) for k in KEYS}


def test_keys(out):
    _batch(out, "book")


def test_prompts(out):
    prompts = out["book"]["prompt"] if isinstance(out["book"]["prompt"], list) else None
    want = [item["prompt"] for item in ITEMS]
    if prompts is None or len(prompts) != len(ITEMS):
        fail(f"batch['prompt'] should be a list of {len(ITEMS)} tensors, one per item (not padded), got "
             f"{type(out['book']['prompt']).__name__}")
    expect_equal([[int(t) for t in p] for p in prompts], want, "the prompts of the batch")


@points(3)
def test_ids_padded_to_a_common_length(out):
    got, want = _batch(out, "book"), ref.expected_batch(ITEMS)
    for key in ("chosen", "rejected"):
        expect_equal(got[key], want[key], f"batch[{key!r}] for {SHOWN}", mistakes={
            "chosen and rejected are padded each to their own longest sequence: pad both to one common length, the "
            "longest of either + 1": ref.expected_batch(ITEMS, common=False)[key],
            "the rows are padded to the longest sequence: the common length is the longest + 1, as in the "
            "notebook": ref.expected_batch(ITEMS, extra=0)[key]})


@points(4)
def test_masks_select_the_response(out):
    got, want = _batch(out, "book"), ref.expected_batch(ITEMS)
    for key in ("chosen_mask", "rejected_mask"):
        expect_dtype(out["book"][key], "torch.bool", f"batch[{key!r}]")
        bad = {
            "the two newline tokens between the prompt and \"### Response:\" are selected: mask the first "
            "len(prompt) + 2 positions": ref.expected_batch(ITEMS, prompt_extra=0)[key],
            "the padding is selected: the mask is False from the sequence's own length on":
                ref.expected_batch(ITEMS, mask_padding=False)[key],
            "the prompt is selected: with mask_prompt_tokens, its tokens and the two newlines after it are False":
                ref.expected_batch(ITEMS, mask_prompt_tokens=False)[key],
            "the mask is inverted: True marks the response tokens, which the loss counts":
                [[not v for v in row] for row in want[key]]}
        got_rows = got[key]
        fail_if_mistake(got_rows, bad, f"batch[{key!r}]")
        expect_equal(got_rows, want[key], f"batch[{key!r}] for {SHOWN}")


def test_mask_prompt_tokens_false(out):
    got, want = _batch(out, "no_prompt_mask"), ref.expected_batch(ITEMS, mask_prompt_tokens=False)
    for key in ("chosen_mask", "rejected_mask"):
        expect_equal(got[key], want[key], f"batch[{key!r}] with mask_prompt_tokens=False", mistakes={
            "the prompt is masked even with mask_prompt_tokens=False: only the padding is False then":
                ref.expected_batch(ITEMS)[key]})


def test_own_pad_token(out):
    got, want = _batch(out, "own_pad"), ref.expected_batch(ITEMS, pad=OWN_PAD)
    for key in ("chosen", "rejected"):
        if PAD in sum(got[key], []):
            fail(f"custom_collate_fn(batch, pad_token_id={OWN_PAD}) pads with {PAD}: use the pad_token_id argument")
        expect_equal(got[key], want[key], f"batch[{key!r}] with pad_token_id={OWN_PAD}")


def test_allowed_max_length(out):
    got, want = _batch(out, "cut"), ref.expected_batch(ITEMS, allowed_max_length=CUT)
    for key in TENSORS:
        fail_if_mistake(got[key], {f"{key} is not cut: cut the ids and the masks to allowed_max_length positions":
                                   ref.expected_batch(ITEMS)[key]}, f"with allowed_max_length={CUT}")
        expect_equal(got[key], want[key], f"batch[{key!r}] with allowed_max_length={CUT}")


def test_device(out):
    advice = "move the ids and the masks to `device` (.to(device)) before returning them"
    uses = out["device"]
    if uses == 0:
        fail(f"custom_collate_fn(batch, device={ch07.DEVICE!r}) never moves anything to that device: {advice}")
    if uses < len(TENSORS):
        fail(f"custom_collate_fn(batch, device={ch07.DEVICE!r}) moves only {uses} of the four tensors there: {advice}")


def test_items_left_unchanged(out):
    want = [{k: list(v) for k, v in item.items()} for item in ITEMS]
    if out["items_untouched"] != want:
        fail("after custom_collate_fn the dataset's items have changed: they belong to the dataset, so padding them "
             "in place makes them grow every epoch. Pad a copy (sequence + [pad_token_id] * n makes one)")
