"""Checks for ch02.ex2_2_strides (exercise 2.2): the first batch of loaders with other max_length and stride."""
from course_data import text as corpus

from grader.checks import case, fail, show

WORKER_PRELOAD = ("gpt2",)
# case name -> (max_length, stride, batch_size); batch_size None means first_batch's default (4)
SETTINGS = {"ml2_s2": (2, 2, None), "ml8_s2": (8, 2, None), "ml4_s1_b3": (4, 1, 3)}
STORY = corpus.story(9, seed=22)


def _run(learner, max_length, stride, batch_size):
    extra = {} if batch_size is None else {"batch_size": batch_size}
    return learner.first_batch(STORY, max_length=max_length, stride=stride, **extra)


ml2_s2 = case(_run, *SETTINGS["ml2_s2"])
ml8_s2 = case(_run, *SETTINGS["ml8_s2"])
ml4_s1_b3 = case(_run, *SETTINGS["ml4_s1_b3"])
NO_BATCH = {
    "WrongType: DataLoader": "first_batch returned the loader itself: return its first batch, next(iter(loader)), "
                             "a pair (inputs, targets)",
    "StopIteration": "the loader yielded no batch at all: with create_dataloader_v1's default stride=128 a short "
                     "text has too few windows — pass stride=stride (and max_length=max_length) by keyword",
}


def _pair(out, name):
    out.error(name, NO_BATCH)
    value = out[name]
    if hasattr(value, "shape"):
        fail(f"first_batch returned one tensor of shape {list(value.shape)}; return the whole first batch, "
             "the pair (inputs, targets) that next(iter(loader)) gives")
    if not isinstance(value, list) or len(value) != 2 or not all(hasattr(v, "shape") for v in value):
        fail(f"first_batch should return the first batch, a pair of tensors (inputs, targets); got {show(value)}")
    return value


def test_returns_inputs_and_targets(out):
    for name in SETTINGS:
        _pair(out, name)


def test_batch_shapes(out):
    for name, (max_length, stride, batch_size) in SETTINGS.items():
        b = batch_size or 4
        for which, label in ((0, "inputs"), (1, "targets")):
            shape = list(_pair(out, name)[which].shape)
            if shape == [b, max_length]:
                continue
            setting = f"max_length={max_length}, stride={stride}, batch_size={b}"
            if shape[1:] == [stride] and stride != max_length or shape == [max_length, stride]:
                fail(f"with {setting} the {label} have shape {shape}, expected [{b}, {max_length}]: the numbers "
                     "landed in the wrong parameters; call create_dataloader_v1(txt, batch_size=..., "
                     "max_length=..., stride=..., shuffle=False) with keywords")
            if shape[0] != b:
                fail(f"with {setting} the {label} have shape {shape}, expected [{b}, {max_length}]: pass "
                     "batch_size=batch_size on to create_dataloader_v1")
            fail(f"with {setting} the {label} have shape {shape}, expected [{b}, {max_length}]")


def test_first_batch_starts_the_text(out, snap):
    for name, (max_length, stride, _) in SETTINGS.items():
        for which, label in ((0, "inputs"), (1, "targets")):
            got, want = _pair(out, name)[which].tolist(), snap[name][which].tolist()
            if got[:1] != want[:1]:
                fail(f"with max_length={max_length}, stride={stride} the first row of the {label} should be the "
                     f"text's first window {want[0]}, got {show(got[0] if got else None)}: is the loader "
                     "shuffled? Pass shuffle=False, so the first batch is the start of the text")


def test_rows_overlap_by_max_length_minus_stride(out, snap):
    wrong = []
    for name, (max_length, stride, _) in SETTINGS.items():
        rows, want = _pair(out, name)[0].tolist(), snap[name][0].tolist()
        if rows == want:
            continue
        keep = max_length - stride
        for r in range(len(rows) - 1):
            if keep > 0 and rows[r + 1][:keep] != rows[r][stride:]:
                fail(f"with max_length={max_length}, stride={stride} each row should begin with the last {keep} "
                     f"ids of the row before it: row {r} is {rows[r]}, row {r + 1} is {rows[r + 1]}. "
                     "Is stride passed on to create_dataloader_v1 (stride=stride), and do GPTDatasetV1's windows "
                     "start every stride tokens?")
        wrong.append(f"with max_length={max_length}, stride={stride} the input rows should be {want}, got {rows}")
    if wrong:
        fail(wrong[0] + " (the windows should start every stride tokens)")
