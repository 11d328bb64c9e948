"""Byte pair encoding from scratch, after the book repository's bonus notebook bpe-from-scratch.ipynb.

The notebook's tokenizer is one class, BPETokenizerSimple; here its methods come in parts you write one at
a time: three helpers (pre-tokenise, count pairs, merge a pair), then training, encoding and decoding, each
in a small class that BPETokenizerSimple combines, then GPT-2's own vocabulary and merges, and last the
byte-level pre-tokeniser that makes any text encode exactly as tiktoken's GPT-2 does.
"""
import json
import math
import re
from collections import Counter

import regex

# GPT-2's pre-tokeniser (OpenAI's encoder.py): contractions, letters, digits and other symbols, each run
# with at most one space in front of it, and whitespace that does not precede a word.
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def pretokenize_text(text):
    """The pieces BPE works inside: words with their leading space written "Ġ", line breaks on their own."""
    ### BEGIN SOLUTION: return a list of str, the pre-tokens of `text` in order (notebook §2). "\n" and "\r"
    ### are pre-tokens of their own ("\r\n" gives "\r" then "\n"); within a line, a word (a run of non-space
    ### characters) that follows k >= 1 spaces becomes k - 1 pre-tokens "Ġ" then "Ġ" + word, a word with no
    ### space before it stays as it is, and spaces that no word follows become one "Ġ" each.
    tokens = []
    for part in re.split(r"(\r\n|\r|\n)", text):
        if part == "\r\n":
            tokens += ["\r", "\n"]
        elif part in ("\r", "\n"):
            tokens.append(part)
        else:
            spaces = 0
            for run in re.findall(r" +|\S+", part):
                if run.startswith(" "):
                    spaces += len(run)
                    continue
                tokens += ["Ġ"] * (spaces - 1) + ["Ġ" + run] if spaces else [run]
                spaces = 0
            tokens += ["Ġ"] * spaces
    return tokens
    ### END SOLUTION


def find_freq_pair(token_id_sequences, mode="most"):
    """The pair of neighbouring ids that occurs most (or least) often, or None when there is no pair."""
    ### BEGIN SOLUTION: token_id_sequences is a list of lists of ids, one list per pre-token. Count every pair
    ### of neighbouring ids inside each list (never across two lists) and return the pair, a tuple
    ### (id1, id2), with the largest count (mode="most") or the smallest (mode="least"); among pairs with
    ### the same count, the one that occurs first. None when no list has two ids; ValueError for another
    ### mode (notebook §2).
    counts = Counter()
    for ids in token_id_sequences:
        counts.update(zip(ids, ids[1:]))
    if not counts:
        return None
    if mode == "most":
        return max(counts, key=counts.get)
    if mode == "least":
        return min(counts, key=counts.get)
    raise ValueError(f"mode must be 'most' or 'least', not {mode!r}")
    ### END SOLUTION


def replace_pair(token_id_sequences, pair_id, new_id):
    """Every occurrence of the pair `pair_id` in each list of ids replaced by the one id `new_id`."""
    ### BEGIN SOLUTION: return a new list of lists, one per list of token_id_sequences, in which each
    ### occurrence of the two neighbouring ids pair_id = (id1, id2) is replaced by new_id, scanning each list
    ### from left to right (so [a, a, a] with the pair (a, a) gives [new_id, a]); no pair spans two lists
    ### (notebook §2).
    first, second = pair_id
    merged = []
    for ids in token_id_sequences:
        out, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and ids[i] == first and ids[i + 1] == second:
                out.append(new_id)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        merged.append(out)
    return merged
    ### END SOLUTION


class BPETraining:
    """BPETokenizerSimple.train: learn merges from a text until the vocabulary has vocab_size entries."""

    def train(self, text, vocab_size, allowed_special={"<|endoftext|>"}):
        ### BEGIN SOLUTION: fill self.vocab ({id: str}), self.inverse_vocab ({str: id}) and self.bpe_merges
        ### ({(id1, id2): new_id}, in the order learned) from `text` (notebook §2, §3.1). Ids 0-255 are the
        ### characters chr(0) to chr(255), then every other character of the pre-tokens (self.pretokenize_text)
        ### in sorted order, then "Ġ" if it is not there yet, then each token of allowed_special. Then, while
        ### the vocabulary is smaller than vocab_size: the most frequent pair inside the pre-tokens
        ### (self.find_freq_pair) becomes the next id (self.replace_pair), until no pair is left. A merged
        ### token's string is its two parts' strings joined.
        tokens = self.pretokenize_text(text)
        chars = [chr(i) for i in range(256)]
        chars += sorted({c for token in tokens for c in token} - set(chars))
        if "Ġ" not in chars:
            chars.append("Ġ")
        self.vocab = dict(enumerate(chars))
        self.inverse_vocab = {c: i for i, c in self.vocab.items()}
        for special in allowed_special or ():
            if special not in self.inverse_vocab:
                self.inverse_vocab[special] = len(self.vocab)
                self.vocab[len(self.vocab)] = special

        sequences = [[self.inverse_vocab[c] for c in token] for token in tokens]
        for new_id in range(len(self.vocab), vocab_size):
            pair = self.find_freq_pair(sequences, mode="most")
            if pair is None:
                break
            sequences = self.replace_pair(sequences, pair, new_id)
            self.bpe_merges[pair] = new_id
            self.vocab[new_id] = self.vocab[pair[0]] + self.vocab[pair[1]]
            self.inverse_vocab[self.vocab[new_id]] = new_id
        ### END SOLUTION


