"""Checks for dpo.compute_dpo_loss_loader: the mean loss and rewards, as floats, over all the batches or the first
num_batches of them (never more than there are), and nan for an empty loader."""
import math

import numpy as np

from grader.checks import case, expect_close, expect_type, fail, fail_if_mistake, sibling

ref = sibling(__file__, "dpo_reference")
TOL = dict(atol=2e-5, rtol=1e-4)
BETA, N_BATCHES = 0.5, 4
CALLS = {"all": None, "first_two": 2, "more_than_there_are": 10}


@case
def averages(learner):
    policy, reference = ref.models(learner)
    loader = ref.loader(N_BATCHES, 2, "dpo.loader.")
    got = {name: learner.compute_dpo_loss_loader(loader, policy, reference, BETA, num_batches=k)
           for name, k in CALLS.items()}
    return {"got": {name: list(v) if isinstance(v, tuple) else v for name, v in got.items()},
            "per_batch": [ref.reference_dpo_batch(batch, policy, reference, BETA) for batch in loader]}


@case
def empty(learner):
    policy, reference = ref.models(learner)
    value = learner.compute_dpo_loss_loader([], policy, reference, BETA)
    values = value if isinstance(value, (tuple, list)) else [value]
    return {"nan": all(isinstance(v, float) and math.isnan(v) for v in values), "repr": repr(value)[:60]}


def _three(out, name):
    got = out["averages"]["got"][name]
    expect_type(got, list, f"compute_dpo_loss_loader(..., num_batches={CALLS[name]})")
    if len(got) != 3:
        fail(f"compute_dpo_loss_loader should return three numbers, (loss, chosen_rewards, rejected_rewards); got "
             f"{len(got)}")
    for value in got:
        if not isinstance(value, float):
            kind = "tensor" if hasattr(value, "torch_dtype") else type(value).__name__
            fail(f"compute_dpo_loss_loader returned a {kind}: add up each batch's values as Python "
                 "floats (.item()), so that no computation graph is kept across batches")
    return np.array(got)


def test_all_batches(out):
    per_batch = np.array(out["averages"]["per_batch"])
    expect_close(_three(out, "all"), per_batch.mean(0), f"the means over all {N_BATCHES} batches (num_batches=None)",
                 **TOL, mistakes={"only the first batch counted: add up every batch": per_batch[0],
                                  "the sums are not divided by the number of batches": per_batch.sum(0)})


def test_first_num_batches(out):
    per_batch = np.array(out["averages"]["per_batch"])
    got = _three(out, "first_two")
    fail_if_mistake(got, {
        f"the values of 2 batches are divided by len(data_loader) ({N_BATCHES}): divide by num_batches":
            per_batch[:2].sum(0) / N_BATCHES,
        "every batch is averaged: stop after the first num_batches batches": per_batch.mean(0)},
        "compute_dpo_loss_loader(..., num_batches=2)", **TOL)
    expect_close(got, per_batch[:2].mean(0), "the means over the first 2 batches (num_batches=2)", **TOL)


def test_more_batches_than_there_are(out):
    out.error("averages", {"ZeroDivisionError": "num_batches larger than the loader: use min(num_batches, "
                                                "len(data_loader))"})
    per_batch = np.array(out["averages"]["per_batch"])
    got = _three(out, "more_than_there_are")
    fail_if_mistake(got, {f"with num_batches=10 and {N_BATCHES} batches the sums are divided by 10: use "
                          "min(num_batches, len(data_loader))": per_batch.sum(0) / 10},
                    "compute_dpo_loss_loader(..., num_batches=10)", **TOL)
    expect_close(got, per_batch.mean(0), f"the means with num_batches=10 on a loader of {N_BATCHES} batches", **TOL)


def test_empty_loader_is_nan(out):
    out.error("empty", {"ZeroDivisionError": "an empty loader divided by zero: return float('nan') for it",
                        "IndexError": "an empty loader has no batch: return float('nan') for it"})
    if not out["empty"]["nan"]:
        fail(f"compute_dpo_loss_loader on an empty loader returned {out['empty']['repr']}; expected float('nan')")
