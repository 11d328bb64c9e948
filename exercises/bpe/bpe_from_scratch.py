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
    # TODO: return a list of str, the pre-tokens of `text` in order (notebook §2). "\n" and "\r"
    #       are pre-tokens of their own ("\r\n" gives "\r" then "\n"); within a line, a word (a run of non-space
    #       characters) that follows k >= 1 spaces becomes k - 1 pre-tokens "Ġ" then "Ġ" + word, a word with no
    #       space before it stays as it is, and spaces that no word follows become one "Ġ" each.
    raise NotImplementedError('pretokenize_text: not written yet, see the TODO above')


def find_freq_pair(token_id_sequences, mode="most"):
    """The pair of neighbouring ids that occurs most (or least) often, or None when there is no pair."""
    # TODO: token_id_sequences is a list of lists of ids, one list per pre-token. Count every pair
    #       of neighbouring ids inside each list (never across two lists) and return the pair, a tuple
    #       (id1, id2), with the largest count (mode="most") or the smallest (mode="least"); among pairs with
    #       the same count, the one that occurs first. None when no list has two ids; ValueError for another
    #       mode (notebook §2).
    raise NotImplementedError('find_freq_pair: not written yet, see the TODO above')


def replace_pair(token_id_sequences, pair_id, new_id):
    """Every occurrence of the pair `pair_id` in each list of ids replaced by the one id `new_id`."""
    # TODO: return a new list of lists, one per list of token_id_sequences, in which each
    #       occurrence of the two neighbouring ids pair_id = (id1, id2) is replaced by new_id, scanning each list
    #       from left to right (so [a, a, a] with the pair (a, a) gives [new_id, a]); no pair spans two lists
    #       (notebook §2).
    raise NotImplementedError('replace_pair: not written yet, see the TODO above')


class BPETraining:
    """BPETokenizerSimple.train: learn merges from a text until the vocabulary has vocab_size entries."""

    def train(self, text, vocab_size, allowed_special={"<|endoftext|>"}):
        # TODO: fill self.vocab ({id: str}), self.inverse_vocab ({str: id}) and self.bpe_merges
        #       ({(id1, id2): new_id}, in the order learned) from `text` (notebook §2, §3.1). Ids 0-255 are the
        #       characters chr(0) to chr(255), then every other character of the pre-tokens (self.pretokenize_text)
        #       in sorted order, then "Ġ" if it is not there yet, then each token of allowed_special. Then, while
        #       the vocabulary is smaller than vocab_size: the most frequent pair inside the pre-tokens
        #       (self.find_freq_pair) becomes the next id (self.replace_pair), until no pair is left. A merged
        #       token's string is its two parts' strings joined.
        raise NotImplementedError('BPETraining: not written yet, see the TODO above')


class BPEEncoding:
    """BPETokenizerSimple.encode: text to ids with the learned merges, special tokens as tiktoken treats them."""

    def encode(self, text, allowed_special=None):
        # TODO: return the list of ids of `text` (notebook §3.1). A special token "<|...|>" of the
        #       vocabulary in the text is its one id when allowed_special (a set) names it, and a ValueError when
        #       it does not, as tiktoken does. The rest is split with self.pretokenize_text; a pre-token that is in
        #       the vocabulary as a whole is its id, any other goes through self.tokenize_with_bpe.
        raise NotImplementedError('BPEEncoding: not written yet, see the TODO above')

    def tokenize_with_bpe(self, token):
        # TODO: return the ids of one pre-token (a str): its characters' ids, merged with
        #       self.bpe_merges until no learned pair is left, the pair learned first (the smallest new id)
        #       merged first, as tiktoken does (the notebook's repeated left-to-right sweeps are accepted too)
        #       (notebook §3.1). A character that is not in the vocabulary is a ValueError.
        raise NotImplementedError('BPEEncoding: not written yet, see the TODO above')


class BPEDecoding:
    """BPETokenizerSimple.decode: ids back to the text."""

    def decode(self, token_ids):
        # TODO: return the text (a str) of the list of ids (notebook §3.1): each id's string in
        #       self.vocab, joined, with a leading "Ġ" read as a space; GPT-2's vocabulary (the next exercise)
        #       spells a line break "Ċ" (id 198) and a carriage return "č" (id 201), which decode to "\n" and
        #       "\r". An id that is not in the vocabulary is a ValueError.
        raise NotImplementedError('BPEDecoding: not written yet, see the TODO above')


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
        # TODO: read GPT-2's encoder.json (vocab_path: {token string: id}) into self.vocab and
        #       self.inverse_vocab, and its vocab.bpe (bpe_merges_path: a "#version" line, then one merge a line,
        #       two token strings separated by a space) into self.bpe_ranks {(str1, str2): rank}, the first merge
        #       rank 0 (notebook §3.3). GPT-2 spells "\n" and "\r" as "Ċ" (id 198) and "č" (id 201): let
        #       inverse_vocab map "\n" and "\r" to those ids too, so the pre-tokens "\n" and "\r" find them.
        raise NotImplementedError('BPETokenizerSimple: not written yet, see the TODO above')

    def tokenize_with_bpe(self, token):
        if not self.bpe_ranks:  # no GPT-2 files loaded: your own merges (BPEEncoding)
            return super().tokenize_with_bpe(token)
        # TODO: return the ids of one pre-token with GPT-2's merges (notebook §3.3): start from its
        #       characters as strings, merge the neighbouring pair with the lowest rank in self.bpe_ranks
        #       (every occurrence of it), again and again until no pair has a rank, then look the strings up in
        #       self.inverse_vocab.
        raise NotImplementedError('BPETokenizerSimple: not written yet, see the TODO above')


def bytes_to_unicode():
    """GPT-2's byte alphabet: one printable character for each of the 256 byte values."""
    # TODO: return a dict {byte (int 0-255): character (str of length 1)}, the table of OpenAI's
    #       encoder.py: the bytes of "!" to "~", "¡" to "¬" and "®" to "ÿ" stand for the character with their own
    #       code, and the 68 others (space, control characters, ...), in increasing order, for chr(256),
    #       chr(257), ... (so the space is "Ġ" = chr(288) and "\n" is "Ċ" = chr(266)).
    raise NotImplementedError('bytes_to_unicode: not written yet, see the TODO above')


class BPETokenizerGPT2(BPETokenizerSimple):
    """The notebook's tokenizer made byte-level, as GPT-2's own: any text, every byte kept, ids as tiktoken's."""

    @staticmethod
    def pretokenize_text(text):
        # TODO: return the pre-tokens of `text` as GPT-2 cuts it: the pieces GPT2_PATTERN finds
        #       (regex.findall; the `regex` package knows \p{L} and \p{N}), each piece's UTF-8 bytes written
        #       with the characters of bytes_to_unicode() ("naïve" -> "naÃ¯ve", " x" -> "Ġx").
        raise NotImplementedError('BPETokenizerGPT2: not written yet, see the TODO above')

    def decode(self, token_ids):
        # TODO: return the text of the list of ids: their strings in self.vocab joined, each
        #       character turned back into its byte (bytes_to_unicode() read backwards), the bytes decoded as
        #       UTF-8 (errors="replace", as tiktoken does). An id not in the vocabulary is a ValueError.
        raise NotImplementedError('BPETokenizerGPT2: not written yet, see the TODO above')


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