class BPEEncoding:
    """BPETokenizerSimple.encode: text to ids with the learned merges, special tokens as tiktoken treats them."""

    def encode(self, text, allowed_special=None):
        ### BEGIN SOLUTION: return the list of ids of `text` (notebook §3.1). A special token "<|...|>" of the
        ### vocabulary in the text is its one id when allowed_special (a set) names it, and a ValueError when
        ### it does not, as tiktoken does. The rest is split with self.pretokenize_text; a pre-token that is in
        ### the vocabulary as a whole is its id, any other goes through self.tokenize_with_bpe.
        specials = {t for t in self.inverse_vocab if t.startswith("<|") and t.endswith("|>")}
        allowed = set(allowed_special or ())
        refused = sorted(t for t in specials - allowed if t in text)
        if refused:
            raise ValueError(f"special tokens in the text that allowed_special does not allow: {refused}")
        pieces = [text]
        if allowed:
            longest_first = sorted(allowed, key=len, reverse=True)
            pieces = re.split("(" + "|".join(map(re.escape, longest_first)) + ")", text)
        ids = []
        for i, piece in enumerate(pieces):
            if i % 2 == 1:  # re.split puts the special tokens it matched at the odd positions
                if piece not in self.inverse_vocab:
                    raise ValueError(f"the special token {piece} is not in the vocabulary")
                ids.append(self.inverse_vocab[piece])
                continue
            for token in self.pretokenize_text(piece):
                if token in self.inverse_vocab:
                    ids.append(self.inverse_vocab[token])
                else:
                    ids += self.tokenize_with_bpe(token)
        return ids
        ### END SOLUTION

    def tokenize_with_bpe(self, token):
        ### BEGIN SOLUTION: return the ids of one pre-token (a str): its characters' ids, merged with
        ### self.bpe_merges until no learned pair is left, the pair learned first (the smallest new id)
        ### merged first, as tiktoken does (the notebook's repeated left-to-right sweeps are accepted too)
        ### (notebook §3.1). A character that is not in the vocabulary is a ValueError.
        missing = [c for c in token if c not in self.inverse_vocab]
        if missing:
            raise ValueError(f"characters not in the vocabulary: {missing}")
        ids = [self.inverse_vocab[c] for c in token]
        while len(ids) > 1:
            pair = min(zip(ids, ids[1:]), key=lambda p: self.bpe_merges.get(p, math.inf))
            if pair not in self.bpe_merges:
                break
            ids = replace_pair([ids], pair, self.bpe_merges[pair])[0]
        return ids
        ### END SOLUTION


class BPEDecoding:
    """BPETokenizerSimple.decode: ids back to the text."""

    def decode(self, token_ids):
        ### BEGIN SOLUTION: return the text (a str) of the list of ids (notebook §3.1): each id's string in
        ### self.vocab, joined, with a leading "Ġ" read as a space; GPT-2's vocabulary (the next exercise)
        ### spells a line break "Ċ" (id 198) and a carriage return "č" (id 201), which decode to "\n" and
        ### "\r". An id that is not in the vocabulary is a ValueError.
        parts = []
        for token_id in token_ids:
            if token_id not in self.vocab:
                raise ValueError(f"token id {token_id} is not in the vocabulary")
            token = {"Ċ": "\n", "č": "\r"}.get(self.vocab[token_id], self.vocab[token_id])
            parts.append(" " + token[1:] if token.startswith("Ġ") else token)
        return "".join(parts)
        ### END SOLUTION


