"""Worker side: put a learner's module into a known state before comparing its outputs.

Values come from `pattern(shape, key)`, an integer formula (no RNG stream, no torch version
dependence). `assign(module, reference)` copies reference arrays into the module's parameters:
by name first, then, for names that differ, by shape among what is left (in reference order);
fused layouts are the caller's business. It returns what could not be matched, so a check can
say which parameter is missing or has the wrong shape.
"""
from __future__ import annotations

import zlib

import numpy as np


def pattern(shape, key: str, scale: float | None = None) -> np.ndarray:
    """Deterministic float32 values uniform in [-scale, scale), independent for every key.

    The default scale is 1/sqrt(fan_in) (the last dimension), like PyTorch's default init."""
    shape = tuple(int(s) for s in shape)
    n = int(np.prod(shape)) if shape else 1
    if scale is None:
        scale = 1.0 / np.sqrt(shape[-1]) if shape and shape[-1] > 0 else 1.0
    offset = np.uint64(zlib.crc32(key.encode()) * 0x9E3779B97F4A7C15 % 2**64)
    x = np.arange(n, dtype=np.uint64) + offset
    with np.errstate(over="ignore"):  # splitmix64: exact integer mixing, identical everywhere
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    values = (x >> np.uint64(11)).astype(np.float64) / 2.0**53 * 2.0 - 1.0   # uniform in [-1, 1)
    return (values * scale).astype(np.float32).reshape(shape)


def assign(module, reference: dict[str, np.ndarray]) -> dict[str, list[str]]:
    """Copy `reference` into `module`'s parameters and buffers with matching names or shapes.

    Returns {"unmatched_reference": [...], "unmatched_module": [...]} — names left over on
    each side (a non-empty result usually means a missing, extra or misshaped parameter)."""
    import torch

    params = dict(module.named_parameters())
    left_ref = dict(reference)
    left_mod = dict(params)
    with torch.no_grad():
        for name in list(left_ref):
            target = left_mod.get(name)
            if target is not None and tuple(target.shape) == left_ref[name].shape:
                target.copy_(torch.from_numpy(left_ref.pop(name)).to(target.dtype))
                del left_mod[name]
        for name in list(left_ref):
            same = [m for m, p in left_mod.items() if tuple(p.shape) == left_ref[name].shape]
            if same:
                target = left_mod.pop(same[0])
                target.copy_(torch.from_numpy(left_ref.pop(name)).to(target.dtype))
    return {"unmatched_reference": sorted(left_ref), "unmatched_module": sorted(left_mod)}
