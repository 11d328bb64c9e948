"""Appendix A.6: a Dataset of feature rows and labels, and the DataLoaders that batch it."""
from torch.utils.data import DataLoader, Dataset


class ToyDataset(Dataset):
    """Example i is the pair (X[i], y[i]): one row of features and its class label (section A.6)."""

    def __init__(self, X, y):
        self.features = X
        self.labels = y

    def __getitem__(self, index):
        # TODO: return example `index` as a tuple (its feature row, its label).
        raise NotImplementedError('ToyDataset: not written yet, see the TODO above')

    def __len__(self):
        # TODO: return the number of examples (not the number of features).
        raise NotImplementedError('ToyDataset: not written yet, see the TODO above')


def make_loaders(train_ds, test_ds, batch_size=2):
    """(train_loader, test_loader) over the two datasets, batch_size examples per batch (section A.6).

    The training loader shuffles and drops a last, incomplete batch; the test loader keeps the
    order and every example."""
    # TODO: return (train_loader, test_loader), two DataLoaders with batch_size examples per batch:
    #       the training one shuffled, without a smaller last batch; the test one in order, complete (section A.6).
    raise NotImplementedError('make_loaders: not written yet, see the TODO above')
