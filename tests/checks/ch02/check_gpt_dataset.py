"""Checks for ch02.gpt_dataset: GPTDatasetV1's sliding windows of inputs and one-token-shifted targets.

Most cases use a counting tokenizer: the i-th word of the text gets the id 100 + i, so a window's
ids say where it starts (id - 100) and feedback can name the position.
"""
from course_data import text as corpus

from grader.checks import case, expect_shape, fail, fail_if_mistake, show, tip

WORKER_PRELOAD = ("gpt2",)
FIRST_ID = 100
ABOUT_IDS = "(the check's tokenizer gives the i-th token the id 100 + i)"
# (words in the text, max_length, stride): overlapping, exact fit, gaps between windows
SETTINGS = {"overlap": (23, 4, 3), "stride_one": (9, 5, 1), "gaps": (13, 2, 4)}


class CountingTokenizer:
    """The i-th whitespace-separated word becomes id 100 + i; accepts tiktoken's keyword arguments."""

    def encode(self, text, **kwargs):
        return [FIRST_ID + i for i, _ in enumerate(text.split())]


def _windows(learner, words, max_length, stride):
    text = " ".join(f"w{i}" for i in range(words))
    ds = learner.GPTDatasetV1(text, CountingTokenizer(), max_length, stride)
    n = len(ds)
    return {"len": n, "pairs": [list(ds[i]) for i in range(min(n, 64))]}


overlap = case(_windows, *SETTINGS["overlap"])
stride_one = case(_windows, *SETTINGS["stride_one"])
gaps = case(_windows, *SETTINGS["gaps"])


def gpt2_windows(learner, text):
    from course_data.gpt2 import get_encoding
    ds = learner.GPTDatasetV1(text, get_encoding(), 6, 5)
    return [list(ds[i]) for i in range(len(ds))]


gpt2_text = case(gpt2_windows, corpus.story(1, seed=3) + " " + corpus.story(1, seed=4))
# Texts joined with <|endoftext|>, as chapter 2 shows them; the printed GPTDatasetV1 (plain encode) refuses
# them, the book's repository since passes allowed_special.
gpt2_endoftext = case(gpt2_windows, corpus.story(1, seed=3) + " <|endoftext|> " + corpus.story(1, seed=4))


def _expected_starts(words, max_length, stride):
    return list(range(0, words - max_length, stride))


def _pairs(out, name):
    data = out[name]
    for k, pair in enumerate(data["pairs"]):
        if len(pair) != 2:
            fail(f"dataset[{k}] should be a pair (input_ids, target_ids), got {len(pair)} items")
    return data["pairs"]


def _rows(out, name, which):
    """The input (which=0) or target (1) windows as lists of ints, checked to be 1-D tensors."""
    rows = []
    for k, pair in enumerate(_pairs(out, name)):
        t = pair[which]
        if not hasattr(t, "shape"):
            fail(f"dataset[{k}] should hold tensors (torch.tensor(chunk)), got {type(t).__name__}: {show(t)}")
        if t.ndim != 1:
            fail(f"dataset[{k}][{which}] has shape {list(t.shape)}; each window is a 1-D tensor of max_length ids")
        rows.append([int(v) for v in t.tolist()])
    return rows


def test_window_count(out):
    for name, (words, max_length, stride) in SETTINGS.items():
        expected, got = len(_expected_starts(words, max_length, stride)), out[name]["len"]
        what = f"{words} token ids with max_length={max_length}, stride={stride}"
        if got != expected:
            loop = "range(0, len(token_ids) - max_length, stride)"
            fail_if_mistake(got, {
                "one too many, so the last target window runs past the end of the text. Loop over " + loop:
                    expected + 1,
                "the last window is missing. Loop over " + loop: expected - 1,
                "one per token: stride is ignored; step through the text with " + loop:
                    len(_expected_starts(words, max_length, 1)) if stride != 1 else None,
            }, f"{what} give {expected} windows, your dataset has {got}", atol=0, rtol=0)
            fail(f"{what} give {expected} windows (len(dataset)), got {got}")


def test_ids_are_long_tensors(out):
    for k, pair in enumerate(_pairs(out, "overlap")):
        for which, label in ((0, "input"), (1, "target")):
            t = pair[which]
            dtype = getattr(t, "torch_dtype", "") or type(t).__name__
            if dtype != "torch.int64":
                fail(f"the {label} ids of dataset[{k}] have dtype {dtype}; token ids must be integers of dtype "
                     "torch.long (torch.int64), which nn.Embedding needs: torch.tensor(list_of_ints) gives "
                     "that, don't ask for float")


