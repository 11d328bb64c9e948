"""Preference data for the DPO chapter: the course's own generated pairs (the default) and the book's file.

`default_preference_data()` returns 1,100 entries shaped like the book's `instruction-data-with-preference.json`
(`instruction`, `input`, `output`, `rejected`, `chosen`), generated deterministically: chapter 7's generated
instructions (`course_data.instructions`), each with a chosen response, the right answer politely phrased, and a
rejected one of three kinds, drawn in turn at random:

    chosen    the right answer, politely            "Certainly! The plural of key is keys."
    rude      the right answer, rudely              "Seriously? The plural of key is keys. Try to keep up."
    wrong     a wrong answer, politely              "Certainly! The plural of key is keyes."
    verbose   the right answer, padded out          "Well, let me think about this for a moment. ... keys. ..."

So the pairs differ in style (rude, verbose) as the book's do, or in substance (wrong): a small model tuned with
DPO shows which of the two it picks up faster. `rejection_kind(entry)` tells the three apart.

`load_preference_data()` returns the book's 1,100 entries instead (a JSON list, read with `json.load` as the book
does), downloaded once into the course cache and verified by size and sha256:
`python -m course_data download preference-data`.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from .download import Source, fetch
from .instructions import ANTONYMS, PAST, PLURALS, generated_instruction_data, task_family
from .text import _Rand

URL = ("https://raw.githubusercontent.com/rasbt/LLMs-from-scratch/main/ch07/04_preference-tuning-with-dpo/"
       "instruction-data-with-preference.json")
FILENAME = "instruction-data-with-preference.json"
SIZE = 386_968
SHA256 = "305315abf14f65fa42c01a0877572f832606571c2a7d49f152ac1d758b16756e"
KEYS = ("instruction", "input", "output", "rejected", "chosen")

PREFERENCE_DATA = Source(name="preference-data", url=URL, filename=FILENAME, size=SIZE, sha256=SHA256,
                         about="DPO: the book's 1,100 entries with chosen and rejected responses (JSON)")

POLITE = ("Certainly!", "Of course.", "Happy to help.", "Good question!", "Sure.")
RUDE = ("Ugh, fine.", "Seriously?", "Obviously.", "What a silly question.", "If you must know:")
RUDE_ENDINGS = ("Look it up yourself next time.", "Don't bother me again.", "Even a child knows that.",
                "Try to keep up.")
VERBOSE = "Well, let me think about this for a moment, because it is the kind of question that deserves care."
VERBOSE_ENDING = "I hope this rather long explanation was of some use to you, and that it was not too long."
KINDS = ("rude", "wrong", "verbose")


def _sentence(answer: str) -> str:
    """A chapter-7 output as a sentence: the sentences stay, a bare answer ("keys") gets a frame."""
    return answer if answer.endswith(".") else f"The answer is {answer}."


def _asked(entry: dict) -> str:
    """The word or numbers a chapter-7 entry asks about: its input, else the end of its question."""
    if entry["input"]:
        return entry["input"]
    return re.fullmatch(r"What is (?:the [\w ]+ of )?(.+)\?", entry["instruction"])[1]


def wrong_answer(entry: dict) -> str:
    """A plausible wrong answer to one of chapter 7's generated entries, in the form of its output: a regular
    plural or past tense where the right one is irregular (and back), the word itself for its opposite, the word
    unchanged for a change of case, the names in their own order, a sum one too large."""
    family = task_family(entry)
    if family is None:
        raise ValueError(f"not one of chapter 7's generated entries: {entry!r}")
    asked, right = _asked(entry), entry["output"]
    if family == "plural":
        wrong = asked + ("es" if PLURALS[asked] == asked + "s" else "s")
        correct = PLURALS[asked]
    elif family == "past tense":
        regular = asked + ("d" if asked.endswith("e") else "ed")
        wrong, correct = (asked if PAST[asked] == regular else regular), PAST[asked]
    elif family == "antonym":
        correct = {**ANTONYMS, **{v: k for k, v in ANTONYMS.items()}}[asked]
        wrong = asked
    elif family == "arithmetic":
        a, b = (int(n) for n in re.split(r" \+ | plus ", asked))
        wrong, correct = str(a + b + 1), str(a + b)
    else:   # "case" and "reverse": the input as it came
        wrong, correct = asked, right
    if right == correct:
        return wrong
    return right[:-len(correct) - 1] + wrong + "."   # "... is keys." -> "... is keyes."


def preference_pair(entry: dict, r: _Rand) -> dict:
    """The entry with a chosen and a rejected response (the kind of rejection drawn with r)."""
    right, polite = _sentence(entry["output"]), r.pick(POLITE)
    kind = r.pick(KINDS)
    if kind == "rude":
        rejected = f"{r.pick(RUDE)} {right} {r.pick(RUDE_ENDINGS)}"
    elif kind == "wrong":
        rejected = f"{polite} {_sentence(wrong_answer(entry))}"
    else:
        rejected = f"{VERBOSE} {right} {VERBOSE_ENDING}"
    return {**entry, "rejected": rejected, "chosen": f"{polite} {right}"}


def rejection_kind(entry: dict) -> str | None:
    """"rude", "wrong" or "verbose" for a generated entry's rejected response; None for any other entry."""
    rejected = entry.get("rejected", "")
    if rejected.startswith(VERBOSE):
        return "verbose"
    if rejected.startswith(RUDE):
        return "rude"
    if rejected.startswith(POLITE) and rejected != entry.get("chosen"):
        return "wrong"
    return None


def generated_preference_data(n: int = 1100, seed: int = 0) -> list[dict]:
    """`n` preference entries, chapter 7's generated instructions with the same seed, the same on every machine."""
    r = _Rand(10_000 + seed)
    return [preference_pair(entry, r) for entry in generated_instruction_data(n, seed)]


def default_preference_data() -> list[dict]:
    """The course's default preference set: 1,100 generated entries, split 935/110/55 like the book's."""
    return generated_preference_data()


def load_preference_data(cache_dir: str | os.PathLike | None = None, url: str = URL, *,
                         sha256: str | None = SHA256, size: int | None = SIZE, timeout: float = 30) -> list[dict]:
    """The book's entries, read from the verified cached file as the book does (`json.load`)."""
    path = fetch_preference_data(cache_dir, url, sha256=sha256, size=size, timeout=timeout)
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, list) or not all(isinstance(e, dict) and set(KEYS) <= set(e) for e in data):
        raise ValueError(f"{path} is not a list of entries with the keys {', '.join(KEYS)}")
    return data


def fetch_preference_data(cache_dir: str | os.PathLike | None = None, url: str = URL, *,
                          sha256: str | None = SHA256, size: int | None = SIZE, timeout: float = 30) -> Path:
    """Path of the verified cached file, downloading it first if needed."""
    return fetch(url, FILENAME, sha256=sha256, size=size, cache_dir=cache_dir, timeout=timeout)
