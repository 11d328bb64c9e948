"""Checks for ch06.create_balanced_dataset: every spam row, as many ham rows, sampled as the book does."""
from grader.checks import case, fail, points, show, sibling

ref = sibling(__file__, "classifier_reference")
WORKER_PRELOAD = ("pandas",)
N_ROWS = 50  # 17 spam, 33 ham (half the hams is not as many as the spams)


def _frame():
    import pandas as pd

    rows = ref.messages(N_ROWS)
    df = pd.DataFrame({"Label": ["spam" if label else "ham" for label, _ in rows], "Text": [t for _, t in rows]})
    df.index = df.index + 100  # an index of its own: the rows keep it
    return df


@case
def balanced(learner):
    import pandas as pd

    df = _frame()
    got = learner.create_balanced_dataset(df.copy())
    if not isinstance(got, pd.DataFrame):
        return {"type": type(got).__name__}
    return {"type": "DataFrame", "columns": [str(c) for c in got.columns], "labels": [str(x) for x in got["Label"]],
            "texts": [str(x) for x in got["Text"]],
            "spam_in": [t for t, label in zip(df["Text"], df["Label"]) if label == "spam"],
            "ham_in": [t for t, label in zip(df["Text"], df["Label"]) if label == "ham"]}


def _result(out):
    got = out["balanced"]
    if got["type"] != "DataFrame":
        fail(f"create_balanced_dataset(df) returned a {got['type']}; it should return one pandas DataFrame "
             "with the columns Label and Text (concatenate the ham sample and the spam rows)")
    if not {"Label", "Text"} <= set(got["columns"]):
        fail(f"the balanced DataFrame has the columns {got['columns']}; keep df's columns Label and Text")
    return got


def test_returns_a_dataframe(out):
    _result(out)


def test_as_many_ham_as_spam(out):
    got = _result(out)
    n_spam, n_ham = got["labels"].count("spam"), got["labels"].count("ham")
    want = len(got["spam_in"])
    if n_ham != want or n_spam != want:
        fail(f"on a DataFrame of {N_ROWS} messages ({want} spam) the result has {n_spam} spam and {n_ham} ham rows; "
             f"expected {want} of each: keep every spam row and sample exactly as many ham rows as there are spam rows")


def test_every_spam_row_kept_once(out):
    got = _result(out)
    spam_out = [t for t, label in zip(got["texts"], got["labels"]) if label == "spam"]
    missing = [t for t in got["spam_in"] if t not in spam_out]
    if missing:
        fail(f"{len(missing)} of the {len(got['spam_in'])} spam messages are missing from the result "
             f"(e.g. {show(missing[0], 60)}): keep every spam row of df")
    twice = sorted({t for t in spam_out if spam_out.count(t) > 1})
    if twice:
        fail(f"spam messages appear more than once (e.g. {show(twice[0], 60)}): sample from the ham rows only, "
             "then add the spam rows once")


def test_ham_rows_come_from_df(out):
    got = _result(out)
    ham_out = [t for t, label in zip(got["texts"], got["labels"]) if label == "ham"]
    foreign = [t for t in ham_out if t not in got["ham_in"]]
    if foreign:
        fail(f"a ham row of the result is not a ham row of df: {show(foreign[0], 60)}")
    if len(set(ham_out)) != len(ham_out):
        fail("some ham messages appear twice: sample the ham rows without replacement (pandas' default)")


@points(2)
def test_rows_as_the_book_samples_them(out, snap):
    got, expected = _result(out), snap["balanced"]
    ham_got = [t for t, label in zip(got["texts"], got["labels"]) if label == "ham"]
    ham_expected = [t for t, label in zip(expected["texts"], expected["labels"]) if label == "ham"]
    if set(ham_got) != set(ham_expected):
        fail("the sampled ham rows are not the ones the book's code picks: sample them from the ham rows with "
             "pandas' .sample(n, random_state=123), so that your splits match the book's")
    if got["texts"] != expected["texts"]:
        fail("the rows are right but in another order: put the sampled hams first, then the spam rows "
             "(pd.concat([ham_subset, spam_rows])); random_split's shuffle depends on this order")
