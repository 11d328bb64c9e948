"""Checks for ch05.calc_loss_loader: the mean batch loss over all batches or the first num_batches (never more
than the loader has), a float, and nan for an empty loader."""
import math

from grader.checks import case, expect_type, fail, fail_if_mistake, show, sibling

ref = sibling(__file__, "pretraining_reference")
stand = sibling(__file__, "standins")
N_BATCHES = 4
CALLS = {"all": None, "first_two": 2, "more_than_there_are": 10}
REL = dict(atol=1e-5, rtol=1e-4)


@case
def averages(learner):
    """calc_loss_loader on a list of 4 batches, and the loss of each batch computed here."""
    model = stand.tiny_gpt(learner).eval()
    loader = stand.batches(N_BATCHES, 2, 6, "cll.")
    result = {name: learner.calc_loss_loader(loader, model, "cpu", num_batches=n) for name, n in CALLS.items()}
    return {"got": result, "batch_losses": [ref.reference_loss(model, x, y) for x, y in loader]}


@case
def data_loader(learner):
    """A real torch DataLoader (3 batches of 2) and num_batches=2."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset
    model = stand.tiny_gpt(learner).eval()
    x = torch.cat([b[0] for b in stand.batches(3, 2, 5, "cll.dl")])
    y = torch.cat([b[1] for b in stand.batches(3, 2, 5, "cll.dl")])
    loader = DataLoader(TensorDataset(x, y), batch_size=2, shuffle=False)
    return learner.calc_loss_loader(loader, model, "cpu", num_batches=2)


@case
def empty(learner):
    value = learner.calc_loss_loader([], stand.tiny_gpt(learner).eval(), "cpu")
    return {"nan": isinstance(value, float) and math.isnan(value), "repr": show(value, 60)}


def _expect_mean(out, snap, name: str, what: str, mistakes: dict):
    got, expected = out["averages"]["got"][name], snap["averages"]["got"][name]
    if not math.isclose(got, expected, rel_tol=REL["rtol"], abs_tol=REL["atol"]):
        fail_if_mistake(got, mistakes, f"calc_loss_loader(..., num_batches={CALLS[name]})", **REL)
        fail(f"calc_loss_loader(..., num_batches={CALLS[name]}) gave {got:.5f}, expected {what}, {expected:.5f}")


def test_returns_a_float(out):
    for name, value in out["averages"]["got"].items():
        if hasattr(value, "shape"):
            fail("calc_loss_loader returned a tensor: add up the batch losses as Python numbers (loss.item()), so "
                 "that no computation graph is kept alive, and return a float")
        expect_type(value, float, f"calc_loss_loader(..., num_batches={CALLS[name]})")


def test_average_of_all_batches(out, snap):
    losses = out["averages"]["batch_losses"]
    _expect_mean(out, snap, "all", f"the mean of all {N_BATCHES} batches", {
        "you returned the sum of the batch losses: divide by the number of batches": sum(losses)})


def test_first_num_batches(out, snap):
    losses = out["averages"]["batch_losses"]
    _expect_mean(out, snap, "first_two", "the mean of the first two batches", {
        "you add up 2 batch losses but divide by len(data_loader): divide by num_batches": sum(losses[:2]) / N_BATCHES,
        "you averaged every batch: stop after the first num_batches batches": sum(losses) / len(losses)})


def test_num_batches_capped(out, snap):
    losses = out["averages"]["batch_losses"]
    _expect_mean(out, snap, "more_than_there_are", f"the mean of all {N_BATCHES}", {
        f"with only {N_BATCHES} batches you divided by 10: use min(num_batches, len(data_loader))":
            sum(losses) / CALLS["more_than_there_are"]})


def test_torch_data_loader(out, snap):
    got = out["data_loader"]
    expect_type(got, float, "calc_loss_loader on a torch DataLoader")
    if not math.isclose(got, snap["data_loader"], rel_tol=REL["rtol"], abs_tol=REL["atol"]):
        fail(f"calc_loss_loader on a DataLoader of 3 batches with num_batches=2 gave {got:.5f}, expected "
             f"{snap['data_loader']:.5f}")


def test_empty_loader_is_nan(out):
    out.error("empty", {"ZeroDivisionError": "calc_loss_loader on an empty loader divided by zero: return "
                                             "float('nan') when len(data_loader) == 0"})
    if not out["empty"]["nan"]:
        fail(f"calc_loss_loader on an empty loader returned {out['empty']['repr']}; expected float('nan')")
