"""Checks for ch06.random_split: shuffled with random_state=123, then cut 70/10/20 into three disjoint parts."""
from grader.checks import case, expect_sequence, fail, points, sibling

ref = sibling(__file__, "classifier_reference")
WORKER_PRELOAD = ("pandas",)


def _describe(parts):
    import pandas as pd

    if not isinstance(parts, (tuple, list)) or len(parts) != 3 or not all(isinstance(p, pd.DataFrame) for p in parts):
        kind = type(parts).__name__ + (f" of {len(parts)}" if isinstance(parts, (tuple, list)) else "")
        return {"ok": False, "kind": kind}
    return {"ok": True, "texts": [[str(t) for t in p["Text"]] for p in parts], "first_index": [
        int(p.index[0]) if len(p) else -1 for p in parts]}


@case
def small(learner):
    import pandas as pd

    rows = ref.messages(50)
    df = pd.DataFrame({"Label": [label for label, _ in rows], "Text": [t for _, t in rows]})
    return _describe(learner.random_split(df, 0.7, 0.1)) | {"all": [t for _, t in rows]}


@case
def book_sizes(learner):
    """The course's collection balanced as the book balances it (1,494 rows), split 0.7 / 0.1."""
    import io

    import pandas as pd
    from course_data.sms import sms_spam_collection

    df = pd.read_csv(io.StringIO(sms_spam_collection()), sep="\t", header=None, names=["Label", "Text"])
    spam = df[df["Label"] == "spam"]
    balanced = pd.concat([df[df["Label"] == "ham"].sample(len(spam), random_state=123), spam])
    parts = learner.random_split(balanced, 0.7, 0.1)
    got = _describe(parts)
    return {"ok": got["ok"], "sizes": [len(p) for p in parts] if got["ok"] else None}


def _parts(out, key="small"):
    got = out[key]
    if not got["ok"]:
        fail(f"random_split(df, train_frac, validation_frac) returned a {got['kind']}; it should return a tuple "
             "of three DataFrames: (train_df, validation_df, test_df)")
    return got


def test_returns_three_dataframes(out):
    _parts(out)


@points(2)
def test_sizes(out):
    got = _parts(out, "book_sizes")
    if got["sizes"] != [1045, 149, 300]:
        fail(f"the book's 1,494 balanced messages split 0.7 / 0.1 give parts of {got['sizes']}, expected "
             "[1045, 149, 300]: each size is the fraction of len(df) rounded down (int(...), not round()), the "
             "validation part starts where the training part ends, and the test part is what is left")


def test_parts_are_disjoint_and_complete(out):
    got = _parts(out)
    texts = [t for part in got["texts"] for t in part]
    if len(set(texts)) != len(texts):
        fail("a message appears in two parts: the validation part ends where the test part begins, so that "
             "the three slices do not overlap")
    missing = set(out["small"]["all"]) - set(texts)
    if missing:
        fail(f"{len(missing)} of the 50 messages are in no part: the test part takes every row after the "
             "validation part")


@points(2)
def test_shuffled_as_the_book(out, snap):
    got, expected = _parts(out), snap["small"]
    for k, (name, g, e) in enumerate(zip(("train_df", "validation_df", "test_df"), got["texts"], expected["texts"])):
        expect_sequence(g, e, f"the messages of {name} (shuffled with random_state=123, as the book does)", "message",
                        mistakes={"the training part is the first rows of df in their original order: shuffle every "
                                  "row first, with df.sample(frac=1, random_state=123)":
                                  out["small"]["all"][:len(g)] if k == 0 else None})
