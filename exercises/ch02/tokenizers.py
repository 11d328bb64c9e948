"""Chapter 2.2–2.4: split text into tokens, build a vocabulary, and two simple tokenizers."""
import re

# The book's splitting pattern: punctuation, double dashes and whitespace become separate pieces.
SPLIT_PATTERN = r'([,.:;?_!"()\']|--|\s)'


def split_text(text):
    """Split `text` into word and punctuation tokens (section 2.2).

    "Hello, world. Is this-- a test?" -> ['Hello', ',', 'world', '.', 'Is', 'this', '--', 'a', 'test', '?']
    """
    # TODO: re.split the text on SPLIT_PATTERN, strip each piece and drop the empty ones.
    raise NotImplementedError('re.split the text on SPLIT_PATTERN, strip each piece and drop the empty ones.')


def build_vocab(tokens):
    """Map every distinct token to an integer id, in sorted order of the tokens (section 2.3)."""
    # TODO: sort the distinct tokens and number them from 0: {token: id}.
    raise NotImplementedError('sort the distinct tokens and number them from 0: {token: id}.')


class SimpleTokenizerV1:
    """Encode text to ids and decode ids to text with a fixed vocabulary (section 2.3)."""

    def __init__(self, vocab):
        self.str_to_int = vocab
        self.int_to_str = {i: s for s, i in vocab.items()}

    def encode(self, text):
        # TODO: split the text as split_text does and look up each token's id.
        raise NotImplementedError("split the text as split_text does and look up each token's id.")

    def decode(self, ids):
        # TODO: join the tokens of `ids` with spaces, then drop the space before punctuation: re.sub(r'\s+([,.?!"()\'])', r'\1', text).
        raise NotImplementedError('join the tokens of `ids` with spaces, then drop the space before punctuation: re.sub(r\'\\s+([,.?!"()\\\'])\', r\'\\1\', text).')


def add_special_tokens(vocab):
    """A copy of `vocab` with "<|endoftext|>" and "<|unk|>" appended as the two next ids (section 2.4)."""
    # TODO: give "<|endoftext|>" the id len(vocab) and "<|unk|>" the id after it.
    raise NotImplementedError('give "<|endoftext|>" the id len(vocab) and "<|unk|>" the id after it.')


class SimpleTokenizerV2:
    """Like V1, but unknown words become <|unk|> (section 2.4)."""

    def __init__(self, vocab):
        self.str_to_int = vocab
        self.int_to_str = {i: s for s, i in vocab.items()}

    def encode(self, text):
        # TODO: split as before, replace every token missing from the vocabulary by "<|unk|>", then look up the ids.
        raise NotImplementedError('split as before, replace every token missing from the vocabulary by "<|unk|>", then look up the ids.')

    def decode(self, ids):
        # TODO: as in V1, but also drop the space before : and ; (re.sub(r'\s+([,.:;?!"()\'])', r'\1', text)).
        raise NotImplementedError('as in V1, but also drop the space before : and ; (re.sub(r\'\\s+([,.:;?!"()\\\'])\', r\'\\1\', text)).')
