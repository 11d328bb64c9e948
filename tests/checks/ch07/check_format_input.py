"""Checks for ch07.format_input: the Alpaca-style prompt, with and without an input section."""
from grader.checks import case, expect_type, fail, points, sibling

ref = sibling(__file__, "instruction_reference")
WITH_INPUT, WITHOUT_INPUT, MULTILINE, SHORT = ref.ENTRIES


@case
def with_input(learner):
    return learner.format_input(dict(WITH_INPUT))


@case
def without_input(learner):
    return learner.format_input(dict(WITHOUT_INPUT))


@case
def other_entries(learner):
    return [learner.format_input(dict(entry)) for entry in (MULTILINE, SHORT)]


def _diagnose(got, expected, what):
    """The usual mistakes first, then the first difference."""
    expect_type(got, str, what)
    if got == expected:
        return
    if got.startswith(expected) and "### Response:" in got[len(expected):]:
        fail(f"{what} ends with the response header: format_input stops after the instruction (and input); "
             "the response section is added by InstructionDataset, and at generation time the model writes it")
    if got.replace("\n\n", "\n") == expected.replace("\n\n", "\n"):
        fail(f"{what} separates its sections with a single newline; they are separated by a blank line, "
             "\"\\n\\n\" before each \"### ...\" header. " + ref.text_difference(got, expected))
    ref.expect_text(got, expected, what)


@points(2)
def test_with_input(out, snap):
    _diagnose(out["with_input"], snap["with_input"], f"format_input(entry) for an entry with input {WITH_INPUT['input']!r}")


@points(2)
def test_without_input(out, snap):
    got, what = out["without_input"], "format_input(entry) for an entry whose input is empty"
    if isinstance(got, str) and "### Input:" in got:
        fail(f"{what} has an \"### Input:\" section: leave the input section out when entry[\"input\"] is empty "
             "(an empty string is false in an if)")
    _diagnose(got, snap["without_input"], what)


def test_preamble_first(out, snap):
    got, preamble = out["with_input"], snap["with_input"].split("\n\n")[0]
    if isinstance(got, str) and not got.startswith(preamble + "\n\n### Instruction:\n"):
        fail("the prompt should start with PREAMBLE exactly as given, then a blank line and the "
             "\"### Instruction:\" header: " + ref.text_difference(got[:len(preamble) + 20], snap["with_input"][:len(preamble) + 20]))


def test_other_entries(out, snap):
    for entry, got, expected in zip((MULTILINE, SHORT), out["other_entries"], snap["other_entries"]):
        _diagnose(got, expected, f"format_input(entry) for the entry {entry['instruction']!r}")
