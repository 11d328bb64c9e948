"""Chapter 7.8: score the finetuned model's answers with a judge — offline by default, or a local LLM.

A judge is an object with `score(entry, response) -> int | None` (0 to 100 for how well `response` answers
`entry`, which holds the correct "output"; None when it could not say) and `reply(prompt) -> str` (its answer
to a request in words, as an LLM's). Two come with the course: OverlapJudge, offline and deterministic, the
default; and OllamaJudge, which asks an LLM served by Ollama (or any server speaking its /api/chat protocol),
as the book does with Llama 3. The book's query_model(prompt, model) asks the judge in use: the offline one
unless you choose an LLM with use_judge(OllamaJudge()), or the judge object handed to it in place of a model.
"""
import json
import re
import urllib.error
import urllib.request
from collections import Counter

from .instruction_data import format_input

OLLAMA_URL = "http://localhost:11434/api/chat"
BOOK_REQUEST = re.compile(r"and correct output `(?P<output>.*?)`, score the model response `(?P<response>.*)`"
                          r" on a scale", re.DOTALL)   # the wording of the book's request (section 7.8)


class JudgeUnavailable(RuntimeError):
    """The judge's server could not be reached or answered with an error."""


class OverlapJudge:
    """100 for an answer equal to the correct output (case, spaces and punctuation aside), else the F1 of
    their shared words, times 100. Offline and deterministic; it rewards the reference's words, not meaning."""

    name = "word overlap (offline)"

    def score(self, entry, response):
        got, want = _words(response), _words(entry["output"])
        if got == want:
            return 100
        shared = sum((Counter(got) & Counter(want)).values())
        if not shared:
            return 0
        precision, recall = shared / len(got), shared / len(want)
        return round(100 * 2 * precision * recall / (precision + recall))

    def reply(self, prompt):
        """The score as text for a request worded as the book's or written by judge_prompt; for any other
        request a sentence, not a number (the book's generate_model_scores skips such replies)."""
        found = read_request(prompt)
        if found is None:
            return ("The offline judge reads only requests to score a response, worded as the book's or by "
                    "judge_prompt. To ask an LLM anything else: use_judge(OllamaJudge()).")
        output, response = found
        return str(self.score({"output": output}, response))


def _words(text):
    return re.findall(r"[a-z0-9]+", str(text).lower())


def read_request(prompt):
    """(correct output, response) from a request to score a response, worded as the book's or by this module's
    judge_prompt; None for any other text."""
    for pattern in (BOOK_REQUEST, *_judge_prompt_patterns()):
        found = pattern.search(prompt)
        if found:
            return found["output"], found["response"]
    return None


def _judge_prompt_patterns():
    """Patterns of what judge_prompt writes, for an entry with an input and one without: judge_prompt asked
    about marked placeholders. None of them while judge_prompt is a stub or does not show each mark once."""
    marks = {"instruction": "\x00I\x00", "input": "\x00N\x00", "output": "\x00O\x00", "response": "\x00R\x00"}
    patterns = []
    for entry_input in (marks["input"], ""):
        try:
            text = judge_prompt(dict(marks, input=entry_input), marks["response"])
        except Exception:  # noqa: BLE001 - a stub, or a judge_prompt that fails: no pattern from it
            return []
        if not isinstance(text, str) or text.count(marks["output"]) != 1 or text.count(marks["response"]) != 1:
            return []
        pattern = re.escape(text)
        for key, group in (("output", "(?P<output>.*?)"), ("response", "(?P<response>.*?)"),
                           ("instruction", ".*?"), ("input", ".*?")):
            pattern = pattern.replace(re.escape(marks[key]), group)
        patterns.append(re.compile(rf"\A{pattern}\Z", re.DOTALL))
    return patterns


_chosen = None   # the judge query_model asks when it is given a model's name; None: OverlapJudge()


def use_judge(judge=None):
    """Choose who answers query_model(prompt, model) when `model` is a name, as in the book's
    generate_model_scores: use_judge(OllamaJudge(url=...)) for an LLM served by Ollama (the model each call
    names), use_judge() for the offline OverlapJudge again, the default."""
    global _chosen
    _chosen = judge


