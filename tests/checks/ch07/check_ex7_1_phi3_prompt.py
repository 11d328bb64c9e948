"""Checks for ch07.ex7_1_phi3_prompt: the Phi-3-style prompt and reading the answer back."""
from grader.checks import case, fail, points, sibling

ref = sibling(__file__, "instruction_reference")
WITH_INPUT, WITHOUT_INPUT = ref.ENTRIES[0], ref.ENTRIES[1]


def prompt_for(learner, entry):
    return learner.format_input_phi3(dict(entry))


with_input = case(prompt_for, WITH_INPUT)
without_input = case(prompt_for, WITHOUT_INPUT)
multiline = case(prompt_for, ref.ENTRIES[2])


@case
def answers(learner):
    result = []
    for entry, answer in ((WITH_INPUT, "mice"), (WITHOUT_INPUT, "late, not early")):
        prompt = learner.format_input_phi3(dict(entry))
        for written in (f"\n<|assistant|>:\n{answer}", f"\n<|assistant|>:\n  {answer}  \n"):
            result.append(learner.extract_response_phi3(prompt + written, prompt))
    return result


def _prompt(out, snap, name, what):
    got, want = out[name], snap[name]
    if isinstance(got, str) and got != want:
        if got.startswith("Below is an instruction"):
            fail(f"{what} starts with the Alpaca preamble: the Phi-3 style has none, only the tag USER")
        if "### " in got:
            fail(f"{what} has \"### \" section headers: the Phi-3 style puts the instruction and input on plain "
                 "lines after USER")
        if got.replace("\n\n", "\n") == want:
            fail(f"{what} has blank lines: each part is on the next line, separated by one \"\\n\"")
    ref.expect_text(got, want, what)


@points(2)
def test_prompt_with_input(out, snap):
    _prompt(out, snap, "with_input", "format_input_phi3(entry) for an entry with an input")


@points(2)
def test_prompt_without_input(out, snap):
    got = out["without_input"]
    if isinstance(got, str) and got.endswith("\n"):
        fail("format_input_phi3(entry) for an entry with an empty input ends with a newline: add the input line "
             "only when entry[\"input\"] is not empty")
    _prompt(out, snap, "without_input", "format_input_phi3(entry) for an entry whose input is empty")
    _prompt(out, snap, "multiline", "format_input_phi3(entry) for an entry with a three-line input")


@points(2)
def test_answer_extracted(out, snap):
    for got, want in zip(out["answers"], snap["answers"]):
        if isinstance(got, str) and "<|assistant|>" in got:
            fail(f"the extracted answer {got!r} still holds the assistant tag: remove ASSISTANT from the text after "
                 "the prompt")
        if isinstance(got, str) and got != want and got.strip() == want:
            fail(f"the extracted answer {got!r} has whitespace around it: strip it")
        ref.expect_text(got, want, "extract_response_phi3(prompt + generated answer, prompt)")
