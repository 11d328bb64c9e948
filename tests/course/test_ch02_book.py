"""The book's chapter-2 figures that need no downloaded text, reproduced by the reference solutions.

(The figures computed on the book's short story are in test_verdict_figures.py.)
"""
import pytest

import support

BOOK_SENTENCE = "Hello, do you like tea? <|endoftext|> In the sunlit terraces of someunknownPlace."
BOOK_IDS = [15496, 11, 466, 345, 588, 8887, 30, 220, 50256, 554, 262, 4252, 18250, 8812, 2114, 286, 617,
            34680, 27271, 13]


def solution(module: str):
    return support.solution("ch02", module)


@pytest.fixture(scope="module")
def bpe():
    return solution("bpe")


@pytest.fixture(scope="module")
def dataloader():
    return solution("dataloader")


def test_split_example_of_section_2_2():
    tokens = solution("tokenizers").split_text("Hello, world. Is this-- a test?")
    assert tokens == ["Hello", ",", "world", ".", "Is", "this", "--", "a", "test", "?"]


def test_special_tokens_grow_the_vocabulary_by_two():
    tok = solution("tokenizers")
    vocab = tok.build_vocab(tok.split_text("Hello, world. Is this-- a test?"))
    extended = tok.add_special_tokens(vocab)
    assert len(extended) == len(vocab) + 2
    assert list(extended)[-2:] == ["<|endoftext|>", "<|unk|>"]


def test_bpe_ids_of_the_book_sentence(bpe):
    assert bpe.bpe_encode(BOOK_SENTENCE) == BOOK_IDS


def test_bpe_decodes_the_book_sentence_back(bpe):
    assert bpe.bpe_decode(BOOK_IDS) == BOOK_SENTENCE


def test_exercise_2_1_unknown_words(bpe):
    ids, pieces, decoded = bpe.bpe_pieces("Akwirw ier")
    assert ids == [33901, 86, 343, 86, 220, 959]
    assert pieces == ["Ak", "w", "ir", "w", " ", "ier"]
    assert decoded == "Akwirw ier"


def test_dataset_windows_and_shifted_targets(dataloader):
    from course_data.gpt2 import get_encoding
    from course_data.text import story
    text = story(2, seed=1)
    ids = get_encoding().encode(text)
    ds = dataloader.GPTDatasetV1(text, get_encoding(), max_length=4, stride=1)
    assert len(ds) == len(ids) - 4
    x, y = ds[0]
    assert x.tolist() == ids[:4] and y.tolist() == ids[1:5]


def test_loader_batch_of_eight_windows_of_four(dataloader):
    from course_data.text import story
    loader = dataloader.create_dataloader_v1(story(3, seed=1), batch_size=8, max_length=4, stride=4,
                                             shuffle=False)
    inputs, targets = next(iter(loader))
    assert list(inputs.shape) == [8, 4] and list(targets.shape) == [8, 4]
    assert str(inputs.dtype) == "torch.int64"
    assert inputs[:, 1:].tolist() == targets[:, :-1].tolist()
    assert inputs[1:, 0].tolist() == targets[:-1, -1].tolist()   # stride = max_length: no gap, no overlap


def test_exercise_2_2_settings(dataloader):
    from course_data.text import story
    text = story(3, seed=1)
    for max_length, stride in ((2, 2), (8, 2)):
        inputs, _ = dataloader.first_batch(text, max_length=max_length, stride=stride)
        assert list(inputs.shape) == [4, max_length]
        assert inputs[1, :max_length - stride].tolist() == inputs[0, stride:].tolist()


def test_input_embeddings_of_the_book_shape():
    import torch
    emb = solution("embeddings").InputEmbedding(vocab_size=50257, context_length=4, output_dim=256)
    inputs = torch.arange(32).reshape(8, 4) * 1000
    assert list(emb(inputs).shape) == [8, 4, 256]
    assert list(emb.token_embedding_layer.weight.shape) == [50257, 256]
    assert list(emb.pos_embedding_layer.weight.shape) == [4, 256]
