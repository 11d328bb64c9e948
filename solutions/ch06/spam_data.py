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
    ### BEGIN SOLUTION: return a DataFrame of every spam row and an equal number of ham rows.
    ### Pick the ham rows with pandas' sampling and random_state=123, as the book does; the
    ### sampled hams come first, then the spams.
    num_spam = df[df["Label"] == "spam"].shape[0]
    ham_subset = df[df["Label"] == "ham"].sample(num_spam, random_state=123)
    balanced_df = pd.concat([ham_subset, df[df["Label"] == "spam"]])
    return balanced_df
    ### END SOLUTION


def random_split(df, train_frac, validation_frac):
    """Shuffle df and cut it into (train_df, validation_df, test_df) (section 6.2)."""
    ### BEGIN SOLUTION: shuffle every row (pandas, random_state=123, a fresh 0..n-1 index), then cut it in three.
    ### The training set is the first train_frac of the rows and the validation set the next
    ### validation_frac, each size rounded down; the test set is the rest.
    df = df.sample(frac=1, random_state=123).reset_index(drop=True)
    train_end = int(len(df) * train_frac)
    validation_end = train_end + int(len(df) * validation_frac)
    train_df = df[:train_end]
    validation_df = df[train_end:validation_end]
    test_df = df[validation_end:]
    return train_df, validation_df, test_df
    ### END SOLUTION
