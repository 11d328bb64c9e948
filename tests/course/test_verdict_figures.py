"""The book's chapter-2 figures on its short story, reproduced by the reference solutions.

The story is not redistributable, so these run only where it has been downloaded
(`python -m course_data download the-verdict`); elsewhere they are skipped, saying so.
"""
import pytest

import support
from course_data import verdict

pytestmark = pytest.mark.skipif(not verdict.VERDICT.is_cached(),
                                reason="the book's story is not downloaded "
                                       "(python -m course_data download the-verdict)")


@pytest.fixture(scope="module")
def story():
    return verdict.load_verdict()


def test_story_length(story):
    assert len(story) == 20479


def test_simple_tokenizer_figures(story):
    tok = support.solution("ch02", "tokenizers")
    tokens = tok.split_text(story)
    vocab = tok.build_vocab(tokens)
    assert len(tokens) == 4690 and len(vocab) == 1130
    assert len(tok.add_special_tokens(vocab)) == 1132


def test_bpe_token_count(story):
    assert len(support.solution("ch02", "bpe").bpe_encode(story)) == 5145


def test_first_batch_of_the_book(story):
    loader = support.solution("ch02", "dataloader").create_dataloader_v1(
        story, batch_size=8, max_length=4, stride=4, shuffle=False)
    inputs, targets = next(iter(loader))
    assert inputs.tolist() == [[40, 367, 2885, 1464], [1807, 3619, 402, 271], [10899, 2138, 257, 7026],
                               [15632, 438, 2016, 257], [922, 5891, 1576, 438], [568, 340, 373, 645],
                               [1049, 5975, 284, 502], [284, 3285, 326, 11]]
    assert targets[:, :-1].tolist() == inputs[:, 1:].tolist()
