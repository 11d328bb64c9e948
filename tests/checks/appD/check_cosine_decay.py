"""Checks for appD.cosine_decay: warmup, then half a cosine from peak_lr towards min_lr over the steps after the
warmup — checked at the first step, the end of the warmup and the last step."""
import math

import numpy as np

from grader.checks import case, expect_close, expect_type, fail, fail_if_mistake

RUNS = {"book_like": (30, 6, 1e-4, 1e-2, 1e-5), "short": (12, 3, 0.0, 1.0, 0.1)}  # total, warmup, initial, peak, min


def _last(total, warmup, peak, min_lr):
    return min_lr + (peak - min_lr) * 0.5 * (1 + math.cos(math.pi * (total - 1 - warmup) / (total - warmup)))


@case
def schedules(learner):
    return {name: learner.cosine_lrs(*run) for name, run in RUNS.items()}


def _lrs(out, name):
    got = out["schedules"][name]
    expect_type(got, list, f"cosine_lrs{RUNS[name]}")
    if len(got) != RUNS[name][0]:
        fail(f"cosine_lrs{RUNS[name]} returned {len(got)} rates; expected one per step, {RUNS[name][0]}")
    return np.array(got, dtype=np.float64)


def test_warmup_part(out):
    for name, (_total, warmup, initial, peak, _min_lr) in RUNS.items():
        got = _lrs(out, name)
        expected = initial + np.arange(warmup) * (peak - initial) / warmup
        if not np.allclose(got[:warmup], expected, rtol=1e-9, atol=1e-12):
            fail(f"the warmup steps of cosine_lrs{RUNS[name]} are {got[:warmup].round(6).tolist()}, expected "
                 f"{expected.round(6).tolist()}: warmup as in warmup_lrs, from initial_lr at step 0")


def test_peak_at_warmup_end(out):
    for name, (_total, warmup, _initial, peak, _min_lr) in RUNS.items():
        got = _lrs(out, name)
        if not np.isclose(got[warmup], peak, rtol=1e-9):
            fail(f"cosine_lrs{RUNS[name]}[{warmup}] is {got[warmup]:g}: the decay starts at peak_lr = {peak:g} at step "
                 "warmup_steps (progress 0)")


def test_last_step(out):
    for name, (total, warmup, _initial, peak, min_lr) in RUNS.items():
        got, expected = _lrs(out, name), _last(total, warmup, peak, min_lr)
        if np.isclose(got[-1], expected, rtol=1e-9, atol=1e-12):
            continue
        what = f"the last rate of cosine_lrs{RUNS[name]} is {got[-1]:g}, expected {expected:g}"
        fail_if_mistake(got[-1], {
            "progress runs over the steps after the warmup, (global_step - warmup_steps) / (total_steps - "
            "warmup_steps), not over all steps":
                min_lr + (peak - min_lr) * 0.5 * (1 + math.cos(math.pi * (total - 1 - warmup) / total)),
            "the cosine ends at min_lr, not at 0: min_lr + (peak_lr - min_lr) * 0.5 * (1 + cos(pi * progress))":
                _last(total, warmup, peak, 0.0)}, what, atol=1e-12, rtol=1e-9)
        fail(f"{what} (progress (total_steps - 1 - warmup_steps) / (total_steps - warmup_steps))")


def test_whole_schedule(out, snap):
    for name in RUNS:
        got = _lrs(out, name)
        if np.any(np.diff(got[RUNS[name][1]:]) > 1e-15):
            fail(f"cosine_lrs{RUNS[name]} rises again after the warmup: the cosine decays from peak_lr to min_lr")
        expect_close(got, snap["schedules"][name], f"cosine_lrs{RUNS[name]}", atol=1e-12, rtol=1e-9)
