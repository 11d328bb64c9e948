"""Chapter 6.2: balance the SMS spam collection and split it into training, validation and test sets."""
from pathlib import Path

import pandas as pd


def prepare_spam_csvs(folder, source="default"):
    """Section 6.2 end to end: read the collection, balance it, map ham/spam to 0/1, split 70/10/20 and
    write train.csv, validation.csv and test.csv into `folder`. `source`: "default" (the course's
    generated collection) or "book" (the UCI collection, downloaded once). Returns the three paths."""
    from course_data.spam import read_collection, spam_collection_path

    df = read_collection(spam_collection_path(source))
    balanced_df = create_balanced_dataset(df)
    balanced_df["Label"] = balanced_df["Label"].map({"ham": 0, "spam": 1})
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.csv" for name in ("train", "validation", "test")]
    for part, path in zip(random_split(balanced_df, 0.7, 0.1), paths):
        part.to_csv(path, index=None)
    return paths


def create_balanced_dataset(df):
    """All "spam" rows of df and as many "ham" rows, the hams sampled as the book does (section 6.2).

    df has the columns Label ("ham" or "spam") and Text; the rows keep their index."""
    # TODO: return a DataFrame of every spam row and an equal number of ham rows.
    #       Pick the ham rows with pandas' sampling and random_state=123, as the book does; the
    #       sampled hams come first, then the spams.
    raise NotImplementedError('create_balanced_dataset: not written yet, see the TODO above')


def random_split(df, train_frac, validation_frac):
    """Shuffle df and cut it into (train_df, validation_df, test_df) (section 6.2)."""
    # TODO: shuffle every row (pandas, random_state=123, a fresh 0..n-1 index), then cut it in three.
    #       The training set is the first train_frac of the rows and the validation set the next
    #       validation_frac, each size rounded down; the test set is the rest.
    raise NotImplementedError('random_split: not written yet, see the TODO above')
