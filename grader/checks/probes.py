"""Worker side: put a learner's module into a known state and probe its behaviour (torch imported inside)."""
from __future__ import annotations

import numpy as np

from .attention_weights import set_attention_weights
from .weights import pattern


def with_weights(module, weights: dict):
    """The module with `weights` (name -> array) assigned by name, then by shape, fused QKV projections
    included (grader.checks.attention_weights); names left unmatched are for the checks of names to report."""
    set_attention_weights(module, weights)
    return module


def forward(module, x):
    """module(x) for a numpy x (or a tensor), without gradients."""
    import torch

    with torch.no_grad():
        return module(torch.from_numpy(x) if isinstance(x, np.ndarray) else x)


def eval_outputs(module, make_input, shapes: dict, variants=None):
    """In eval mode, without gradients: {name: module(make_input(shape))} for `shapes`, and under
    "variants" variants(module, make_input(shapes["main"])) — the outputs of known wrong wirings built
    from the learner's own submodules — or {} when those submodules are missing or broken."""
    import torch

    module.eval()
    with torch.no_grad():
        result = {k: module(make_input(s)) for k, s in shapes.items()}
        try:
            result["variants"] = variants(module, make_input(shapes["main"])) if variants else {}
        except Exception:  # noqa: BLE001 - the checks say what is missing or broken elsewhere
            result["variants"] = {}
    return result


def dropout_probe(module, x, x_train=None, seed: int = 0) -> dict:
    """The module's behaviour under dropout, judged from outside: module(x) twice in eval mode, then
    module(x_train) (default x) twice in train mode, without gradients; leaves the module in eval mode."""
    import torch

    x_train = x if x_train is None else x_train
    with torch.no_grad():
        module.eval()
        first, again = forward(module, x), forward(module, x)
        module.train()
        torch.manual_seed(seed)
        train, train_again = forward(module, x_train), forward(module, x_train)
    module.eval()
    return {"eval": first, "eval_again": again, "train": train, "train_again": train_again}


def weighted_backward(output, key: str) -> None:
    """backward() of a fixed weighted sum of `output` (weights from grader.checks.weights.pattern)."""
    import torch


    (output * torch.from_numpy(pattern(tuple(output.shape), key, 1.0))).sum().backward()


def gradient_sizes(module) -> dict:
    """After backward(): {parameter name: sum of |grad|, or None where no gradient arrived}."""
    return {n: (None if p.grad is None else float(p.grad.abs().sum())) for n, p in module.named_parameters()}


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
