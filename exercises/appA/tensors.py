"""Appendix A.2: tensors — made from NumPy arrays (copied or shared), their dtypes, and matrix products."""
import torch


def copy_and_share(ary):
    """Two tensors holding the values of the NumPy array `ary`: (copied, shared) (section A.2.1).

    `copied` owns its memory, so later changes to `ary` leave it alone; `shared` uses the array's
    own memory, so it sees every later change to `ary`. Both keep the array's shape and dtype."""
    # TODO: return (copied, shared): a tensor with a copy of ary's data, and one sharing ary's memory.
    #       Both keep ary's shape and dtype (section A.2.1).
    raise NotImplementedError('copy_and_share: not written yet, see the TODO above')


def to_float32(tensor):
    """The values of `tensor` as a new 32-bit floating-point tensor (section A.2.2)."""
    # TODO: return a float32 tensor with the values of `tensor`, whatever its dtype (section A.2.2).
    raise NotImplementedError('to_float32: not written yet, see the TODO above')


def matmul_with_transpose(tensor2d):
    """The product of a (rows, cols) tensor with its transpose: shape (rows, rows) (section A.2.3)."""
    # TODO: return tensor2d multiplied (matrix product) by its transpose, shape (rows, rows).
    #       For the book's [[1, 2, 3], [4, 5, 6]] that is [[14, 32], [32, 77]] (section A.2.3).
    raise NotImplementedError('matmul_with_transpose: not written yet, see the TODO above')
