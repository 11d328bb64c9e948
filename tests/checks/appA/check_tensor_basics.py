"""Checks for appA.tensor_basics: torch.tensor copies a NumPy array, torch.from_numpy shares its memory;
to_float32 converts the dtype."""
import numpy as np

from grader.checks import case, expect_close, expect_dtype, fail

BOOK_ARRAY = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]   # the book's ary3d (section A.2.1)


def _copy_and_share(learner, values):
    """The learner's two tensors of a fresh array of `values`, read after its first element was changed to 999."""
    ary = np.array(values)
    copied, shared = learner.copy_and_share(ary)
    ary.flat[0] = 999
    return {"copied": copied, "shared": shared}


book_array = case(_copy_and_share, BOOK_ARRAY)
float_array = case(_copy_and_share, np.arange(6, dtype=np.float32).reshape(2, 3) / 4)


@case
def floats(learner):
    import torch
    return {"ints": learner.to_float32(torch.tensor([1, 2, 3])),
            "doubles": learner.to_float32(torch.tensor([[0.1, -2.5], [3.25, 1e-3]], dtype=torch.float64)),
            "float32": learner.to_float32(torch.tensor([0.5, -1.5]))}


def _tensor(got, what):
    if not isinstance(got, np.ndarray) or not getattr(got, "torch_dtype", ""):
        fail(f"{what} should be a torch tensor, got {type(got).__name__}")
    return got


def _pair(out, name, snap):
    got = out[name]
    if not isinstance(got, dict):
        fail(f"copy_and_share(ary) should return two tensors, (copied, shared); got {type(got).__name__}")
    return {k: _tensor(got[k], f"the {k} tensor of copy_and_share(ary)") for k in ("copied", "shared")}, snap[name]


def test_copied_is_a_copy(out, snap):
    for name in ("book_array", "float_array"):
        got, expected = _pair(out, name, snap)
        what = "copied, the first tensor copy_and_share returns,"
        expect_close(got["copied"], expected["copied"], f"{what} for the array {name.replace('_', ' ')}", 0, 0,
                     mistakes={f"{what} changed when the array changed afterwards, so it shares the array's memory: "
                               "torch.tensor(ary) makes a copy (torch.from_numpy and torch.as_tensor share)":
                               expected["shared"]})
        expect_dtype(got["copied"], expected["copied"].torch_dtype, f"{what} (keep the array's dtype)")


def test_shared_shares_memory(out, snap):
    for name in ("book_array", "float_array"):
        got, expected = _pair(out, name, snap)
        what = "shared, the second tensor copy_and_share returns,"
        expect_close(got["shared"], expected["shared"], f"{what} for the array {name.replace('_', ' ')}", 0, 0,
                     mistakes={f"{what} did not see the change made to the array afterwards, so it is a copy: "
                               "torch.from_numpy(ary) shares the array's memory": expected["copied"]})
        expect_dtype(got["shared"], expected["shared"].torch_dtype, f"{what} (keep the array's dtype)")


def test_to_float32(out, snap):
    got = out["floats"]
    for key, source in (("ints", "an int64 tensor"), ("doubles", "a float64 tensor"), ("float32", "a float32 tensor")):
        what = f"to_float32 of {source}"
        value = _tensor(got[key], what)
        expect_dtype(value, "torch.float32", what)
        expect_close(value, snap["floats"][key], what, atol=1e-7, rtol=1e-6)
