"""Checks for appA.data_loaders: the training loader shuffles and drops an incomplete last batch, the
test loader keeps every example in order; judged by behaviour, not by the RNG's draws."""
from grader.checks import case, fail, fail_if_mistake

N_TRAIN, N_TEST, BATCH = 10, 5, 4


def _dataset(n, offset):
    import torch
    ids = torch.arange(offset, offset + n)
    return torch.utils.data.TensorDataset(ids.float().unsqueeze(1), ids)


def _epoch(loader):
    return [batch[1].tolist() for batch in loader]


@case
def loaders(learner):
    import torch
    torch.manual_seed(0)   # only to make a run repeatable; the checks read no particular order
    train_loader, test_loader = learner.make_loaders(_dataset(N_TRAIN, 0), _dataset(N_TEST, 100), batch_size=BATCH)
    first, second = _epoch(train_loader), _epoch(train_loader)
    return {"train_sizes": [len(b) for b in first],
            "train_seen": sorted(i for b in first for i in b),
            "train_in_order": [i for b in first for i in b] == sorted(i for b in first for i in b),
            "train_epochs_differ": first != second,
            "test_sizes": [len(b) for b in _epoch(test_loader)],
            "test": [i for b in _epoch(test_loader) for i in b]}


def test_training_batches_are_full(out):
    sizes = out["loaders"]["train_sizes"]
    what = f"the training loader over {N_TRAIN} examples with batch_size={BATCH}"
    if sizes != [BATCH, BATCH]:
        fail_if_mistake(sizes, {f"it ends with a batch of {N_TRAIN % BATCH}: drop it (drop_last=True), so every step "
                                f"sees {BATCH} examples": [BATCH, BATCH, N_TRAIN % BATCH]}, what)
        fail(f"{what} gives batches of sizes {sizes}, expected [{BATCH}, {BATCH}] (batch_size examples each, "
             "the incomplete last batch dropped)")


def test_training_is_shuffled(out):
    got = out["loaders"]
    what = f"the training loader over {N_TRAIN} examples"
    if got["train_in_order"] and not got["train_epochs_differ"]:
        fail(f"{what} gives the examples in their original order every epoch: shuffle=True, so each epoch "
             "sees them in a new random order")
    if not got["train_epochs_differ"]:
        fail(f"{what} gives the same order in every epoch: shuffle=True reshuffles at each pass")


def test_test_loader_keeps_order(out):
    got = out["loaders"]
    what = f"the test loader over {N_TEST} examples with batch_size={BATCH}"
    expected = list(range(100, 100 + N_TEST))
    if sorted(got["test"]) == expected and got["test"] != expected:
        fail(f"{what} shuffles them: evaluate in order, shuffle=False")
    if got["test"] != expected:
        fail(f"{what} gives the examples {got['test']}, expected all of them in order {expected}: "
             "no drop_last for evaluation")
    if got["test_sizes"] != [BATCH, N_TEST - BATCH]:
        fail(f"{what} gives batches of sizes {got['test_sizes']}, expected [{BATCH}, {N_TEST - BATCH}]")
