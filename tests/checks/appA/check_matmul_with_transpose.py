"""Checks for appA.matmul_with_transpose: a (rows, cols) matrix times its transpose, (rows, rows)."""
import numpy as np

from grader.checks import case, expect_close, fail, fail_if_mistake
from grader.checks.weights import pattern

BOOK = [[1, 2, 3], [4, 5, 6]]   # the book's tensor2d (section A.2.3): gives [[14, 32], [32, 77]]
SHAPES = {"tall": (4, 3), "row": (1, 5)}


def _floats(shape):
    return pattern(shape, f"matmul.{shape}", 2.0)


@case
def products(learner):
    import torch
    result = {"book": learner.matmul_with_transpose(torch.tensor(BOOK))}
    for name, shape in SHAPES.items():
        result[name] = learner.matmul_with_transpose(torch.from_numpy(_floats(shape)))
    return result


def _inputs():
    return {"book": np.array(BOOK, np.float64), **{k: _floats(s).astype(np.float64) for k, s in SHAPES.items()}}


def test_shape(out):
    got = out["products"]
    for name, x in _inputs().items():
        rows, cols = x.shape
        value = got[name]
        if not isinstance(value, np.ndarray):
            fail(f"matmul_with_transpose should return a tensor, got {type(value).__name__}")
        what = f"matmul_with_transpose of a ({rows}, {cols}) matrix has shape {list(value.shape)}"
        if list(value.shape) != [rows, rows]:
            fail_if_mistake(list(value.shape), {f"(cols, cols): that is the transpose times the matrix. Multiply the "
                                                f"matrix by its transpose, in that order, for ({rows}, {rows})":
                                                [cols, cols]}, what)
            fail(f"{what}, expected [{rows}, {rows}]: a matrix product (@ or matmul) of the matrix with its "
                 "transpose, not an elementwise product")


def test_values(out, snap):
    got = out["products"]
    for name, x in _inputs().items():
        rows, cols = x.shape
        expect_close(got[name], snap["products"][name], f"matmul_with_transpose of the ({rows}, {cols}) matrix "
                     f"{'[[1, 2, 3], [4, 5, 6]]' if name == 'book' else name}", atol=1e-4, rtol=1e-5, mistakes={
                         "the product uses the matrix reshaped to (cols, rows), which keeps the elements in row order; "
                         "the transpose (.T) swaps rows and columns: [[1, 2, 3], [4, 5, 6]].T is "
                         "[[1, 4], [2, 5], [3, 6]]": x @ x.reshape(cols, rows)})
