"""Checks for appA.toy_dataset: ToyDataset's length and items, alone and batched by a DataLoader."""
import numpy as np

from grader.checks import case, expect_close, fail, fail_if_mistake, sibling

ref = sibling(__file__, "appa_reference")
WIDE = (3, 7)   # fewer examples than features: the length is not the number of features


def _dataset(learner, n_features=2):
    import torch
    if n_features == 2:
        X, y = torch.tensor(ref.X_TRAIN), torch.tensor(ref.Y_TRAIN)
    else:
        X = torch.from_numpy(ref.features(*WIDE, "toy.wide"))
        y = torch.from_numpy(ref.labels(WIDE[0], 3, "toy.wide.y"))
    return learner.ToyDataset(X, y)


@case
def lengths(learner):
    return {"book": len(_dataset(learner)), "wide": len(_dataset(learner, WIDE[1]))}


@case
def items(learner):
    ds = _dataset(learner)
    return [list(ds[i]) if isinstance(ds[i], (tuple, list)) else ds[i] for i in (0, 3, 4)]


@case
def batches(learner):
    import torch
    loader = torch.utils.data.DataLoader(_dataset(learner), batch_size=2, shuffle=False)
    return [list(batch) if isinstance(batch, (tuple, list)) else batch for batch in loader]


def test_length(out):
    got = out["lengths"]
    for key, n, features, shape in (("book", 5, 2, "(5, 2)"), ("wide", WIDE[0], WIDE[1], str(WIDE))):
        if got[key] != n:
            what = f"len(ToyDataset(X, y)) for X of shape {shape} is {got[key]}, expected {n}"
            fail_if_mistake(got[key], {"that is the number of features; count the examples (labels.shape[0])":
                                       features}, what, atol=0, rtol=0)
            fail(what)


def test_items(out):
    for i, item in zip((0, 3, 4), out["items"]):
        what = f"ToyDataset(X_train, y_train)[{i}] with the book's data"
        if not isinstance(item, list) or len(item) != 2:
            fail(f"{what} should be a pair (features, label), got {type(item).__name__}")
        x, y = item
        fail_if_mistake([list(np.shape(x)), list(np.shape(y))], {   # the shapes of the pair with each mistake
            "it is (label, features); return the features first: (self.features[index], self.labels[index])": [[], [2]],
            "it returns every row of features; return row `index` only: self.features[index]": [[5, 2], []],
        }, what)
        expect_close(x, np.array(ref.X_TRAIN[i], np.float32), f"the features of {what}", atol=1e-6, rtol=0)
        expect_close(y, np.array(ref.Y_TRAIN[i]), f"the label of {what}", atol=0, rtol=0)


def test_batches_in_a_dataloader(out):
    got = out["batches"]
    what = "A DataLoader(ToyDataset(X_train, y_train), batch_size=2) with the book's data"
    if len(got) != 3:
        fail(f"{what} gave {len(got)} batches, expected 3 (2 + 2 + 1 examples)")
    for k, (size, batch) in enumerate(zip((2, 2, 1), got)):
        if not isinstance(batch, list) or len(batch) != 2:
            fail(f"{what}: batch {k} should be a pair (features, labels), got {type(batch).__name__}")
        shapes = [list(getattr(t, "shape", [])) for t in batch]
        if shapes != [[size, 2], [size]]:
            fail(f"{what}: batch {k} has shapes {shapes}, expected [[{size}, 2], [{size}]]")
