"""Checks for ch07.judge_prompt: the request shows the judge the task, the correct output and the response,
and asks for one integer from 0 to 100. Its wording is free."""
import re

from grader.checks import case, expect_type, fail, points, sibling

ref = sibling(__file__, "instruction_reference")
ENTRY = ref.ENTRIES[0]
RESPONSE = "The plural of 'mouse' is 'mouses'."


@case
def prompt(learner):
    return {"text": learner.judge_prompt(dict(ENTRY), RESPONSE), "task": learner.format_input(dict(ENTRY))}


def _text(out):
    got = out["prompt"]["text"]
    expect_type(got, str, "judge_prompt(entry, response)")
    return got


@points(2)
def test_shows_the_task(out):
    if out["prompt"]["task"] not in _text(out):
        fail("the request does not contain the task, format_input(entry): the judge must see the instruction "
             "and input to know what was asked")


@points(2)
def test_shows_the_correct_output(out):
    got = _text(out)
    if f"{ENTRY['output']}" not in got.replace(RESPONSE, ""):
        fail("the request does not contain the correct output, entry[\"output\"]: without it the judge scores how "
             "plausible the answer sounds, not whether it is right")


@points(2)
def test_shows_the_response(out):
    if RESPONSE not in _text(out):
        fail("the request does not contain the response to score (the `response` argument): the judge would "
             "score the reference answer or nothing at all")


def test_asks_for_a_score(out):
    got = _text(out)
    if not (re.search(r"\b0\b", got) and re.search(r"\b100\b", got)):
        fail("the request should ask for a score on a scale from 0 to 100 (100 the best); it does not name the "
             "scale, so the judge's numbers cannot be compared or averaged")
    if not re.search(r"integer|number", got, re.IGNORECASE):
        fail("the request should ask the judge to answer with the integer only, so its reply can be read with "
             "int(); it does not mention an integer or a number")
