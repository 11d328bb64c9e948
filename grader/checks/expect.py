"""Trusted side: compare a learner's plain results with the expected ones, failing with a message for the learner."""
from __future__ import annotations

import re

import numpy as np

from .declare import fail


def show(value, limit: int = 120) -> str:
    """A short, readable rendering of a value for feedback."""
    if isinstance(value, np.ndarray):
        if value.size <= 8:
            text = np.array2string(value, precision=4, separator=", ")
        else:
            text = f"array of shape {list(value.shape)}"
    else:
        text = repr(value)
    return text if len(text) <= limit else shorten(text, limit - 4)


def shorten(text: str, limit: int) -> str:
    """`text` cut to about `limit` characters at a word, never inside one that names a place (a path or file.py:line,
    kept whole however long), with " ..." where words were left out."""
    words, kept = text.split(" "), []
    for word in words:
        if kept and len(" ".join(kept)) + 1 + len(word) > limit and not _names_a_place(word):
            break
        kept.append(word)
    if len(kept[0]) > limit and not _names_a_place(kept[0]):  # one long word that names no place: cut it
        return kept[0][:limit] + " ..."
    return " ".join(kept) + (" ..." if len(kept) < len(words) else "")


def short_error(error: dict | None, limit: int = 160) -> str:
    """A learner's exception (a record from `out.error`) in one line for feedback: its type, its message shortened
    at a word (see shorten: a location is never cut), and the file and line where it was raised."""
    error = error or {}
    message = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", str(error.get("message", ""))).split())  # one line, no colours
    where = error.get("where") or {}
    place = f", in {where['file']}:{where.get('line')}" if where.get("file") else ""
    text = shorten(message, limit) if len(message) > limit else message
    return f"{error.get('type', 'Error')}: {text}{place}" if text else f"{error.get('type', 'Error')}{place}"


def _names_a_place(word: str) -> bool:
    return "/" in word or "\\" in word or ".py" in word


def first_difference(got, expected):
    """Index of the first differing item of two sequences, or None when equal."""
    for i, (g, e) in enumerate(zip(got, expected)):
        if g != e:
            return i
    return None if len(got) == len(expected) else min(len(got), len(expected))


def which_mistake(got, mistakes: dict | None, atol: float = 1e-5, rtol: float = 1e-4) -> str | None:
    """The advice for the first known mistake `got` matches, or None. `mistakes` maps advice to what the
    code gives with that mistake (computed here or, from the learner's own parts, in the worker); arrays
    and numbers match within atol + rtol * |value|, anything else by equality; a value of None is skipped
    (a variant the worker could not build)."""
    for advice, value in (mistakes or {}).items():
        if value is not None and _same(got, value, atol, rtol):
            return advice
    return None


def _same(got, value, atol: float, rtol: float) -> bool:
    if isinstance(got, np.ndarray) or isinstance(value, np.ndarray):
        got, value = np.asarray(got), np.asarray(value)
        return (got.shape == value.shape and got.dtype.kind in "biuf" and value.dtype.kind in "biuf"
                and bool(np.allclose(got.astype(np.float64), value.astype(np.float64), atol=atol, rtol=rtol,
                                     equal_nan=True)))  # NaN where the mistake gives NaN (a row masked entirely)
    if isinstance(got, bool) or isinstance(value, bool):
        return got is value
    if isinstance(got, (int, float)) and isinstance(value, (int, float)):
        return abs(got - value) <= atol + rtol * abs(value)
    return got == value


NOT_AN_EXCEPTION = ("SystemExit", "KeyboardInterrupt", "GeneratorExit")   # what `except Exception` lets by


def which_error(error_type: str, message: str, advice: dict | None) -> str | None:
    """The advice for the first key of `advice` that describes an error the learner's code raised: a key is an
    exception's type name ("KeyError"), optionally with words its message contains ("KeyError: ':'"), and
    "Exception" stands for any type ("Exception: MASTER_PORT"), as `except Exception` does; the error of another
    process, a traceback as text, is judged by its words the same way."""
    for key, text in (advice or {}).items():
        kind, _, words = key.partition(": ")
        any_type = kind == "Exception" and error_type not in NOT_AN_EXCEPTION
        if (kind == error_type or any_type) and words in message:
            return text
    return None


def fail_if_mistake(got, mistakes: dict | None, what: str, atol: float = 1e-5, rtol: float = 1e-4) -> None:
    """Fail with "`what`: <advice>" when `got` matches one of the known `mistakes` (see which_mistake)."""
    advice = which_mistake(got, mistakes, atol, rtol)
    if advice:
        fail(f"{what}: {advice}")


