"""Checks for ch06.classify_review: one message truncated and padded as in training, classified from its last token."""
from grader.checks import case, expect_sequence, fail, points

WORKER_PRELOAD = ("gpt2",)
CONTEXT = 12
SHORT = "Are you free tonight?"                      # 5 tokens
LONG = "You have won a brand new phone! Call now to claim your prize before midnight tonight"


def _spy(spam_at_last: bool):
    """A stand-in model (context length 12) that records its inputs; its logits say class 1 ("spam") at the
    last position when spam_at_last, class 0 at every other position (the first one included)."""
    import torch

    class Spy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.pos_emb = torch.nn.Embedding(CONTEXT, 32)  # 32 > every max_length used: shape[1] reads as wide
            self.calls = []

        def forward(self, idx):
            self.calls.append({"ids": idx.tolist(), "shape": list(idx.shape), "training": self.training,
                               "grad": torch.is_grad_enabled()})
            logits = torch.zeros(*idx.shape, 2)
            logits[..., 0] = 1.0
            if spam_at_last:
                logits[..., -1, :] = torch.tensor([0.0, 1.0])
            return logits

    return Spy()


def _classify(learner, text, spam_at_last=True, **kwargs):
    import tiktoken

    model = _spy(spam_at_last)
    tokenizer = tiktoken.get_encoding("gpt2")
    try:
        label, error = learner.classify_review(text, model, tokenizer, "cpu", **kwargs), None
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - what the model was given still says what went wrong
        label, error = None, f"{type(exc).__name__}: {exc}"
    return {"label": label, "error": error, "calls": model.calls, "encoded": tokenizer.encode(text)}


@case
def short_spam(learner):
    return _classify(learner, SHORT, max_length=8)


@case
def short_ham(learner):
    return _classify(learner, SHORT, spam_at_last=False, max_length=8)


@case
def long_message(learner):
    return _classify(learner, LONG, max_length=8)


@case
def own_pad(learner):
    return _classify(learner, SHORT, max_length=8, pad_token_id=7)


def _input(got, what):
    if not got["calls"]:
        fail(f"{what}: classify_review never called the model" + (f" ({got['error']})" if got["error"] else ""))
    call = got["calls"][-1]
    if len(call["shape"]) != 2 or call["shape"][0] != 1:
        fail(f"{what}: the model was given a tensor of shape {call['shape']}; give it a batch of one message, "
             "shape (1, num_tokens) (unsqueeze(0))")
    return call


def _label(got, what):
    if got["error"]:
        fail(f"{what}: classify_review raised {got['error']}")
    if got["label"] not in ("spam", "not spam"):
        fail(f"{what}: classify_review returned {got['label']!r}; return the string \"spam\" or \"not spam\"")
    return got["label"]


@points(2)
def test_input_padded_like_the_training_data(out):
    pad = 50256
    for key, token, what in (("short_spam", pad, "a 5-token message with max_length=8"),
                             ("own_pad", 7, "a 5-token message with max_length=8 and pad_token_id=7")):
        got = out[key]
        ids = _input(got, what)["ids"][0]
        encoded = got["encoded"]
        if ids == encoded:
            continue  # padding is optional: the book's printings pad, the model sees the same last real token
        if ids[:len(encoded)] == encoded and len(ids) == 8 and ids[-1] != token:
            fail(f"{what}: padded with {ids[-1]} instead of pad_token_id ({token})")
        if ids[-len(encoded):] == encoded and ids[0] == token:
            fail(f"{what}: the padding is at the start; the training data (SpamDataset) pads at the end")
        expect_sequence(ids, encoded + [token] * (8 - len(encoded)), f"the token ids given to the model for {what}",
                        "id")


def test_truncated_to_max_length(out):
    got = out["long_message"]
    ids = _input(got, "a 17-token message with max_length=8")["ids"][0]
    expect_sequence(ids, got["encoded"][:8], "the token ids given to the model for a 17-token message with "
                    "max_length=8 (its first 8 tokens)", "id")


@points(2)
def test_label_from_the_last_token(out):
    spam = _label(out["short_spam"], "a model whose last position says class 1")
    ham = _label(out["short_ham"], "a model whose every position says class 0")
    if spam == "not spam" and ham == "spam":
        fail("the labels are swapped: class 1 is \"spam\", class 0 \"not spam\"")
    if spam == "not spam":
        fail("with a model whose LAST position predicts class 1 (spam) and every other position class 0, "
             "classify_review said \"not spam\": classify from the last token's logits, [:, -1, :]")
    if ham == "spam":
        fail("with a model that predicts class 0 (not spam) everywhere, classify_review said \"spam\"")


def test_eval_mode_without_gradients(out):
    call = _input(out["short_spam"], "a 5-token message")
    if call["training"]:
        fail("the model was called in training mode: call model.eval() before classifying")
    if call["grad"]:
        fail("the model ran with gradients on: classify under torch.no_grad()")
