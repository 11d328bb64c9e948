"""The comparison helpers checks are written with: each failure message names what differs."""
import numpy as np
import pytest

from grader.checks import (CheckFailed, expect_close, expect_dtype, expect_equal, expect_names,
                           expect_sequence, expect_shape, first_difference)
from grader.engine.wire import TensorArray


def message(fn, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as err:
        fn(*args, **kwargs)
    return str(err.value)


def test_expect_close_reports_largest_difference_first_index_and_tolerance():
    expected = np.zeros((2, 3), np.float32)
    got = expected.copy()
    got[1, 2], got[0, 1] = 0.5, 0.01
    text = message(expect_close, got, expected, "context", atol=1e-3, rtol=0)
    assert "max |difference| = 0.5" in text and "first at index [0, 1]" in text
    assert "atol=0.001" in text and "expected 0, got 0.01" in text
    expect_close(got, got + 1e-7, "same")


def test_shape_is_reported_before_values():
    text = message(expect_close, np.zeros((2, 3)), np.zeros((3, 2)), "weights")
    assert text == "weights has shape [2, 3], expected [3, 2]"
    assert "should be a tensor" in message(expect_shape, "abc", [1], "x")


def test_nan_is_named():
    got = np.array([0.0, np.nan])
    assert "contains NaN (first at index [1])" in message(expect_close, got, np.zeros(2), "out")


def test_sequences_report_first_differing_position_and_lengths():
    text = message(expect_sequence, [1, 2, 9, 4], [1, 2, 3, 4, 5], "ids")
    assert "at position 2: expected 3, got 9" in text and "lengths: expected 5, got 4" in text
    assert first_difference([1, 2], [1, 2]) is None and first_difference([1], [1, 2]) == 1


def test_dtype_uses_the_torch_name():
    got = np.zeros(2, np.float32).view(TensorArray)
    got.torch_dtype = "torch.float32"
    assert message(expect_dtype, got, "torch.int64", "ids") == "ids has dtype torch.float32, expected torch.int64"


def test_equal_and_names():
    assert "differs at index [1]" in message(expect_equal, np.array([1, 2]), np.array([1, 3]), "ids")
    text = message(expect_names, ["a", "c"], ["a", "b"], "state_dict keys", "key")
    assert "missing keys ['b']" in text and "unexpected keys ['c']" in text
