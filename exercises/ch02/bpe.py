"""Chapter 2.5: byte pair encoding with GPT-2's tokenizer from tiktoken, and exercise 2.1."""
import tiktoken


def bpe_encode(text):
    """GPT-2 BPE token ids of `text`; "<|endoftext|>" in the text becomes its special id 50256 (section 2.5)."""
    # TODO: return the ids (a list of int) that GPT-2's BPE tokenizer from tiktoken gives `text`;
    #       "<|endoftext|>" in the text is allowed and becomes the one id 50256 (section 2.5).
    raise NotImplementedError('bpe_encode: not written yet, see the TODO above')


def bpe_decode(ids):
    """The text that the GPT-2 token ids `ids` stand for (section 2.5)."""
    # TODO: return the text (a str) that GPT-2's BPE tokenizer decodes from the list of ids,
    #       character for character, accents included (section 2.5).
    raise NotImplementedError('bpe_decode: not written yet, see the TODO above')


def bpe_pieces(text):
    """Exercise 2.1: how BPE handles words it has never seen, e.g. "Akwirw ier".

    Returns (ids, pieces, decoded): the token ids of `text`, the string each id stands for on
    its own, and the text decoded back from all the ids (it should equal `text` exactly).
    """
    # TODO: return the tuple (ids, pieces, decoded) for `text` with GPT-2's BPE tokenizer: ids a
    #       list of int, pieces one str per id (what that id decodes to on its own), decoded a str
    #       (exercise 2.1).
    raise NotImplementedError('bpe_pieces: not written yet, see the TODO above')
