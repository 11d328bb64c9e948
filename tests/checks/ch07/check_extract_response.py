"""Checks for ch07.extract_response: the text after the prompt, without the response header and whitespace."""
from grader.checks import case, fail, points, sibling

ref = sibling(__file__, "instruction_reference")
PROMPT = ("Below is an instruction that describes a task. Write a response that appropriately completes the "
          "request.\n\n### Instruction:\nGive the plural form of the word.\n\n### Input:\nmouse")


def answer_in(learner, written):
    """extract_response of the prompt followed by what the model wrote."""
    return learner.extract_response(PROMPT + written, PROMPT)


plain = case(answer_in, "\n\n### Response:\nmice")
spaced = case(answer_in, "\n\n### Response:\n  The answer is 7.  \n")
lines = case(answer_in, "\n\n### Response:\nfig\npear\nplum")


def _got(out, key):
    got = out[key]
    if isinstance(got, str) and got.startswith(PROMPT[:40]):
        fail("the extracted answer still starts with the prompt: cut the first len(input_text) characters off "
             "the generated text")
    return got


@points(2)
def test_header_removed(out, snap):
    got = _got(out, "plain")
    if isinstance(got, str) and "### Response:" in got:
        fail(f"the extracted answer {got!r} still holds the \"### Response:\" header the model writes first: "
             "remove it")
    ref.expect_text(got, snap["plain"], "extract_response(prompt + \"\\n\\n### Response:\\nmice\", prompt)")


@points(2)
def test_whitespace_stripped(out, snap):
    got = _got(out, "spaced")
    if isinstance(got, str) and got.strip() == snap["spaced"] and got != snap["spaced"]:
        fail(f"the extracted answer {got!r} has whitespace around it: strip it")
    ref.expect_text(got, snap["spaced"], "the answer written with spaces and newlines around it")


def test_answer_kept_whole(out, snap):
    ref.expect_text(_got(out, "lines"), snap["lines"], "a three-line answer")
