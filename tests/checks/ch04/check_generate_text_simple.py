"""Checks for ch04.generate_text_simple: greedy decoding with a cropped context, on a stand-in model.

The stand-in's logits are small integers computed from the tokens it is given, so the tokens a
correct loop picks (and those of the usual mistakes) can be worked out here exactly."""
from grader.checks import case, expect_sequence, expect_shape, fail, fail_if_mistake, points

VOCAB = 50
RUNS = {"single": ([[3, 14, 15, 9]], 6, 5),              # prompt, max_new_tokens, context_size
        "long_prompt": ([[1, 2, 3, 4, 5, 6, 7]], 4, 3),
        "batch": ([[5, 7, 11], [40, 2, 33]], 5, 4),
        "nothing_new": ([[8, 9]], 0, 4)}


def _favourite(window):
    """The stand-in model's top token after each position of `window` (a list of ids)."""
    picks, total = [], 0
    for t, token in enumerate(window):
        total += 3 * token + 5
        picks.append((7 * total + 11 * t + 13) % VOCAB)
    return picks


def _stand_in():
    import torch

    class StandIn(torch.nn.Module):
        """logits[b, t, v] = -((v - favourite) mod VOCAB): 0 for the favourite token, negative elsewhere."""

        def __init__(self):
            super().__init__()
            self.lengths, self.grad_enabled = [], []

        def forward(self, idx):
            self.lengths.append(int(idx.shape[1]))
            self.grad_enabled.append(torch.is_grad_enabled())
            fav = torch.tensor([_favourite(row) for row in idx.tolist()], dtype=torch.long)
            v = torch.arange(VOCAB)
            logits = -((v[None, None, :] - fav[:, :, None]) % VOCAB).float()
            return logits.requires_grad_(torch.is_grad_enabled())

    return StandIn()


def expected_run(prompt, n, context_size, crop=True, position=-1):
    rows = []
    for row in prompt:
        row = list(row)
        for _ in range(n):
            window = row[-context_size:] if crop else row
            row.append(_favourite(window)[position])
        rows.append(row)
    return rows


def _run(learner, name):
    import torch

    prompt, n, context_size = RUNS[name]
    model = _stand_in()
    idx = learner.generate_text_simple(model, torch.tensor(prompt), n, context_size)
    return {"idx": idx, "lengths": model.lengths, "grad_enabled": model.grad_enabled}


single = case(_run, "single")
long_prompt = case(_run, "long_prompt")
batch = case(_run, "batch")
nothing_new = case(_run, "nothing_new")


def test_shape(out):
    for name, (prompt, n, _) in RUNS.items():
        idx = out[name]["idx"]
        expect_shape(idx, [len(prompt), len(prompt[0]) + n],
                     f"generate_text_simple(model, idx, max_new_tokens={n}, ...) for idx of shape "
                     f"{[len(prompt), len(prompt[0])]} (each step appends one token per row: the argmax over "
                     "the vocabulary, dim=-1, keepdim=True, joined with torch.cat(..., dim=1))")
        if idx[:, :len(prompt[0])].tolist() != prompt:
            fail("the result should start with the prompt unchanged: append to idx, don't replace it")


@points(3)
def test_greedy_tokens(out, snap):
    for name, (prompt, n, context_size) in RUNS.items():
        got = out[name]["idx"].tolist()
        if got == snap[name]["idx"].tolist():
            continue
        fail_if_mistake(got, {
            "you pick the next token from the logits of the first position: the prediction for the next token is at "
            "the last one, logits[:, -1, :]": expected_run(prompt, n, context_size, position=0),
            "the tokens are those of a model fed the whole sequence: crop it to idx[:, -context_size:]":
                expected_run(prompt, n, context_size, crop=False),
        }, f"generate_text_simple for the prompt {prompt} (max_new_tokens={n}, context_size={context_size})")
        for row, (g, e) in enumerate(zip(got, snap[name]["idx"].tolist())):
            expect_sequence(g, e, f"row {row} of generate_text_simple for the prompt {prompt[row]} "
                            f"(max_new_tokens={n}, context_size={context_size}); the model's favourite "
                            "token is the argmax of the last position's logits", "token")


def test_context_cropped(out):
    for name, (_prompt, n, context_size) in RUNS.items():
        lengths = out[name]["lengths"]
        if len(lengths) != n:
            fail(f"with max_new_tokens={n} the model was called {len(lengths)} times, expected once per new token")
        if lengths and max(lengths) > context_size:
            fail(f"the model was given {max(lengths)} tokens although context_size is {context_size}: "
                 "feed it only the last context_size tokens, idx[:, -context_size:]")


def test_no_grad(out):
    if any(any(out[name]["grad_enabled"]) for name in RUNS):
        fail("the model ran with gradients enabled: generation needs none, so call it inside "
             "`with torch.no_grad():` (it saves the memory of the computation graph)")
