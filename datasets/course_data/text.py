"""The course's own English text, generated deterministically (no third-party text is shipped).

`story(n_paragraphs, seed)` writes a small tale about a painter's studio from a tiny grammar
with a fixed-seed generator of our own, so the text is byte-identical on every machine and
Python version. It has the punctuation the book's tokenizers care about: commas, periods,
question and exclamation marks, quotes, apostrophes, colons, semicolons and double dashes.

`default_text()` is the course's chapter-2 corpus, about the size of the book's short story;
`large_text()` is a bigger one for chapters that train. Their sha256 is pinned in the tests.
"""
from __future__ import annotations

PEOPLE = ["Mara", "Theo", "the painter", "old Jasper", "the critic", "Lena", "my cousin", "the dealer"]
PLACES = ["the studio", "the terrace", "the gallery", "the harbour", "the garden", "the attic", "the station"]
THINGS = ["a portrait", "the sketchbook", "a broken frame", "the letter", "a jar of brushes", "the easel",
          "a faded photograph", "the blue canvas", "a box of charcoal", "the key"]
VERBS = ["found", "hid", "painted", "sold", "studied", "carried", "forgot", "admired", "burned", "kept"]
MOODS = ["quietly", "at once", "without a word", "by the window", "in the rain", "before dawn", "with care"]
FEELINGS = ["tired", "curious", "proud", "uneasy", "happy", "restless", "amused", "certain"]
SAYINGS = ["Nobody paints the sea twice", "Every frame hides a story", "Light is the only honest colour",
           "I never liked that canvas", "Keep the door open", "It was finished long ago"]


class _Rand:
    """A 64-bit linear congruential generator: stable across Python versions, unlike `random`."""

    def __init__(self, seed: int):
        self.state = (seed * 6364136223846793005 + 1442695040888963407) % 2**64

    def below(self, n: int) -> int:
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % 2**64
        return (self.state >> 33) % n

    def pick(self, items):
        return items[self.below(len(items))]


def _sentence(r: _Rand) -> str:
    who, what, where = r.pick(PEOPLE), r.pick(THINGS), r.pick(PLACES)
    form = r.below(8)
    if form == 0:
        return f'"{r.pick(SAYINGS)}," said {who}.'
    if form == 1:
        return f"Had {who} {r.pick(VERBS)} {what} in {where}?"
    if form == 2:
        return f"{who.capitalize()} was {r.pick(FEELINGS)}; {what} lay in {where}."
    if form == 3:
        return f"{who.capitalize()} {r.pick(VERBS)} {what} -- {r.pick(MOODS)} -- and left {where}."
    if form == 4:
        return f"It wasn't {what} that {who} {r.pick(VERBS)}: it was something else!"
    if form == 5:
        return f"In {where}, {who} {r.pick(VERBS)} {what} {r.pick(MOODS)}."
    if form == 6:
        return f"{who.capitalize()} asked, \"Who {r.pick(VERBS)} {what}?\""
    return f"{who.capitalize()} {r.pick(VERBS)} {what}, then {r.pick(VERBS)} it again (as always)."


def story(n_paragraphs: int = 40, seed: int = 0) -> str:
    """Deterministic English prose: `n_paragraphs` paragraphs of 3–7 sentences."""
    r = _Rand(seed)
    paragraphs = []
    for _ in range(n_paragraphs):
        paragraphs.append(" ".join(_sentence(r) for _ in range(3 + r.below(5))))
    return "\n\n".join(paragraphs) + "\n"


def default_text() -> str:
    """The course's default corpus, in place of the book's story: 20,339 characters; 4,716
    tokens (122 distinct) with the book's regex split; 4,828 GPT-2 tokens."""
    return story(70, seed=0)


def large_text(n_paragraphs: int = 1000) -> str:
    """A bigger corpus for training chapters: by default 277,533 characters, 65,905 GPT-2
    tokens (about 66 a paragraph), with the same 122-token regex vocabulary."""
    return story(n_paragraphs, seed=1)