def query_model(prompt, model="llama3", url=None, timeout=120):
    """The reply to `prompt` (section 7.8), a string. The book's query_model always asks Ollama; this one asks
    the judge in use: `model` itself when it is a judge object; else Ollama (the model named `model`, at `url`)
    when `url` is given or use_judge(OllamaJudge(...)) chose it; else the offline OverlapJudge."""
    if hasattr(model, "reply"):
        return model.reply(prompt)
    if not isinstance(model, str):
        raise TypeError(f"query_model(prompt, model): model should be a model's name, such as \"llama3\", or a "
                        f"judge with a reply(prompt) method; got a {type(model).__name__}")
    if url is not None:
        return ask_ollama(prompt, model, url, timeout)
    judge = _chosen or OverlapJudge()
    if isinstance(judge, OllamaJudge):
        return ask_ollama(prompt, model, judge.url, judge.timeout)   # the model this call names
    return judge.reply(prompt)


def ask_ollama(prompt, model="llama3", url=OLLAMA_URL, timeout=120):
    """The text an Ollama chat server answers to `prompt`, asked for a deterministic reply (seed 123,
    temperature 0); its streamed JSON lines are joined. Raises JudgeUnavailable when the server cannot
    be reached or fails."""
    data = {"model": model, "messages": [{"role": "user", "content": prompt}],
            "options": {"seed": 123, "temperature": 0, "num_ctx": 2048}}
    request = urllib.request.Request(url, data=json.dumps(data).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json"})
    reply = []
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            for line in response:
                if line.strip():
                    reply.append(json.loads(line)["message"]["content"])
    except urllib.error.HTTPError as e:
        raise JudgeUnavailable(f"the judge at {url} answered HTTP {e.code} {e.reason} (is the model "
                               f"{model!r} pulled? `ollama pull {model}`)") from e
    except (urllib.error.URLError, OSError) as e:
        raise JudgeUnavailable(f"no judge reachable at {url} ({getattr(e, 'reason', e)}): start one with "
                               f"`ollama serve` and `ollama pull {model}`, or use the offline judge") from e
    except (ValueError, KeyError, TypeError) as e:
        raise JudgeUnavailable(f"the judge at {url} did not answer in Ollama's chat format ({e})") from e
    return "".join(reply)


class OllamaJudge:
    """Asks an LLM served by Ollama to score each answer, with judge_prompt, as the book does (section 7.8)."""

    def __init__(self, model="llama3", url=OLLAMA_URL, timeout=120):
        self.model, self.url, self.timeout = model, url, timeout
        self.name = f"{model} at {url}"

    def reply(self, prompt):
        return ask_ollama(prompt, self.model, self.url, self.timeout)

    def score(self, entry, response):
        reply = self.reply(judge_prompt(entry, response))
        try:
            score = int(reply.strip())
        except ValueError:
            return None   # not a bare number: the book skips such replies
        return score if 0 <= score <= 100 else None


def judge_prompt(entry, response):
    """What to ask an LLM judge about `response`, the model's answer to `entry` (section 7.8): it shows the
    prompt (format_input(entry)), the correct output and the response, and asks for a score from 0 to 100,
    100 the best, answered with the integer only."""
    ### BEGIN SOLUTION: return the request described above as one string (section 7.8).
    return (f"You are grading an answer to a task. The task:\n{format_input(entry)}\n\n"
            f"The correct output:\n{entry['output']}\n\n"
            f"The answer to grade:\n{response}\n\n"
            "Score the answer from 0 to 100, where 100 is the best score. Reply with the integer only.")
    ### END SOLUTION


def generate_model_scores(json_data, json_key, judge=None):
    """The judge's scores (ints) of the responses stored under `json_key` in the entries of `json_data`, in
    order, leaving out the entries the judge could not score (None). `judge` defaults to OverlapJudge().
    The book's form, generate_model_scores(json_data, json_key, model="llama3") asking query_model(prompt,
    model) for each score and skipping replies that are not a number, gets the same marks."""
    ### BEGIN SOLUTION: return the list of scores described above (section 7.8).
    judge = judge if judge is not None else OverlapJudge()
    scores = []
    for entry in json_data:
        score = judge.score(entry, entry[json_key])
        if score is not None:
            scores.append(int(score))
    return scores
    ### END SOLUTION
