"""Checks for ch07.ex7_2_masked_collate: the targets that predict prompt tokens are ignored as well, and the
first response token's target stays."""
from grader.checks import case, expect_equal, expect_shape, fail, fail_if_mistake, points, sibling

WORKER_PRELOAD = ("gpt2",)
ref = sibling(__file__, "instruction_reference")
PAD, IGNORE = ref.PAD, ref.IGNORE
TOY = [(3, [0, 1, 2, 3, 4]), (1, [5, 6]), (2, [7, 8, 9])]   # (instruction_length, token_ids)


@case
def toy(learner):
    inputs, targets = learner.custom_collate_fn([(n, list(ids)) for n, ids in TOY])
    return {"inputs": inputs, "targets": targets}


@case
def real(learner):
    """Two entries tokenized here; what the targets that stay decode to."""
    from course_data.gpt2 import get_encoding

    tokenizer, chapter = get_encoding(), learner.module("ch07/instruction_data.py")
    batch = []
    for entry in ref.ENTRIES[:2]:
        prompt = chapter.format_input(dict(entry))
        batch.append((len(tokenizer.encode(prompt)), tokenizer.encode(prompt + chapter.format_response(entry))))
    inputs, targets = learner.custom_collate_fn(batch, allowed_max_length=1024)
    kept = [tokenizer.decode([int(t) for t in row if t != IGNORE]) for row in targets]
    return {"inputs": inputs, "targets": targets, "kept": kept}


def expected_toy(prompt=lambda n: slice(0, n - 1)):
    """The toy batch's targets, with the positions prompt(instruction_length) of each row ignored (as the
    slice targets[row, prompt(n)] would); other slices give the usual mistakes."""
    longest = max(len(ids) for _, ids in TOY) + 1
    result = []
    for n, ids in TOY:
        row = (ids + [PAD] * (longest - len(ids)))[1:]
        row = [IGNORE if k > len(ids) - 1 and row[k] == PAD else v for k, v in enumerate(row)]
        for k in range(len(row))[prompt(n)]:
            row[k] = IGNORE
        result.append(row)
    return result


@points(3)
def test_prompt_targets_ignored(out):
    got = out["toy"]
    what = f"the targets for the batch {TOY}"
    expect_shape(got["targets"], [3, 5], what)
    targets, want = ref.rows(got["targets"], "the targets"), expected_toy()
    if targets != want:
        fail_if_mistake(targets, {
            "they ignore one position too many: targets[i] predicts token i + 1, so with instruction_length n the "
            "first n - 1 targets predict prompt tokens, and the target at n - 1 (the first token after the prompt) "
            f"must stay. For instruction_length 3: expected {want[0]}": expected_toy(lambda n: slice(0, n)),
            "they keep the first position: ignore the first instruction_length - 1 targets":
                expected_toy(lambda n: slice(1, n - 1))}, what)
        if targets[0][:2] != [IGNORE, IGNORE]:
            fail(f"for instruction_length 3 the first two targets should be {IGNORE}, got {targets[0]}: the targets "
                 "that predict prompt tokens are ignored")
    expect_equal(targets, want, what)


def test_inputs_unchanged(out):
    inputs = ref.rows(out["toy"]["inputs"], "the inputs")
    if any(IGNORE in row for row in inputs):
        fail(f"the inputs hold {IGNORE}: only the targets are masked; the model still reads the whole prompt")
    expect_equal(inputs, [(ids + [PAD] * 6)[:5] for _, ids in TOY],
                 "the inputs, which chapter 7's custom_collate_fn makes,")


@points(2)
def test_only_the_response_is_learnt(out, snap):
    for got, want in zip(out["real"]["kept"], snap["real"]["kept"]):
        ref.expect_text(got, want, "the targets that are not ignored, decoded,",
                        "they should be the response part and one end-of-text token"
                        if not got.startswith(want) else "they run past the end-of-text token")
