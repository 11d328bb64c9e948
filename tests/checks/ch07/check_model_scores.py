"""Checks for ch07.model_scores: each stored response scored by the judge given (the offline one by default),
in order, leaving out what the judge could not score.

The book's form, generate_model_scores(json_data, json_key, model="llama3") asking query_model(prompt, model),
is judged the same way: the judge handed over in the model's place is what query_model asks, in words.
"""
from grader.checks import case, expect_sequence, fail, points, sibling

ref = sibling(__file__, "instruction_reference")
SCRIPT = {"mice": 100, "mouses": 35, "I don't know": None, "late": 90.0, "": 0}   # response -> score; None: no idea
RESPONSES = list(SCRIPT)


class ScriptedJudge:
    """Scores by SCRIPT, keyed by the response, and records what it is asked about: [instruction, response].
    Asked in words (reply, as the book's query_model asks an LLM), it finds which of the entries and responses
    it was given the request is about, whatever the request's wording, and answers the score as text."""

    def __init__(self, data, key):
        self.about, self.calls = [(entry, entry[key]) for entry in data], []

    def score(self, entry, response):
        self.calls.append([entry["instruction"], response])
        return SCRIPT.get(response, 50)

    def reply(self, prompt):
        def named(entry, response):   # the response occurs in the request more often than in the entry's own texts
            return prompt.count(response) > sum(entry[k].count(response) for k in ("instruction", "input", "output"))
        found = [(e, r) for e, r in self.about if e["instruction"] in prompt and (r == "" or named(e, r))]
        if not found:
            self.calls.append([None, "(a request naming none of the stored responses)"])
            return "50"
        score = self.score(*max(found, key=lambda pair: len(pair[1])))
        return "I cannot say." if score is None else str(int(score))


def scores_under(learner, key):
    """generate_model_scores on five entries whose responses are stored under `key`, with a ScriptedJudge."""
    data = [dict(ref.ENTRIES[i % 2], **{key: r}) for i, r in enumerate(RESPONSES)]
    judge = ScriptedJudge(data, key)
    scores = learner.generate_model_scores(data, key, judge)
    return {"scores": scores, "calls": judge.calls,
            "types": [type(s).__name__ for s in scores] if isinstance(scores, list) else None}


scripted = case(scores_under, "model_response")
other_key = case(scores_under, "answer")


@case
def default_judge(learner):
    data = [dict(ref.ENTRIES[0], model_response="mice"), dict(ref.ENTRIES[3], model_response="8")]
    return learner.generate_model_scores(data, "model_response")


def _scored(out, name):
    """The case's result; a judge sent to a server as a model's name is named as such."""
    error = out.error(name)
    if error and "not JSON serializable" in str(error.get("message", "")):
        fail("query_model was handed the checks' judge in the model's place and tried to send it to a server: keep "
             "the course's query_model, which asks the judge it is handed (or the offline one), not the book's, "
             f"which always posts to Ollama ({error.get('type')}: {str(error.get('message'))[:120]})")
    return out[name]


@points(2)
def test_scores_in_order(out, snap):
    got = _scored(out, "scripted")
    asked, want = [c[1] for c in got["calls"]], [c[1] for c in snap["scripted"]["calls"]]
    if asked not in (want, [r for r in want if r]):   # an empty response may score 0 without asking
        fail(f"the judge should be asked about each entry's stored response, entry[json_key], in order: "
             f"{want}; it was asked about {asked}")
    expect_sequence(got["scores"], snap["scripted"]["scores"], "the scores for five responses (the third "
                    "unscorable)", "score", mistakes={
                        "they include None: leave out the entries the judge could not score, as the book does "
                        "with replies that are not a number": [SCRIPT[r] for r in RESPONSES],
                        "they count the entry the judge could not score as 0: leave it out instead":
                            [int(SCRIPT[r] or 0) for r in RESPONSES]})


def test_scores_are_ints(out):
    kinds = _scored(out, "scripted")["types"]
    if kinds is not None and any(kind != "int" for kind in kinds):
        fail(f"the scores should be ints, got {kinds}: convert each with int()")


def test_json_key_used(out, snap):
    out.error("other_key", {"KeyError": "generate_model_scores(data, \"answer\") read a key the entries do not "
                                        "have: read each response under json_key, entry[json_key]"})
    expect_sequence(_scored(out, "other_key")["scores"], snap["other_key"]["scores"],
                    "the scores of the responses stored under \"answer\" (json_key=\"answer\")", "score")


def test_offline_judge_by_default(out, snap):
    server = ("generate_model_scores(data, json_key) with no judge given tried to reach a server: score offline by "
              "default, with OverlapJudge() in the course's form, or with the course's query_model, which asks the "
              "offline judge unless you choose Ollama with use_judge(OllamaJudge())")
    out.error("default_judge", {"AttributeError": "generate_model_scores(data, json_key) with no judge given "
                                                  "failed: score with the offline OverlapJudge() when judge is None",
                                **dict.fromkeys(("JudgeUnavailable", "URLError", "ConnectionError",
                                                 "ConnectionRefusedError"), server)})
    expect_sequence(out["default_judge"], snap["default_judge"], "the scores with no judge given (OverlapJudge)",
                    "score")
