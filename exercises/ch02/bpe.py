"""Chapter 2.5: byte pair encoding with GPT-2's tokenizer from tiktoken, and exercise 2.1."""
import tiktoken


def bpe_encode(text):
    """GPT-2 BPE token ids of `text`; "<|endoftext|>" in the text becomes its special id 50256 (section 2.5)."""
    # TODO: tiktoken.get_encoding("gpt2"), then encode the text with allowed_special={"<|endoftext|>"}.
    raise NotImplementedError('tiktoken.get_encoding("gpt2"), then encode the text with allowed_special={"<|endoftext|>"}.')


def bpe_decode(ids):
    """The text that the GPT-2 token ids `ids` stand for (section 2.5)."""
    # TODO: decode the whole list of ids at once with the GPT-2 tokenizer's decode.
    raise NotImplementedError("decode the whole list of ids at once with the GPT-2 tokenizer's decode.")


def bpe_pieces(text):
    """Exercise 2.1: how BPE handles words it has never seen, e.g. "Akwirw ier".

    Returns (ids, pieces, decoded): the token ids of `text`, the string each id stands for on
    its own, and the text decoded back from all the ids (it should equal `text` exactly).
    """
    # TODO: encode the text, decode each id on its own (a list of one id, [ id ]) into a piece, and decode all ids back.
    raise NotImplementedError('encode the text, decode each id on its own (a list of one id, [ id ]) into a piece, and decode all ids back.')
