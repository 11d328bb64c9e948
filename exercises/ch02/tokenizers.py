"""Chapter 2.2–2.4: split text into tokens, build a vocabulary, and two simple tokenizers."""
import re

# The book's splitting pattern: punctuation, double dashes and whitespace become separate pieces.
SPLIT_PATTERN = r'([,.:;?_!"()\']|--|\s)'


def split_text(text):
    """Split `text` into word and punctuation tokens (section 2.2).

    "Hello, world. Is this-- a test?" -> ['Hello', ',', 'world', '.', 'Is', 'this', '--', 'a', 'test', '?']
    """
    # TODO: return the tokens of `text` in order, a list of str: the words between the separators of
    #       SPLIT_PATTERN and the separators themselves, none of them empty or whitespace
    #       (section 2.2).
    raise NotImplementedError('split_text: not written yet, see the TODO above')


def build_vocab(tokens):
    """Map every distinct token to an integer id, in sorted order of the tokens (section 2.3)."""
    # TODO: return a dict {token: id} with one entry per distinct token of `tokens`, the ids 0, 1,
    #       2, ... following the sorted order of the tokens (section 2.3).
    raise NotImplementedError('build_vocab: not written yet, see the TODO above')


class SimpleTokenizerV1:
    """Encode text to ids and decode ids to text with a fixed vocabulary (section 2.3)."""

    def __init__(self, vocab):
        self.str_to_int = vocab
        self.int_to_str = {i: s for s, i in vocab.items()}

    def encode(self, text):
        # TODO: return the list of ids (ints) of `text`: its tokens, as split_text finds them, each
        #       mapped to its id in the vocabulary (section 2.3).
        raise NotImplementedError('SimpleTokenizerV1: not written yet, see the TODO above')

    def decode(self, ids):
        # TODO: return the text (a str) of the list of ids: their tokens separated by single spaces,
        #       except that no space comes before the marks , . ? ! " ( ) and ' (section 2.3).
        raise NotImplementedError('SimpleTokenizerV1: not written yet, see the TODO above')


def add_special_tokens(vocab):
    """A copy of `vocab` with "<|endoftext|>" and "<|unk|>" appended as the two next ids (section 2.4)."""
    # TODO: return a new dict: every entry of `vocab`, then "<|endoftext|>" and "<|unk|>" with the
    #       two ids after the last one, in that order; `vocab` itself stays as it was (section 2.4).
    raise NotImplementedError('add_special_tokens: not written yet, see the TODO above')


class SimpleTokenizerV2:
    """Like V1, but unknown words become <|unk|> (section 2.4)."""

    def __init__(self, vocab):
        self.str_to_int = vocab
        self.int_to_str = {i: s for s, i in vocab.items()}

    def encode(self, text):
        # TODO: return the list of ids of `text` as V1 does, except that a token missing from the
        #       vocabulary gets the id of "<|unk|>" (section 2.4).
        raise NotImplementedError('SimpleTokenizerV2: not written yet, see the TODO above')

    def decode(self, ids):
        # TODO: return the text of the list of ids as V1 does, except that : and ; also lose the
        #       space before them (section 2.4).
        raise NotImplementedError('SimpleTokenizerV2: not written yet, see the TODO above')
