"""Checks for ch06.classify_review: one message truncated and padded as in training, classified from its last token."""
from grader.checks import case, expect_sequence, fail, fail_if_mistake, points, sibling

WORKER_PRELOAD = ("gpt2",)
stand = sibling(__file__, "standins")
CONTEXT = 12
SHORT = "Are you free tonight?"                      # 5 tokens
LONG = "You have won a brand new phone! Call now to claim your prize before midnight tonight"
RUNS = {"short_spam": SHORT, "short_ham": SHORT, "long_message": LONG, "own_pad": SHORT}


def _spy(spam_at_last: bool, name: str):
    """A stand-in model (context length 12) that records its inputs, kept as `name` for the case `seen`; its logits
    say class 1 ("spam") at the last position when spam_at_last, class 0 at every other position (the first one
    included)."""
    import torch

    class Spy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.pos_emb = torch.nn.Embedding(CONTEXT, 32)  # 32 > every max_length used: shape[1] reads as wide
            self.calls = stand.keep(name, [])

        def forward(self, idx):
            self.calls.append({"ids": idx.tolist(), "shape": list(idx.shape), "training": self.training,
                               "grad": torch.is_grad_enabled()})
            logits = torch.zeros(*idx.shape, 2)
            logits[..., 0] = 1.0
            if spam_at_last:
                logits[..., -1, :] = torch.tensor([0.0, 1.0])
            return logits

    return Spy()


def classify(learner, name, spam_at_last=True, **options):
    import tiktoken
    return learner.classify_review(RUNS[name], _spy(spam_at_last, f"cr.{name}"), tiktoken.get_encoding("gpt2"), "cpu",
                                   **options)


short_spam = case(classify, "short_spam", max_length=8)
short_ham = case(classify, "short_ham", spam_at_last=False, max_length=8)
long_message = case(classify, "long_message", max_length=8)
own_pad = case(classify, "own_pad", max_length=8, pad_token_id=7)


@case
def seen(learner):
    """What the model of each run above was given (kept even where classify_review raised), and the message's ids."""
    import tiktoken
    tokenizer = tiktoken.get_encoding("gpt2")
    return {name: {"calls": stand.kept(learner, f"cr.{name}") or [], "encoded": tokenizer.encode(text)}
            for name, text in RUNS.items()}


def _input(out, name, what):
    calls = out["seen"][name]["calls"]
    if not calls:
        out[name]  # the learner's exception, if classify_review raised before calling the model
        fail(f"{what}: classify_review never called the model")
    call = calls[-1]
    if len(call["shape"]) != 2 or call["shape"][0] != 1:
        fail(f"{what}: the model was given a tensor of shape {call['shape']}; give it a batch of one message, "
             "shape (1, num_tokens) (unsqueeze(0))")
    return call


def _label(out, name, what):
    label = out[name]
    if label not in ("spam", "not spam"):
        fail(f"{what}: classify_review returned {label!r}; return the string \"spam\" or \"not spam\"")
    return label


@points(2)
def test_input_padded_like_the_training_data(out):
    pad = 50256
    for name, token, what in (("short_spam", pad, "a 5-token message with max_length=8"),
                              ("own_pad", 7, "a 5-token message with max_length=8 and pad_token_id=7")):
        ids, encoded = _input(out, name, what)["ids"][0], out["seen"][name]["encoded"]
        if ids == encoded:
            continue  # padding is optional: the book's printings pad, the model sees the same last real token
        n = 8 - len(encoded)
        expect_sequence(ids, encoded + [token] * n, f"the token ids given to the model for {what}", "id", mistakes={
            f"padded with {ids[-1]} instead of pad_token_id ({token})": encoded + [ids[-1]] * n if ids[-1] != token
            else None,
            "the padding is at the start; the training data (SpamDataset) pads at the end": [token] * n + encoded})


def test_truncated_to_max_length(out):
    ids = _input(out, "long_message", "a 17-token message with max_length=8")["ids"][0]
    expect_sequence(ids, out["seen"]["long_message"]["encoded"][:8], "the token ids given to the model for a "
                    "17-token message with max_length=8 (its first 8 tokens)", "id")


@points(2)
def test_label_from_the_last_token(out):
    spam = _label(out, "short_spam", "a model whose last position says class 1")
    ham = _label(out, "short_ham", "a model whose every position says class 0")
    if [spam, ham] != ["spam", "not spam"]:
        fail_if_mistake([spam, ham], {
            "the labels are swapped: class 1 is \"spam\", class 0 \"not spam\"": ["not spam", "spam"],
            "with a model whose LAST position predicts class 1 (spam) and every other position class 0, it said \"not "
            "spam\": classify from the last token's logits, [:, -1, :]": ["not spam", "not spam"],
            "with a model that predicts class 0 (not spam) everywhere, it said \"spam\"": ["spam", "spam"]},
            "classify_review")


def test_eval_mode_without_gradients(out):
    call = _input(out, "short_spam", "a 5-token message")
    if call["training"]:
        fail("the model was called in training mode: call model.eval() before classifying")
    if call["grad"]:
        fail("the model ran with gradients on: classify under torch.no_grad()")
