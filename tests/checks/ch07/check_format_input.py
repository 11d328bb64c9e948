"""Checks for ch07.format_input: the Alpaca-style prompt, with and without an input section."""
from grader.checks import case, expect_type, fail, points, sibling

ref = sibling(__file__, "instruction_reference")
WITH_INPUT, WITHOUT_INPUT, MULTILINE, SHORT = ref.ENTRIES


def prompt_for(learner, entry):
    return learner.format_input(dict(entry))


with_input = case(prompt_for, WITH_INPUT)
without_input = case(prompt_for, WITHOUT_INPUT)
multiline = case(prompt_for, MULTILINE)
short = case(prompt_for, SHORT)


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
    _diagnose(out["with_input"], snap["with_input"],
              f"format_input(entry) for an entry with input {WITH_INPUT['input']!r}")


@points(2)
def test_without_input(out, snap):
    got, what = out["without_input"], "format_input(entry) for an entry whose input is empty"
    if isinstance(got, str) and "### Input:" in got:
        fail(f"{what} has an \"### Input:\" section: leave the input section out when entry[\"input\"] is empty "
             "(an empty string is false in an if)")
    _diagnose(got, snap["without_input"], what)


def test_preamble_first(out, snap):
    got, want = out["with_input"], snap["with_input"]
    start = len(want.split("\n\n")[0]) + len("\n\n### Instruction:\n")
    if isinstance(got, str) and not got.startswith(want[:start]):
        fail("the prompt should start with PREAMBLE exactly as given, then a blank line and the "
             "\"### Instruction:\" header: " + ref.text_difference(got[:start], want[:start]))


def test_other_entries(out, snap):
    for name, entry in (("multiline", MULTILINE), ("short", SHORT)):
        _diagnose(out[name], snap[name], f"format_input(entry) for the entry {entry['instruction']!r}")
