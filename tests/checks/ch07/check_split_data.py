"""Checks for ch07.split_data: three consecutive slices, (train, test, val), sized as the book's 85/10/5 split."""
from grader.checks import case, fail, fail_if_mistake, points


def split(learner, n, **fractions):
    """split_data on n entries numbered 0..n-1: the numbers in each part."""
    data = [{"instruction": f"entry {i}", "input": "", "output": str(i)} for i in range(n)]
    parts = learner.split_data(data, **fractions)
    return [[int(e["output"]) for e in part] for part in parts]


of_1100 = case(split, 1100)   # 935/110/55 as in the book
of_20 = case(split, 20)       # 13 and 7 entries show where int() truncates
of_13 = case(split, 13)
of_7 = case(split, 7)
other_fractions = case(split, 40, train_frac=0.5, test_frac=0.25)


def _expected(n, train_frac=0.85, test_frac=0.1, size=int):
    a, b = size(n * train_frac), size(n * test_frac)
    return [list(range(a)), list(range(a, a + b)), list(range(a + b, n))]


def _judge(got, n, what, train_frac=0.85, test_frac=0.1):
    want = _expected(n, train_frac, test_frac)
    if not isinstance(got, list) or len(got) != 3:
        fail(f"{what} should return three lists, (train_data, test_data, val_data)")
    if got == want:
        return
    sizes, want_sizes = [len(p) for p in got], [len(p) for p in want]
    if sorted(sum(got, [])) != list(range(n)):
        fail(f"{what}: the three parts together should hold every entry exactly once; they hold "
             f"{sum(sizes)} entries of {n}" + (" (some twice)" if sum(sizes) > n else ""))
    fail_if_mistake(got, {
        f"the order is (train_data, test_data, val_data), and the test set ({int(test_frac * 100)}%) comes right "
        "after the training set": [want[0], want[2], want[1]],
        "the sizes are truncated with int(), not rounded": _expected(n, train_frac, test_frac, size=round),
    }, f"{what} gave parts of {sizes} entries, expected {want_sizes}")
    if sizes == want_sizes:
        fail(f"{what}: the parts have the right sizes, {sizes}, but not the right entries: don't shuffle; the "
             "training set is the first entries, the test set the next ones, the validation set the last ones")
    fail(f"{what} gave parts of {sizes} entries, expected {want_sizes} (train int(n * train_frac), test "
         "int(n * test_frac), validation the rest)")


@points(2)
def test_book_split(out):
    _judge(out["of_1100"], 1100, "split_data on 1,100 entries")


@points(2)
def test_small_lists(out):
    for n in (20, 13, 7):
        _judge(out[f"of_{n}"], n, f"split_data on {n} entries")


def test_fractions_honoured(out):
    _judge(out["other_fractions"], 40, "split_data(data, train_frac=0.5, test_frac=0.25) on 40 entries", 0.5, 0.25)
