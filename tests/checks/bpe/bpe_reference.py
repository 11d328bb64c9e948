"""Shared by the BPE checks: the notebook's pre-tokens, merges learned by counting each distinct word once,
and encodings with a fixed merge table, written independently of the reference solution.

Pure Python (no torch); loaded with grader.checks.sibling on both sides of the worker boundary.
"""
from __future__ import annotations

import re
from collections import Counter

END = "<|endoftext|>"
G = "\u0120"  # "Ġ", the notebook's mark for a space in front of a word


def pretokens(text: str, lines: bool = True, crlf_apart: bool = True, lone: bool = True) -> list[str]:
    """The notebook's pre-tokens: line breaks alone ("\r\n" as two), each word with one "Ġ" per space before
    it (all but the last standing alone), spaces no word follows as lone "Ġ"s; tabs and other whitespace are
    dropped, as in the notebook. The flags give known mistakes: lines=False never cuts at line breaks (they
    vanish), crlf_apart=False keeps "\r\n" whole, lone=False drops the spaces that stand alone."""
    out: list[str] = []
    chunks = re.findall(r"([^\r\n]*)(\r\n|\r|\n|$)", text) if lines else [(text, "")]
    for line, brk in chunks:
        pending = 0
        for gap, word in re.findall(r"( *)(?:[^ \S]*)(\S*)", line):
            pending += len(gap)
            if word:
                out += [G] * (pending - 1) + [G * min(pending, 1) + word]
                pending = 0
        out += [G] * pending
        if brk:
            out += list(brk) if crlf_apart else [brk]
    return [t for t in out if lone or t != G]


def base_vocab(tokens: list[str], specials=(END,)) -> list[str]:
    """The strings of the ids before any merge, in id order (train's layout)."""
    strings = list(map(chr, range(256)))
    strings += sorted(set("".join(tokens)) - set(strings))
    if G not in strings:
        strings.append(G)
    return strings + [s for s in specials if s not in strings]


def _merge(word: tuple, pair: tuple, new: int) -> tuple:
    merged, at = [], 0
    while at < len(word):
        if word[at:at + 2] == pair:
            merged.append(new)
            at += 2
        else:
            merged.append(word[at])
            at += 1
    return tuple(merged)


def pair_counts(words: dict) -> Counter:
    """Counts of neighbouring pairs, each distinct word weighted by how often it occurs; in order of first
    occurrence (words are kept in the order they first appear)."""
    counts: Counter = Counter()
    for word, n in words.items():
        for pair in zip(word, word[1:]):
            counts[pair] += n
    return counts


class Learned:
    """Merges learned from `text` up to `vocab_size`, as the notebook's train learns them; `tie` picks among
    pairs of equal count: "first" (the notebook), "last" or "largest" (known mistakes)."""

    def __init__(self, text: str, vocab_size: int, tie: str = "first", specials=(END,), steps: int | None = None):
        tokens = pretokens(text)
        self.strings = base_vocab(tokens, specials)
        ids = {s: i for i, s in enumerate(self.strings)}
        self.words = dict(Counter(tuple(ids[c] for c in t) for t in tokens))
        self.merges: list[tuple[int, int]] = []
        self.counts: list[int] = []
        while len(self.strings) < vocab_size and (steps is None or len(self.merges) < steps):
            counts = pair_counts(self.words)
            if len(counts) == 0:
                break
            top = max(counts.values())
            tied = [p for p, n in counts.items() if n == top]
            pair = {"first": tied[0], "last": tied[-1], "largest": max(tied)}[tie]
            new = len(self.strings)
            self.words = {_merge(w, pair, new): n for w, n in self.words.items()}
            self.merges.append(pair)
            self.counts.append(top)
            self.strings.append(self.strings[pair[0]] + self.strings[pair[1]])

    def state(self) -> tuple[dict, dict, dict]:
        """(vocab, inverse_vocab, bpe_merges) as BPETokenizerSimple holds them."""
        vocab = dict(enumerate(self.strings))
        merges = {pair: self.first_merge_id + k for k, pair in enumerate(self.merges)}
        return vocab, {s: i for i, s in vocab.items()}, merges

    @property
    def first_merge_id(self) -> int:
        return len(self.strings) - len(self.merges)

    def encode(self, text: str, order: str = "rank", lookup: bool = True) -> list[int]:
        """Ids of `text` with these merges, END where it stands (allowed): whole pre-tokens of the vocabulary
        by their id (unless lookup=False), the others merged lowest id first (order="rank", tiktoken's way),
        by the notebook's repeated left-to-right sweeps (order="sweep") or not at all (order="none")."""
        ids = {s: i for i, s in enumerate(self.strings)}
        merged = {pair: self.first_merge_id + k for k, pair in enumerate(self.merges)}
        merge = {"rank": _by_rank, "sweep": _by_sweeps, "none": lambda word, _: word}[order]
        out: list[int] = []
        for n, piece in enumerate(text.split(END)):
            if n:
                out.append(ids[END])
            for token in pretokens(piece):
                if lookup and token in ids:
                    out.append(ids[token])
                else:
                    out += merge([ids[c] for c in token], merged)
        return out


def _by_rank(word: list[int], merged: dict) -> list[int]:
    while len(word) > 1:
        pair = min(zip(word, word[1:]), key=lambda p: merged.get(p, float("inf")))
        if pair not in merged:
            break
        word = list(_merge(tuple(word), pair, merged[pair]))
    return word


def _by_sweeps(word: list[int], merged: dict) -> list[int]:
    changed = True
    while changed and len(word) > 1:
        changed, out, i = False, [], 0
        while i < len(word):
            if i + 1 < len(word) and (word[i], word[i + 1]) in merged:
                out.append(merged[(word[i], word[i + 1])])
                i += 2
                changed = True
            else:
                out.append(word[i])
                i += 1
        word = out
    return word


# ---------------------------------------------------------------- GPT-2's byte level
# OpenAI's encoder.py cuts text with this pattern; LOOSE_WHITESPACE is the same without the look-ahead that
# leaves the last space of a run to the word after it (a known mistake).
GPT2_SPLIT = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LOOSE_WHITESPACE = GPT2_SPLIT.replace(r"|\s+(?!\S)", "")


def gpt2_alphabet() -> dict[int, str]:
    """{byte: character}: printable Latin-1 bytes as themselves, the 68 others as chr(256), chr(257), ... in order."""
    keeps = set(range(0x21, 0x7F)) | set(range(0xA1, 0xAD)) | set(range(0xAE, 0x100))
    moved = iter(range(256, 512))
    return {b: chr(b) if b in keeps else chr(next(moved)) for b in range(256)}


def gpt2_pieces(text: str, pattern: str = GPT2_SPLIT, as_bytes: bool = True) -> list[str]:
    """GPT-2's pre-tokens of `text`, each piece's UTF-8 bytes in the alphabet above (as_bytes=False: the raw
    characters, a known mistake)."""
    import regex
    alphabet = gpt2_alphabet()
    pieces = regex.findall(pattern, text)
    return ["".join(alphabet[b] for b in p.encode("utf-8")) for p in pieces] if as_bytes else pieces
