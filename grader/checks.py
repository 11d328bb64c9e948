"""What a check module is written with.

Worker side: `@case` marks a function `f(learner)` that runs the learner's code on fixed input
and returns plain data. Trusted side: `test_*` functions take the fixtures `out` (this run's
case results) and `snap` (the solution's results, from the committed snapshot), and fail
through `fail()` or the `expect_*` helpers with a message written for the learner.
"""
from __future__ import annotations

import numpy as np


class CheckFailed(AssertionError):
    """A check found a difference; its message is the learner's feedback."""


def case(fn):
    """Mark a worker-side function `fn(learner) -> plain data`; its name keys `out` and `snap`."""
    fn._grader_case = True
    return fn


def points(weight: float):
    """Weight of a check within its exercise (default 1); the exercise's points are shared by weight."""
    def mark(fn):
        fn._grader_points = float(weight)
        return fn
    return mark


def fail(message: str):
    raise CheckFailed(message)


def show(value, limit: int = 120) -> str:
    """A short, readable rendering of a value for feedback."""
    if isinstance(value, np.ndarray):
        if value.size <= 8:
            text = np.array2string(value, precision=4, separator=", ")
        else:
            text = f"array of shape {list(value.shape)}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def first_difference(got, expected):
    """Index of the first differing item of two sequences, or None when equal."""
    for i, (g, e) in enumerate(zip(got, expected)):
        if g != e:
            return i
    return None if len(got) == len(expected) else min(len(got), len(expected))


def expect_type(got, kinds, what: str):
    if not isinstance(got, kinds):
        names = kinds.__name__ if isinstance(kinds, type) else " or ".join(k.__name__ for k in kinds)
        fail(f"{what} should be a {names}, got {type(got).__name__}: {show(got)}")


def expect_sequence(got, expected: list, what: str, item: str = "item"):
    """Lists of tokens, ids or strings: length, then first differing position with context."""
    if isinstance(got, np.ndarray):
        got = got.tolist()
    expect_type(got, list, what)
    i = first_difference(got, expected)
    if i is None:
        return
    lo = max(0, i - 3)
    context = (f"at position {i}: expected {show(expected[i]) if i < len(expected) else '(end)'}, "
               f"got {show(got[i]) if i < len(got) else '(end)'}")
    fail(f"{what} differs {context}.\n  expected [{lo}:{i + 4}] = {show(expected[lo:i + 4])}\n"
         f"  got      [{lo}:{i + 4}] = {show(got[lo:i + 4])}"
         + (f"\n  lengths: expected {len(expected)}, got {len(got)}" if len(got) != len(expected) else ""))


def expect_shape(got, shape, what: str):
    if not isinstance(got, np.ndarray):
        fail(f"{what} should be a tensor, got {type(got).__name__}: {show(got)}")
    if list(got.shape) != list(shape):
        fail(f"{what} has shape {list(got.shape)}, expected {list(shape)}")


def expect_dtype(got, torch_dtype: str, what: str):
    actual = getattr(got, "torch_dtype", "") or str(getattr(got, "dtype", type(got).__name__))
    if actual != torch_dtype:
        fail(f"{what} has dtype {actual}, expected {torch_dtype}")


def expect_close(got, expected, what: str, atol: float = 1e-5, rtol: float = 1e-4):
    """Shape first, then values within |got - expected| <= atol + rtol * |expected|,
    reporting the largest difference and the first position that is off."""
    expected = np.asarray(expected)
    if not isinstance(got, np.ndarray):
        if isinstance(got, (int, float, list)):
            got = np.asarray(got)
        else:
            fail(f"{what} should be a tensor, got {type(got).__name__}: {show(got)}")
    expect_shape(got, expected.shape, what)
    if got.dtype.kind not in "biuf":
        fail(f"{what} should hold numbers, got dtype {got.dtype}")
    got64, exp64 = got.astype(np.float64), expected.astype(np.float64)
    if np.isnan(got64).any() and not np.isnan(exp64).any():
        pos = tuple(int(i) for i in np.argwhere(np.isnan(got64))[0])
        fail(f"{what} contains NaN (first at index {list(pos)}); expected finite values")
    bad = ~np.isclose(got64, exp64, atol=atol, rtol=rtol, equal_nan=True)
    if bad.any():
        diff = np.abs(got64 - exp64)
        diff[np.isnan(diff)] = np.inf
        pos = tuple(int(i) for i in np.argwhere(bad)[0])
        fail(f"{what} differs from the expected values: max |difference| = {np.nanmax(diff):.4g} "
             f"(tolerance atol={atol:g}, rtol={rtol:g}); first at index {list(pos)}: "
             f"expected {exp64[pos]:.6g}, got {got64[pos]:.6g}")


def expect_equal(got, expected, what: str):
    if isinstance(got, np.ndarray) or isinstance(expected, np.ndarray):
        expected = np.asarray(expected)
        expect_shape(got, expected.shape, what)
        if not np.array_equal(got, expected):
            pos = tuple(int(i) for i in np.argwhere(got != expected)[0])
            fail(f"{what} differs at index {list(pos)}: expected {show(expected[pos])}, got {show(got[pos])}")
        return
    if got != expected:
        fail(f"{what}: expected {show(expected)}, got {show(got)}")


def expect_names(got, expected, what: str, item: str = "name"):
    """The same set of names (state_dict keys, dict keys), order aside: missing ones first, then extra."""
    if isinstance(got, dict):
        got = list(got)
    expect_type(got, list, what)
    got_set, expected_set = set(got), set(expected)
    missing = [n for n in expected if n not in got_set]
    extra = [n for n in got if n not in expected_set]
    if missing or extra:
        parts = [f"missing {item}s {show(missing, 200)}"] if missing else []
        parts += [f"unexpected {item}s {show(extra, 200)}"] if extra else []
        fail(f"{what}: " + "; ".join(parts))


def build_on_meta(factory):
    """Worker side: factory() with every tensor it creates on the meta device (shapes, no memory),
    for counting the parameters of full-size models within the worker's limits.

    Meta tensors hold no values, so initialisation is skipped and triu/tril only shape their
    result: on meta these go through PyTorch's Python decompositions, whose first use imports
    sympy and torch._dynamo (2-4 s). Anything else still works on meta, only slower."""
    import torch
    from torch.nn import init

    def shape_only(original):
        def op(input, *args, **kwargs):
            if isinstance(input, torch.Tensor) and input.is_meta:
                return torch.empty(input.shape, dtype=input.dtype, device=input.device)
            return original(input, *args, **kwargs)
        return op

    saved = [(owner, name, getattr(owner, name)) for owner, names in (
        (init, ("uniform_", "normal_", "trunc_normal_", "kaiming_uniform_", "kaiming_normal_",
                "xavier_uniform_", "xavier_normal_", "orthogonal_")),
        (torch, ("triu", "tril")), (torch.Tensor, ("triu", "tril"))) for name in names]
    try:
        for owner, name, original in saved:
            setattr(owner, name, (lambda tensor, *args, **kwargs: tensor) if owner is init else shape_only(original))
        with torch.device("meta"):
            return factory()
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def sibling(check_file: str, name: str):
    """A helper module kept beside the check modules (e.g. attention_reference.py), loaded by path
    once per process; check modules are not a package, so a plain import would not find it."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(check_file).with_name(f"{name}.py")
    key = f"_grader_sibling_{path.parent.name}_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]
