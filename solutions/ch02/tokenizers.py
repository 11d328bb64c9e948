"""Chapter 2.2–2.4: split text into tokens, build a vocabulary, and two simple tokenizers."""
import re

# The book's splitting pattern: punctuation, double dashes and whitespace become separate pieces.
SPLIT_PATTERN = r'([,.:;?_!"()\']|--|\s)'


def split_text(text):
    """Split `text` into word and punctuation tokens (section 2.2).

    "Hello, world. Is this-- a test?" -> ['Hello', ',', 'world', '.', 'Is', 'this', '--', 'a', 'test', '?']
    """
    ### BEGIN SOLUTION: re.split the text on SPLIT_PATTERN, strip each piece and drop the empty ones.
    pieces = re.split(SPLIT_PATTERN, text)
    return [piece.strip() for piece in pieces if piece.strip()]
    ### END SOLUTION


def build_vocab(tokens):
    """Map every distinct token to an integer id, in sorted order of the tokens (section 2.3)."""
    ### BEGIN SOLUTION: sort the distinct tokens and number them from 0: {token: id}.
    return {token: i for i, token in enumerate(sorted(set(tokens)))}
    ### END SOLUTION


class SimpleTokenizerV1:
    """Encode text to ids and decode ids to text with a fixed vocabulary (section 2.3)."""

    def __init__(self, vocab):
        self.str_to_int = vocab
        self.int_to_str = {i: s for s, i in vocab.items()}

    def encode(self, text):
        ### BEGIN SOLUTION: split the text as split_text does and look up each token's id.
        return [self.str_to_int[token] for token in split_text(text)]
        ### END SOLUTION

    def decode(self, ids):
        ### BEGIN SOLUTION: join the tokens of `ids` with spaces, then drop the space before punctuation: re.sub(r'\s+([,.?!"()\'])', r'\1', text).
        text = " ".join(self.int_to_str[i] for i in ids)
        return re.sub(r'\s+([,.?!"()\'])', r"\1", text)
        ### END SOLUTION


def add_special_tokens(vocab):
    """A copy of `vocab` with "<|endoftext|>" and "<|unk|>" appended as the two next ids (section 2.4)."""
    ### BEGIN SOLUTION: give "<|endoftext|>" the id len(vocab) and "<|unk|>" the id after it.
    extended = dict(vocab)
    for token in ("<|endoftext|>", "<|unk|>"):
        extended[token] = len(extended)
    return extended
    ### END SOLUTION


class SimpleTokenizerV2:
    """Like V1, but unknown words become <|unk|> (section 2.4)."""

    def __init__(self, vocab):
        self.str_to_int = vocab
        self.int_to_str = {i: s for s, i in vocab.items()}

    def encode(self, text):
        ### BEGIN SOLUTION: split as before, replace every token missing from the vocabulary by "<|unk|>", then look up the ids.
        tokens = [t if t in self.str_to_int else "<|unk|>" for t in split_text(text)]
        return [self.str_to_int[t] for t in tokens]
        ### END SOLUTION

    def decode(self, ids):
        ### BEGIN SOLUTION: as in V1, but also drop the space before : and ; (re.sub(r'\s+([,.:;?!"()\'])', r'\1', text)).
        text = " ".join(self.int_to_str[i] for i in ids)
        return re.sub(r'\s+([,.:;?!"()\'])', r"\1", text)
        ### END SOLUTION