def expect_type(got, kinds, what: str):
    if not isinstance(got, kinds):
        names = kinds.__name__ if isinstance(kinds, type) else " or ".join(k.__name__ for k in kinds)
        fail(f"{what} should be a {names}, got {type(got).__name__}: {show(got)}")


def expect_sequence(got, expected: list, what: str, item: str = "item", mistakes: dict | None = None):
    """Lists of tokens, ids or strings: length, then first differing position with context; a known
    mistake (`mistakes`, see which_mistake) is named first."""
    if isinstance(got, np.ndarray):
        got = got.tolist()
    expect_type(got, list, what)
    i = first_difference(got, expected)
    if i is None:
        return
    fail_if_mistake(got, mistakes, what)
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


def expect_close(got, expected, what: str, atol: float = 1e-5, rtol: float = 1e-4, mistakes: dict | None = None):
    """Shape first, then values within |got - expected| <= atol + rtol * |expected|, reporting the largest
    difference and the first position that is off; a known mistake (`mistakes`, see which_mistake) that
    the values match is named before the numbers."""
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
    bad = ~np.isclose(got64, exp64, atol=atol, rtol=rtol, equal_nan=True)
    if not bad.any():
        return
    if np.isnan(got64).any() and not np.isnan(exp64).any():
        pos = tuple(int(i) for i in np.argwhere(np.isnan(got64))[0])
        text = f"{what} contains NaN (first at index {list(pos)}); expected finite values"
    else:
        text = _difference(what, got64, exp64, bad, atol, rtol)
    advice = which_mistake(got, mistakes, atol, rtol)
    fail(f"{advice}\n{text}" if advice else text)


def _difference(what: str, got64, exp64, bad, atol: float, rtol: float) -> str:
    """How far `got64` is from `exp64`: the largest difference and the first position off."""
    diff = np.atleast_1d(np.abs(got64 - exp64))  # 0-d for plain numbers
    diff[np.isnan(diff)] = np.inf
    if exp64.ndim == 0:  # one number: no index to name
        return (f"{what} differs from the expected values: got {got64:.6g}, expected {exp64:.6g} (|difference| = "
                f"{diff[0]:.4g}; tolerance atol={atol:g}, rtol={rtol:g})")
    pos = tuple(int(i) for i in np.argwhere(bad)[0])
    return (f"{what} differs from the expected values: max |difference| = {np.nanmax(diff):.4g} "
            f"(tolerance atol={atol:g}, rtol={rtol:g}); first at index {list(pos)}: "
            f"expected {exp64[pos]:.6g}, got {got64[pos]:.6g}")


def expect_equal(got, expected, what: str, mistakes: dict | None = None):
    """Exactly equal (arrays: shape, then the first differing index); a known mistake is named first."""
    if not _same(got, expected, 0.0, 0.0):
        fail_if_mistake(got, mistakes, what, 0.0, 0.0)
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


def matching_variant(got, variants: dict, atol: float, rtol: float):
    """The name of the first of `variants` (name -> output of a known wrong wiring) that `got` matches, or None."""
    if not isinstance(got, np.ndarray) or not isinstance(variants, dict):
        return None
    for name, value in variants.items():
        if isinstance(value, np.ndarray) and value.shape == got.shape and np.allclose(got, value, atol=atol, rtol=rtol):
            return name
    return None


def expect_eval_repeatable(probe: dict, what: str, dropout_module: str = "nn.Dropout"):
    """`probe` from dropout_probe: two eval-mode calls on the same input agree exactly."""
    if not np.array_equal(probe["eval"], probe["eval_again"], equal_nan=True):
        fail(f"{what}: in eval mode (model.eval()) two calls on the same input differ, so dropout is still "
             f"active. Use nn.Dropout modules ({dropout_module}), which model.eval() switches off, not "
             "F.dropout(x, p) with its default training=True")


def expect_train_random(probe: dict, what: str, advice: str):
    """`probe` from dropout_probe: in train mode the output changes from call to call and differs from eval's."""
    train, again, evaluated = probe["train"], probe["train_again"], probe["eval"]
    comparable = train.shape == evaluated.shape
    if np.array_equal(train, again) or (comparable and np.allclose(train, evaluated, atol=1e-7)):
        fail(f"{what}: {advice}")


def expect_gradients(sizes: dict, what: str, advice: str = ""):
    """`sizes` from gradient_sizes: a nonzero gradient reached every parameter."""
    if not sizes:
        fail(f"{what} has no parameters at all: create them as nn.Parameter or nn.Linear so they are trained")
    missing = [n for n, g in sizes.items() if not g]
    if missing:
        fail(f"{what}: no gradient reached {', '.join(missing[:6])}{' ...' if len(missing) > 6 else ''} after "
             "backward(): " + (advice or "every parameter must take part in the output (don't detach, use .data "
                               "or run under torch.no_grad() in forward, and apply every layer you create)"))