class BPETokenizerSimple(BPETraining, BPEEncoding, BPEDecoding):
    """The notebook's tokenizer: its state, your three parts above, and GPT-2's own files (notebook §3.3)."""

    pretokenize_text = staticmethod(pretokenize_text)
    find_freq_pair = staticmethod(find_freq_pair)
    replace_pair = staticmethod(replace_pair)

    def __init__(self):
        self.vocab = {}          # id -> token string, e.g. {11246: "some"}
        self.inverse_vocab = {}  # token string -> id
        self.bpe_merges = {}     # (id1, id2) -> merged id, from train()
        self.bpe_ranks = {}      # (str1, str2) -> rank (lower merges first), from GPT-2's vocab.bpe

    def load_vocab_and_merges_from_openai(self, vocab_path, bpe_merges_path):
        ### BEGIN SOLUTION: read GPT-2's encoder.json (vocab_path: {token string: id}) into self.vocab and
        ### self.inverse_vocab, and its vocab.bpe (bpe_merges_path: a "#version" line, then one merge a line,
        ### two token strings separated by a space) into self.bpe_ranks {(str1, str2): rank}, the first merge
        ### rank 0 (notebook §3.3). GPT-2 spells "\n" and "\r" as "Ċ" (id 198) and "č" (id 201): let
        ### inverse_vocab map "\n" and "\r" to those ids too, so the pre-tokens "\n" and "\r" find them.
        with open(vocab_path, encoding="utf-8") as f:
            self.inverse_vocab = json.load(f)
        self.vocab = {i: token for token, i in self.inverse_vocab.items()}
        self.inverse_vocab["\n"] = self.inverse_vocab["Ċ"]
        self.inverse_vocab["\r"] = self.inverse_vocab["č"]
        with open(bpe_merges_path, encoding="utf-8") as f:
            merges = [line.split() for line in f.read().splitlines()[1:] if line.strip()]
        self.bpe_ranks = {(first, second): rank for rank, (first, second) in enumerate(merges)}
        ### END SOLUTION

    def tokenize_with_bpe(self, token):
        if not self.bpe_ranks:  # no GPT-2 files loaded: your own merges (BPEEncoding)
            return super().tokenize_with_bpe(token)
        ### BEGIN SOLUTION: return the ids of one pre-token with GPT-2's merges (notebook §3.3): start from its
        ### characters as strings, merge the neighbouring pair with the lowest rank in self.bpe_ranks
        ### (every occurrence of it), again and again until no pair has a rank, then look the strings up in
        ### self.inverse_vocab.
        symbols = list(token)
        while len(symbols) > 1:
            pair = min(zip(symbols, symbols[1:]), key=lambda p: self.bpe_ranks.get(p, math.inf))
            if pair not in self.bpe_ranks:
                break
            merged, i = [], 0
            while i < len(symbols):
                if tuple(symbols[i:i + 2]) == pair:
                    merged.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        return [self.inverse_vocab[s] for s in symbols]
        ### END SOLUTION


def bytes_to_unicode():
    """GPT-2's byte alphabet: one printable character for each of the 256 byte values."""
    ### BEGIN SOLUTION: return a dict {byte (int 0-255): character (str of length 1)}, the table of OpenAI's
    ### encoder.py: the bytes of "!" to "~", "¡" to "¬" and "®" to "ÿ" stand for the character with their own
    ### code, and the 68 others (space, control characters, ...), in increasing order, for chr(256),
    ### chr(257), ... (so the space is "Ġ" = chr(288) and "\n" is "Ċ" = chr(266)).
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table = {b: chr(b) for b in printable}
    others = [b for b in range(256) if b not in table]
    table.update({b: chr(256 + n) for n, b in enumerate(others)})
    return dict(sorted(table.items()))
    ### END SOLUTION


class BPETokenizerGPT2(BPETokenizerSimple):
    """The notebook's tokenizer made byte-level, as GPT-2's own: any text, every byte kept, ids as tiktoken's."""

    @staticmethod
    def pretokenize_text(text):
        ### BEGIN SOLUTION: return the pre-tokens of `text` as GPT-2 cuts it: the pieces GPT2_PATTERN finds
        ### (regex.findall; the `regex` package knows \p{L} and \p{N}), each piece's UTF-8 bytes written
        ### with the characters of bytes_to_unicode() ("naïve" -> "naÃ¯ve", " x" -> "Ġx").
        alphabet = bytes_to_unicode()
        return ["".join(alphabet[b] for b in piece.encode("utf-8")) for piece in regex.findall(GPT2_PATTERN, text)]
        ### END SOLUTION

    def decode(self, token_ids):
        ### BEGIN SOLUTION: return the text of the list of ids: their strings in self.vocab joined, each
        ### character turned back into its byte (bytes_to_unicode() read backwards), the bytes decoded as
        ### UTF-8 (errors="replace", as tiktoken does). An id not in the vocabulary is a ValueError.
        unknown = [i for i in token_ids if i not in self.vocab]
        if unknown:
            raise ValueError(f"token ids not in the vocabulary: {unknown}")
        byte_of = {c: b for b, c in bytes_to_unicode().items()}
        text = "".join(self.vocab[i] for i in token_ids)
        return bytes(byte_of[c] for c in text).decode("utf-8", errors="replace")
        ### END SOLUTION


if __name__ == "__main__":
    from course_data.gpt2 import get_encoding, openai_files
    from course_data.text import default_text

    tokenizer = BPETokenizerSimple()
    tokenizer.train(default_text(), vocab_size=400)
    ids = tokenizer.encode("Mara kept the key in the studio.")
    print(f"trained: {len(tokenizer.vocab)} tokens, {len(tokenizer.bpe_merges)} merges;", ids)
    print([tokenizer.decode([i]) for i in ids])

    files = openai_files()
    gpt2 = BPETokenizerGPT2()
    gpt2.load_vocab_and_merges_from_openai(files["encoder.json"], files["vocab.bpe"])
    text = "naïve café 東京 🙂 <|endoftext|> Mara's 'subject.'"
    ours, theirs = gpt2.encode(text, allowed_special={"<|endoftext|>"}), \
        get_encoding().encode(text, allowed_special={"<|endoftext|>"})
    print("GPT-2 files:", ours, "equal to tiktoken:", ours == theirs, "round trip:", gpt2.decode(ours) == text)