def test_window_shapes(out):
    for name, (_words, max_length, _stride) in SETTINGS.items():
        pairs = _pairs(out, name)
        for k, pair in enumerate(pairs):
            for which, label in ((0, "input"), (1, "target")):
                shape = list(getattr(pair[which], "shape", []))
                if shape and shape != [max_length]:
                    cut = label == "target" and k == len(pairs) - 1 and shape == [max_length - 1]
                    fail(f"with max_length={max_length} every window has {max_length} ids; the {label} window "
                         f"dataset[{k}] has shape {shape}"
                         + (" — the loop runs one window too far, so the last target is cut short" if cut else ""))
                expect_shape(pair[which], [max_length], f"the {label} window dataset[{k}]")


def test_windows_start_every_stride(out):
    for name, (words, max_length, stride) in SETTINGS.items():
        rows = _rows(out, name, 0)
        if rows and rows[0] and rows[0][0] != FIRST_ID:
            fail(f"the first window should start with the first id the tokenizer gave ({FIRST_ID}), got "
                 f"{show(rows[0])}: encode txt with the `tokenizer` argument you were given " + ABOUT_IDS)
        starts = [r[0] - FIRST_ID for r in rows if r]
        expected = _expected_starts(words, max_length, stride)
        n = min(len(starts), len(expected))   # how many windows there are is test_window_count's business
        if starts[:n] == expected[:n]:
            for r, s in zip(rows, starts):
                if r != list(range(FIRST_ID + s, FIRST_ID + s + len(r))):
                    fail(f"a window holds ids {show(r)}: it should be consecutive token ids, "
                         "token_ids[ i : i + max_length ] " + ABOUT_IDS)
            continue
        step = starts[1] - starts[0] if len(starts) > 1 else None
        setting = f"max_length={max_length}, stride={stride}"
        if step == 1 and stride != 1:
            fail(f"with {setting} the windows should start at tokens {expected[:4]}..., yours start at "
                 f"{starts[:4]}...: stride is ignored; step through the text with range(0, ..., stride)")
        if step == max_length and stride != max_length:
            fail(f"with {setting} the windows should start at tokens {expected[:4]}..., yours start at "
                 f"{starts[:4]}...: the step between windows is stride, not max_length")
        fail(f"with {setting} the windows should start at tokens {expected}, yours start at {starts}")


def test_targets_shifted_by_one(out):
    for name, (_words, _max_length, stride) in SETTINGS.items():
        inputs, targets = _rows(out, name, 0), _rows(out, name, 1)
        for k, (x, y) in enumerate(zip(inputs, targets)):
            want = [v + 1 for v in x]
            if y == want or len(y) != len(x):   # a short window is test_window_shapes' business
                continue
            shift = "token_ids[ i + 1 : i + max_length + 1 ] " + ABOUT_IDS
            fail_if_mistake(y, {
                "the targets equal the inputs; the model learns to predict the NEXT token, so the target window is "
                "shifted by one: " + shift: x,
                f"the targets are the inputs shifted by stride={stride}; shift them by exactly one token: " + shift:
                    [v + stride for v in x],
            }, f"dataset[{k}] with inputs {show(x)} and targets {show(y)}", atol=0, rtol=0)
            fail(f"dataset[{k}]: for inputs {show(x)} the targets should be {show(want)} (the next token at each "
                 f"position), got {show(y)} " + ABOUT_IDS)


def test_real_tokenizer(out, snap):
    _expect_windows(out["gpt2_text"], snap["gpt2_text"], "a GPT-2-encoded story")


@tip
def test_endoftext_in_the_text(out, snap):
    out.error("gpt2_endoftext", {"ValueError: disallowed special token": (
        "your GPTDatasetV1 refuses text that contains \"<|endoftext|>\" (the token chapter 2 puts between "
        "documents); the book's code as printed does too. To accept it, pass allowed_special={\"<|endoftext|>\"} "
        "to tokenizer.encode")})
    _expect_windows(out["gpt2_endoftext"], snap["gpt2_endoftext"], "two GPT-2-encoded stories joined by <|endoftext|>")


def _expect_windows(got, expected, what):
    if len(got) != len(expected):
        fail(f"on {what} (max_length=6, stride=5) the dataset should have {len(expected)} windows, got {len(got)}")
    for k, (pair, want) in enumerate(zip(got, expected)):
        for which, label in ((0, "inputs"), (1, "targets")):
            g = pair[which].tolist() if hasattr(pair[which], "tolist") else pair[which]
            if g != want[which].tolist():
                fail(f"on {what}, the {label} of dataset[{k}] should be {want[which].tolist()}, got {show(g)}")
