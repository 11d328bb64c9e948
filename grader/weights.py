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
    """Deterministic float32 values in about [-scale, scale], different for every key.

    The default scale is 1/sqrt(fan_in) (the last dimension), like PyTorch's default init."""
    shape = tuple(int(s) for s in shape)
    n = int(np.prod(shape)) if shape else 1
    if scale is None:
        scale = 1.0 / np.sqrt(shape[-1]) if shape and shape[-1] > 0 else 1.0
    seed = zlib.crc32(key.encode()) % 9973
    i = np.arange(n, dtype=np.int64)
    raw = ((i * 7919 + seed * 104729) % 10007) / 10007.0          # in [0, 1)
    wave = np.sin(i * 0.618034 + seed)                               # breaks the modular ladder
    values = (raw - 0.5) * 1.2 + 0.4 * wave
    return (values * scale).astype(np.float32).reshape(shape)


def reference_state(named_shapes: dict[str, tuple], prefix: str = "") -> dict[str, np.ndarray]:
    """A pattern for every parameter name/shape, e.g. from a solution's named_parameters()."""
    return {name: pattern(shape, prefix + name) for name, shape in named_shapes.items()}


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


def fill(module, prefix: str = "") -> None:
    """Set every parameter of `module` from `pattern`, keyed by its own name."""
    import torch

    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(torch.from_numpy(pattern(tuple(p.shape), prefix + name)).to(p.dtype))
