"""Worker side: set an attention module's weights from reference arrays, fused QKV projections included.

`set_attention_weights(module, reference)` is `grader.checks.weights.assign` (by name, then by shape) plus
one more rule: when a prefix's W_query/W_key/W_value arrays found no parameter, a parameter left
over whose shape is the three stacked (an nn.Linear(d_in, 3 * d_out), or a (d_in, 3 * d_out)
matrix) is filled with them in the order query, key, value.
"""
from __future__ import annotations

import numpy as np

from .weights import assign

QKV = ("W_query", "W_key", "W_value")


def set_attention_weights(module, reference: dict[str, np.ndarray]) -> dict[str, list[str]]:
    """Copy `reference` into `module`; returns the names still unmatched on each side, as assign does."""
    import torch

    left = assign(module, reference)
    params = dict(module.named_parameters())
    left_ref, left_mod = list(left["unmatched_reference"]), list(left["unmatched_module"])
    for name in [n for n in reference if n.rsplit(".", 1)[-1] == "W_query" or ".W_query." in "." + n]:
        parts = [name.replace("W_query", q) for q in QKV]
        if not all(p in left_ref for p in parts):
            continue
        # Linear weights (d_out, d_in) and biases stack on dim 0; v1's (d_in, d_out) matrices on dim 1
        axis = 1 if name.endswith("W_query") and reference[name].ndim == 2 else 0
        stacked = np.concatenate([reference[p] for p in parts], axis=axis)
        prefix = name[: name.index("W_query")]
        fits = sorted((m for m in left_mod if tuple(params[m].shape) == stacked.shape),
                      key=lambda m: not m.startswith(prefix))
        if fits:
            with torch.no_grad():
                params[fits[0]].copy_(torch.from_numpy(stacked).to(params[fits[0]].dtype))
            left_mod.remove(fits[0])
            for p in parts:
                left_ref.remove(p)
    return {"unmatched_reference": sorted(left_ref), "unmatched_module": sorted(left_mod)}
