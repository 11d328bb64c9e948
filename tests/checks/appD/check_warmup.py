"""Checks for appD.warmup: linear warmup from initial_lr at step 0 to peak_lr at step warmup_steps, then flat."""
import numpy as np

from grader.checks import case, expect_close, expect_type, fail, fail_if_mistake

RUNS = {"book_like": (30, 6, 1e-4, 1e-2), "from_zero": (10, 4, 0.0, 1.0)}   # total, warmup, initial, peak
TOL = dict(atol=1e-12, rtol=1e-9)


@case
def schedules(learner):
    return {name: learner.warmup_lrs(*run) for name, run in RUNS.items()}


def _lrs(out, name):
    total = RUNS[name][0]
    got = out["schedules"][name]
    expect_type(got, list, f"warmup_lrs{RUNS[name]}")
    if len(got) != total:
        fail(f"warmup_lrs{RUNS[name]} returned {len(got)} rates; expected one per step, {total}")
    return np.array(got, dtype=np.float64)


def test_first_step(out):
    for name, (_total, warmup, initial, peak) in RUNS.items():
        got = _lrs(out, name)
        if not np.isclose(got[0], initial, **TOL):
            what = f"warmup_lrs{RUNS[name]} starts at {got[0]:g}; the first step should use initial_lr = {initial:g}"
            fail_if_mistake(got[0], {"the first step is step 0 — count global_step from -1 and add 1 before using "
                                     "it, as the book does": initial + (peak - initial) / warmup}, what, **TOL)
            fail(what)


def test_reaches_peak_at_warmup_end(out):
    for name, (_total, warmup, initial, peak) in RUNS.items():
        got = _lrs(out, name)
        if not np.isclose(got[warmup], peak, rtol=1e-9):
            fail(f"warmup_lrs{RUNS[name]}[{warmup}] is {got[warmup]:g}; at step warmup_steps the rate reaches peak_lr "
                 f"= {peak:g}")
        if not np.isclose(got[warmup - 1], peak - (peak - initial) / warmup, rtol=1e-9):
            before_peak = peak - (peak - initial) / warmup
            fail(f"warmup_lrs{RUNS[name]}[{warmup - 1}] is {got[warmup - 1]:g}, expected {before_peak:g}: "
                 "the increment is (peak_lr - initial_lr) / warmup_steps")
        if not np.allclose(got[warmup:], peak, rtol=1e-9):
            fail(f"after the warmup the rate should stay at peak_lr = {peak:g}; got {got[warmup:].round(6).tolist()}")


def test_whole_schedule(out, snap):
    for name in RUNS:
        expect_close(_lrs(out, name), snap["schedules"][name], f"warmup_lrs{RUNS[name]}", atol=1e-12, rtol=1e-9)
