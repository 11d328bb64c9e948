"""Checks for ch07.model_scores: each stored response scored by the judge given (the offline one by default),
in order, leaving out what the judge could not score."""
from grader.checks import case, expect_sequence, fail, points, sibling

ref = sibling(__file__, "instruction_reference")


class ScriptedJudge:
    """Scores by a script keyed by the response; records what it is asked. None: it could not say."""

    SCRIPT = {"mice": 100, "mouses": 35, "?": None, "late": 90.0, "": 0}

    def __init__(self):
        self.calls = []

    def score(self, entry, response):
        self.calls.append([entry["instruction"], response])
        return self.SCRIPT.get(response, 50)


def _data(key):
    responses = ["mice", "mouses", "?", "late", ""]
    return [dict(ref.ENTRIES[i % 2], **{key: r}) for i, r in enumerate(responses)]


@case
def scripted(learner):
    judge = ScriptedJudge()
    scores = learner.generate_model_scores(_data("model_response"), "model_response", judge)
    return {"scores": scores, "calls": judge.calls, "types": [type(s).__name__ for s in scores]}


@case
def other_key(learner):
    judge = ScriptedJudge()
    return learner.generate_model_scores(_data("answer"), "answer", judge)


@case
def default_judge(learner):
    data = [dict(ref.ENTRIES[0], model_response="mice"), dict(ref.ENTRIES[3], model_response="8")]
    return learner.generate_model_scores(data, "model_response")


@points(2)
def test_scores_in_order(out, snap):
    got = out["scripted"]
    asked, want = [c[1] for c in got["calls"]], [c[1] for c in snap["scripted"]["calls"]]
    if asked not in (want, [r for r in want if r]):   # an empty response may score 0 without asking
        fail(f"the judge should be asked about each entry's stored response, entry[json_key], in order: "
             f"{want}; it was asked about {asked}")
    scores = got["scores"]
    if isinstance(scores, list) and None in scores:
        fail(f"the scores {scores} include None: leave out the entries the judge could not score, as the book "
             "does with replies that are not a number")
    if isinstance(scores, list) and len(scores) == 5 and scores[2] == 0:
        fail(f"the scores {scores} count the entry the judge could not score as 0: leave it out instead")
    expect_sequence(scores, snap["scripted"]["scores"], "the scores for five responses (the third unscorable)",
                    "score")


def test_scores_are_ints(out):
    if any(kind != "int" for kind in out["scripted"]["types"]):
        fail(f"the scores should be ints, got {out['scripted']['types']}: convert each with int()")


def test_json_key_used(out, snap):
    expect_sequence(out["other_key"], snap["other_key"], "the scores of the responses stored under \"answer\" "
                    "(json_key=\"answer\")", "score")


def test_offline_judge_by_default(out, snap):
    expect_sequence(out["default_judge"], snap["default_judge"], "the scores with no judge given (OverlapJudge)",
                    "score")
