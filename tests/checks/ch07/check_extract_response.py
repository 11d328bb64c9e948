"""Checks for ch07.extract_response: the text after the prompt, without the response header and whitespace."""
from grader.checks import case, fail, points, sibling

ref = sibling(__file__, "instruction_reference")
PROMPT = ("Below is an instruction that describes a task. Write a response that appropriately completes the "
          "request.\n\n### Instruction:\nGive the plural form of the word.\n\n### Input:\nmouse")
WRITTEN = {"plain": "\n\n### Response:\nmice", "spaced": "\n\n### Response:\n  The answer is 7.  \n",
           "lines": "\n\n### Response:\nfig\npear\nplum"}


@case
def answers(learner):
    return {k: learner.extract_response(PROMPT + written, PROMPT) for k, written in WRITTEN.items()}


def _got(out, key):
    got = out["answers"][key]
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
    ref.expect_text(got, snap["answers"]["plain"], "extract_response(prompt + \"\\n\\n### Response:\\nmice\", prompt)")


@points(2)
def test_whitespace_stripped(out, snap):
    got = _got(out, "spaced")
    if isinstance(got, str) and got.strip() == snap["answers"]["spaced"] and got != snap["answers"]["spaced"]:
        fail(f"the extracted answer {got!r} has whitespace around it: strip it")
    ref.expect_text(got, snap["answers"]["spaced"], "the answer written with spaces and newlines around it")


def test_answer_kept_whole(out, snap):
    ref.expect_text(_got(out, "lines"), snap["answers"]["lines"], "a three-line answer")
