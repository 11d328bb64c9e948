"""Instruction data for chapter 7: the course's own generated set (the default) and the book's file.

`default_instruction_data()` returns 1,100 entries shaped like the book's (`instruction`,
`input`, `output`; `input` may be empty), generated deterministically from word lists of our
own by the course's fixed-seed generator, so every machine gets the same list. Six regular task
families, drawn in turn at random, each with two or three phrasings, with and without an input:

    plural       "Give the plural form of the word." / "box"         -> "boxes"
                 "What is the plural of 'mouse'?" / ""                -> "The plural of 'mouse' is 'mice'."
    antonym      "Give an antonym of the word." / "early"            -> "late"
    case         "Convert the word to uppercase." / "river"          -> "RIVER" (and back to lowercase)
    arithmetic   "Add the two numbers." / "3 + 4"                    -> "7"; subtraction; "What is 6 plus 2?"
    reverse      "Reverse the order of the words." / "red, fox, owl" -> "owl, fox, red"
    past tense   "Give the past tense of the verb." / "carry"        -> "carried"

A small GPT learns these in minutes on a CPU: the answers are short, the words come from fixed
lists (a mapping to memorise), and arithmetic and reversal follow rules. Items repeat across
the book's 85/10/5 split, as they would in any set this regular; scores on the test part
therefore measure how well the model learnt the families, not generalisation to new words.

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

PLURALS = {"cat": "cats", "dog": "dogs", "book": "books", "tree": "trees", "bird": "birds", "chair": "chairs",
           "house": "houses", "apple": "apples", "river": "rivers", "cloud": "clouds", "door": "doors",
           "road": "roads", "star": "stars", "boat": "boats", "lamp": "lamps", "hat": "hats", "box": "boxes",
           "bus": "buses", "dish": "dishes", "glass": "glasses", "church": "churches", "fox": "foxes",
           "city": "cities", "baby": "babies", "party": "parties", "story": "stories", "leaf": "leaves",
           "knife": "knives", "wolf": "wolves", "child": "children", "mouse": "mice", "foot": "feet",
           "tooth": "teeth", "man": "men", "woman": "women", "goose": "geese", "sheep": "sheep", "fish": "fish"}
ANTONYMS = {"hot": "cold", "big": "small", "fast": "slow", "early": "late", "happy": "sad", "light": "dark",
            "open": "closed", "full": "empty", "high": "low", "long": "short", "hard": "soft", "old": "new",
            "rich": "poor", "strong": "weak", "wet": "dry", "loud": "quiet", "clean": "dirty", "thick": "thin",
            "near": "far", "first": "last", "true": "false", "up": "down", "inside": "outside", "day": "night"}
PAST = {"walk": "walked", "jump": "jumped", "play": "played", "open": "opened", "carry": "carried",
        "study": "studied", "stop": "stopped", "plan": "planned", "go": "went", "see": "saw", "eat": "ate",
        "run": "ran", "write": "wrote", "take": "took", "give": "gave", "sing": "sang", "swim": "swam",
        "drink": "drank", "buy": "bought", "think": "thought", "bring": "brought", "find": "found",
        "make": "made", "sleep": "slept"}
WORDS = ["red", "blue", "green", "fox", "owl", "cat", "sun", "moon", "tea", "milk", "rain", "snow", "oak",
         "pine", "salt", "gold"]


def _plural(r: _Rand) -> dict:
    word = r.pick(list(PLURALS))
    form = r.below(3)
    if form == 2:
        return _entry(f"What is the plural of '{word}'?", "", f"The plural of '{word}' is '{PLURALS[word]}'.")
    return _entry(("Give the plural form of the word.", "Write the plural of the following noun.")[form], word,
                  PLURALS[word])


def _antonym(r: _Rand) -> dict:
    pairs = list(ANTONYMS.items())
    word, opposite = pairs[r.below(len(pairs))]
    if r.below(2):
        word, opposite = opposite, word
    if r.below(3) == 2:
        return _entry(f"What is the opposite of '{word}'?", "", f"The opposite of '{word}' is '{opposite}'.")
    return _entry("Give an antonym of the word.", word, opposite)


def _case(r: _Rand) -> dict:
    word = r.pick(list(PLURALS) + WORDS)
    if r.below(2):
        return _entry("Convert the word to uppercase.", word, word.upper())
    return _entry("Convert the word to lowercase.", word.upper(), word)


def _arithmetic(r: _Rand) -> dict:
    a, b = r.below(10), r.below(10)
    form = r.below(3)
    if form == 0:
        return _entry("Add the two numbers.", f"{a} + {b}", str(a + b))
    if form == 1:
        a, b = max(a, b), min(a, b)
        return _entry("Subtract the second number from the first.", f"{a} - {b}", str(a - b))
    return _entry(f"What is {a} plus {b}?", "", f"{a} plus {b} is {a + b}.")


def _reverse(r: _Rand) -> dict:
    words = []
    while len(words) < 3:
        word = r.pick(WORDS)
        if word not in words:
            words.append(word)
    instruction = ("Reverse the order of the words.", "Write the list backwards.")[r.below(2)]
    return _entry(instruction, ", ".join(words), ", ".join(reversed(words)))


def _past(r: _Rand) -> dict:
    verb = r.pick(list(PAST))
    if r.below(3) == 2:
        return _entry(f"What is the past tense of '{verb}'?", "", f"The past tense of '{verb}' is '{PAST[verb]}'.")
    return _entry("Give the past tense of the verb.", verb, PAST[verb])


FAMILIES = {"plural": _plural, "antonym": _antonym, "case": _case, "arithmetic": _arithmetic,
            "reverse": _reverse, "past tense": _past}


def task_family(entry: dict) -> str | None:
    """Which of FAMILIES a generated entry belongs to (None for other entries), read from its instruction."""
    text = entry.get("instruction", "")
    for family, words in (("plural", "plural"), ("antonym", ("antonym", "opposite")), ("case", "case."),
                          ("arithmetic", ("numbers", "plus", "number from")), ("reverse", ("Reverse", "backwards")),
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
