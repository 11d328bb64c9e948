"""Instruction data for chapter 7: the course's own generated set (the default) and the book's file.

`default_instruction_data()` returns 1,100 entries shaped like the book's (`instruction`,
`input`, `output`; `input` may be empty), generated deterministically by the course's fixed-seed
generator, so every machine gets the same list. Six regular task families, drawn in turn at random,
each asked in two ways, with and without an input:

    plural       "What is the plural of key?" / ""          -> "The plural of key is keys."
                 "Give the plural form of the word." / "jar" -> "jars"
    antonym      "What is the opposite of early?" / ""      -> "The opposite of early is late."
    case         "Convert the word to uppercase." / "attic" -> "ATTIC" (and back to lowercase)
    arithmetic   "What is 3 plus 4?" / ""                   -> "3 plus 4 is 7."; "Add the two numbers." / "3 + 4"
    reverse      "Reverse the order of the names." / "Mara, Theo, Lena" -> "Lena, Theo, Mara"
    past tense   "What is the past tense of find?" / ""     -> "The past tense of find is found."

The word lists are short (7 to 10 words a family, sums of 1 to 5) and mostly the words of the
course's story, which chapter 5's small GPT was pretrained on: it knows them, and each comes back
often enough to be learnt in a few epochs on a CPU. Entries repeat (281 distinct ones), so scores
on the test part mostly measure how well the families were learnt; the reversals (336 possible)
also test a rule on names the model may not have seen in that order.

`load_instruction_data()` returns the book's 1,100 entries instead (a JSON list, read with
`json.load` as the book does), downloaded once into the course cache and verified by size and
sha256: `python -m course_data download instruction-data`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .download import Source, fetch
from .text import _Rand

URL = "https://raw.githubusercontent.com/rasbt/LLMs-from-scratch/main/ch07/01_main-chapter-code/instruction-data.json"
FILENAME = "instruction-data.json"
SIZE = 203_524
SHA256 = "7e09a9af353722ca15c18bc580f093f9c39d3178335a75177319cb1e1d163944"
KEYS = ("instruction", "input", "output")

INSTRUCTION_DATA = Source(name="instruction-data", url=URL, filename=FILENAME, size=SIZE, sha256=SHA256,
                          about="ch07: the book's 1,100 instruction/input/output entries (JSON)")

# Small word lists, mostly from the course's story (course_data.text), which chapter 5's small GPT was
# pretrained on: the words are ones it knows, and each comes back often enough to be learnt in minutes.
PAST = {"find": "found", "hide": "hid", "paint": "painted", "sell": "sold", "study": "studied",
        "carry": "carried", "forget": "forgot", "admire": "admired", "burn": "burned", "keep": "kept"}
PLURALS = {"portrait": "portraits", "frame": "frames", "letter": "letters", "key": "keys", "jar": "jars",
           "easel": "easels", "canvas": "canvases", "photograph": "photographs"}
ANTONYMS = {"hot": "cold", "big": "small", "early": "late", "open": "closed", "happy": "sad", "full": "empty",
            "light": "dark", "old": "new"}
PLACES = ["studio", "terrace", "gallery", "harbour", "garden", "attic", "station"]
NAMES = ["Mara", "Theo", "Lena", "Jasper", "Ada", "Nico", "Vera", "Otto"]


def _past(r: _Rand) -> dict:
    verb = r.pick(list(PAST))
    if r.below(3) == 2:
        return _entry("Give the past tense of the verb.", verb, PAST[verb])
    return _entry(f"What is the past tense of {verb}?", "", f"The past tense of {verb} is {PAST[verb]}.")


def _plural(r: _Rand) -> dict:
    word = r.pick(list(PLURALS))
    if r.below(3) == 2:
        return _entry("Give the plural form of the word.", word, PLURALS[word])
    return _entry(f"What is the plural of {word}?", "", f"The plural of {word} is {PLURALS[word]}.")


def _antonym(r: _Rand) -> dict:
    pairs = list(ANTONYMS.items())
    word, opposite = pairs[r.below(len(pairs))]
    if r.below(2):
        word, opposite = opposite, word
    if r.below(3) == 2:
        return _entry("Give an antonym of the word.", word, opposite)
    return _entry(f"What is the opposite of {word}?", "", f"The opposite of {word} is {opposite}.")


def _case(r: _Rand) -> dict:
    place = r.pick(PLACES)
    if r.below(2):
        return _entry("Convert the word to uppercase.", place, place.upper())
    return _entry("Convert the word to lowercase.", place.upper(), place)


def _arithmetic(r: _Rand) -> dict:
    a, b = 1 + r.below(5), 1 + r.below(5)
    if r.below(3) == 2:
        return _entry("Add the two numbers.", f"{a} + {b}", str(a + b))
    return _entry(f"What is {a} plus {b}?", "", f"{a} plus {b} is {a + b}.")


def _reverse(r: _Rand) -> dict:
    names = []
    while len(names) < 3:
        name = r.pick(NAMES)
        if name not in names:
            names.append(name)
    return _entry("Reverse the order of the names.", ", ".join(names), ", ".join(reversed(names)))


FAMILIES = {"plural": _plural, "antonym": _antonym, "case": _case, "arithmetic": _arithmetic,
            "reverse": _reverse, "past tense": _past}


def task_family(entry: dict) -> str | None:
    """Which of FAMILIES a generated entry belongs to (None for other entries), read from its instruction."""
    text = entry.get("instruction", "")
    for family, words in (("plural", "plural"), ("antonym", ("antonym", "opposite")), ("case", "case."),
                          ("arithmetic", ("numbers", "plus")), ("reverse", "Reverse"),
                          ("past tense", "past tense")):
        if any(w in text for w in ((words,) if isinstance(words, str) else words)):
            return family
    return None


def _entry(instruction: str, input: str, output: str) -> dict:
    return {"instruction": instruction, "input": input, "output": output}


def generated_instruction_data(n: int = 1100, seed: int = 0) -> list[dict]:
    """`n` entries of the six task families above, the same on every machine for the same seed."""
    r = _Rand(seed)
    makers = list(FAMILIES.values())
    return [r.pick(makers)(r) for _ in range(n)]


def default_instruction_data() -> list[dict]:
    """The course's default instruction set: 1,100 generated entries, split 935/110/55 like the book's."""
    return generated_instruction_data()


def load_instruction_data(cache_dir: str | os.PathLike | None = None, url: str = URL, *,
                          sha256: str | None = SHA256, size: int | None = SIZE, timeout: float = 30) -> list[dict]:
    """The book's entries, read from the verified cached file as the book does (`json.load`)."""
    path = fetch_instruction_data(cache_dir, url, sha256=sha256, size=size, timeout=timeout)
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, list) or not all(isinstance(e, dict) and set(KEYS) <= set(e) for e in data):
        raise ValueError(f"{path} is not a list of entries with the keys {', '.join(KEYS)}")
    return data


def fetch_instruction_data(cache_dir: str | os.PathLike | None = None, url: str = URL, *,
                           sha256: str | None = SHA256, size: int | None = SIZE, timeout: float = 30) -> Path:
    """Path of the verified cached file, downloading it first if needed."""
    return fetch(url, FILENAME, sha256=sha256, size=size, cache_dir=cache_dir, timeout=timeout)
