"""Checks for ch05.token_ids: text_to_token_ids gives a (1, n) batch of GPT-2 ids, token_ids_to_text decodes it."""
from grader.checks import case, expect_dtype, expect_sequence, expect_shape, expect_type, fail, fail_if_mistake

WORKER_PRELOAD = ("gpt2",)
TEXT = "Every effort moves you"
SPLIT = "3 µm wide, “quoted” 🎨"   # µ, the quotes and the emoji are spread over several tokens each


def _tokenizer():
    from course_data.gpt2 import get_encoding
    return get_encoding()


@case
def encoded(learner):
    return learner.text_to_token_ids(TEXT, _tokenizer())


@case
def decoded(learner):
    import torch
    tokenizer = _tokenizer()
    return {text: learner.token_ids_to_text(torch.tensor([tokenizer.encode(text)]), tokenizer)
            for text in (TEXT, SPLIT)}


def test_batch_of_one(out, snap):
    got, expected = out["encoded"], snap["encoded"]
    what = f"text_to_token_ids({TEXT!r}, tokenizer)"
    if hasattr(got, "shape") and list(got.shape) != list(expected.shape):
        fail_if_mistake(list(got.shape), {"add the batch dimension (unsqueeze(0)), since the model takes a batch "
                                          "of sequences": [expected.shape[1]]},
                        f"{what} has shape {list(got.shape)}, expected {list(expected.shape)}")
    expect_shape(got, expected.shape, what)
    expect_dtype(got, "torch.int64", what)


def test_ids(out, snap):
    expect_sequence(out["encoded"].reshape(-1).tolist() if hasattr(out["encoded"], "reshape") else out["encoded"],
                    snap["encoded"][0].tolist(), f"the ids of {TEXT!r}", "id")


def test_decodes_back(out):
    for text, got in out["decoded"].items():
        expect_type(got, str, f"token_ids_to_text(ids of {text!r}, tokenizer)")
        if got != text:
            hint = (": decode all the ids in one call — a character such as “ or µ is spread over two tokens, and "
                    "decoding them one at a time breaks it" if "�" in got else "")
            fail(f"token_ids_to_text(ids of {text!r}) gave {got!r}{hint}")
