"""Chapter 7.8: score the finetuned model's answers with a judge — offline by default, or a local LLM.

A judge is any object with `score(entry, response) -> int | None`: 0 to 100 for how well `response`
answers `entry` (which holds the correct "output"), None when it could not say. Two come with the
course: OverlapJudge, offline and deterministic, the default; and OllamaJudge, which asks an LLM
served by Ollama (or any server speaking its /api/chat protocol), as the book does with Llama 3.
"""
import json
import re
import urllib.error
import urllib.request
from collections import Counter

from .instruction_data import format_input

OLLAMA_URL = "http://localhost:11434/api/chat"


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


def _words(text):
    return re.findall(r"[a-z0-9]+", str(text).lower())


def query_model(prompt, model="llama3", url=OLLAMA_URL, timeout=120):
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

    def score(self, entry, response):
        reply = query_model(judge_prompt(entry, response), self.model, self.url, self.timeout)
        try:
            score = int(reply.strip())
        except ValueError:
            return None   # not a bare number: the book skips such replies
        return score if 0 <= score <= 100 else None


def judge_prompt(entry, response):
    """What to ask an LLM judge about `response`, the model's answer to `entry` (section 7.8): it shows the
    prompt (format_input(entry)), the correct output and the response, and asks for a score from 0 to 100,
    100 the best, answered with the integer only."""
    # TODO: return the request described above as one string (section 7.8).
    raise NotImplementedError('judge_prompt: not written yet, see the TODO above')


def generate_model_scores(json_data, json_key, judge=None):
    """The judge's scores (ints) of the responses stored under `json_key` in the entries of `json_data`, in
    order, leaving out the entries the judge could not score (None). `judge` defaults to OverlapJudge()."""
    # TODO: return the list of scores described above (section 7.8).
    raise NotImplementedError('generate_model_scores: not written yet, see the TODO above')
