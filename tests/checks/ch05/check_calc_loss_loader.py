"""Checks for ch05.calc_loss_loader: the mean batch loss over all batches or the first num_batches (never more
than the loader has), a float, and nan for an empty loader."""
import math

from grader.checks import case, expect_type, fail, sibling

ref = sibling(__file__, "pretraining_reference")
N_BATCHES = 4
CALLS = {"all": None, "first_two": 2, "more_than_there_are": 10}


def _loader():
    return ref.batches(N_BATCHES, 2, 6, "cll.")


@case
def implemented(learner):
    return ref.raises_if_stub(learner.calc_loss_loader, [], None, "cpu")


@case
def averages(learner):
    """calc_loss_loader on a list of 4 batches, and the loss of each batch computed here."""
    model = ref.tiny_gpt(learner).eval()
    loader = _loader()
    result = {name: learner.calc_loss_loader(loader, model, "cpu", num_batches=n) for name, n in CALLS.items()}
    return {"got": result, "batch_losses": [ref.reference_loss(model, x, y) for x, y in loader]}


@case
def data_loader(learner):
    """A real torch DataLoader (3 batches of 2) and num_batches=2."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset
    model = ref.tiny_gpt(learner).eval()
    x = torch.cat([b[0] for b in ref.batches(3, 2, 5, "cll.dl")])
    y = torch.cat([b[1] for b in ref.batches(3, 2, 5, "cll.dl")])
    loader = DataLoader(TensorDataset(x, y), batch_size=2, shuffle=False)
    return learner.calc_loss_loader(loader, model, "cpu", num_batches=2)


@case
def empty(learner):
    model = ref.tiny_gpt(learner).eval()
    try:
        value = learner.calc_loss_loader([], model, "cpu")
    except ZeroDivisionError:
        return {"error": "ZeroDivisionError"}
    return {"nan": isinstance(value, float) and math.isnan(value), "repr": repr(value)[:60]}


def _mean(values):
    return sum(values) / len(values)


def test_returns_a_float(out):
    out["implemented"]  # a stub says "not implemented" here, at its own TODO
    for name, value in out["averages"]["got"].items():
        if hasattr(value, "shape"):
            fail("calc_loss_loader returned a tensor: add up the batch losses as Python numbers (loss.item()), so "
                 "that no computation graph is kept alive, and return a float")
        expect_type(value, float, f"calc_loss_loader(..., num_batches={CALLS[name]})")


def test_average_of_all_batches(out, snap):
    got, losses = out["averages"]["got"]["all"], out["averages"]["batch_losses"]
    expected = snap["averages"]["got"]["all"]
    if math.isclose(got, sum(losses), rel_tol=1e-4):
        fail("calc_loss_loader returned the sum of the batch losses: divide by the number of batches")
    if not math.isclose(got, expected, rel_tol=1e-4, abs_tol=1e-5):
        fail(f"calc_loss_loader over all {N_BATCHES} batches (num_batches=None) gave {got:.5f}, expected their mean "
             f"{expected:.5f}")


def test_first_num_batches(out, snap):
    got, losses = out["averages"]["got"]["first_two"], out["averages"]["batch_losses"]
    expected = snap["averages"]["got"]["first_two"]
    if math.isclose(got, sum(losses[:2]) / N_BATCHES, rel_tol=1e-4):
        fail("with num_batches=2 you add up 2 batch losses but divide by len(data_loader): divide by num_batches")
    if math.isclose(got, _mean(losses), rel_tol=1e-4):
        fail("with num_batches=2 you averaged every batch: stop after the first num_batches batches")
    if not math.isclose(got, expected, rel_tol=1e-4, abs_tol=1e-5):
        fail(f"calc_loss_loader(..., num_batches=2) gave {got:.5f}, expected the mean of the first two batches, "
             f"{expected:.5f}")


def test_num_batches_capped(out, snap):
    got, losses = out["averages"]["got"]["more_than_there_are"], out["averages"]["batch_losses"]
    if math.isclose(got, sum(losses) / CALLS["more_than_there_are"], rel_tol=1e-4):
        fail(f"with num_batches=10 and only {N_BATCHES} batches you divided by 10: use "
             "min(num_batches, len(data_loader))")
    if not math.isclose(got, snap["averages"]["got"]["more_than_there_are"], rel_tol=1e-4, abs_tol=1e-5):
        fail(f"calc_loss_loader(..., num_batches=10) on a loader of {N_BATCHES} batches gave {got:.5f}, expected the "
             f"mean of all {N_BATCHES}")


def test_torch_data_loader(out, snap):
    got = out["data_loader"]
    expect_type(got, float, "calc_loss_loader on a torch DataLoader")
    if not math.isclose(got, snap["data_loader"], rel_tol=1e-4, abs_tol=1e-5):
        fail(f"calc_loss_loader on a DataLoader of 3 batches with num_batches=2 gave {got:.5f}, expected "
             f"{snap['data_loader']:.5f}")


def test_empty_loader_is_nan(out):
    got = out["empty"]
    if "error" in got:
        fail("calc_loss_loader on an empty loader divided by zero: return float('nan') when len(data_loader) == 0")
    if not got["nan"]:
        fail(f"calc_loss_loader on an empty loader returned {got['repr']}; expected float('nan')")
