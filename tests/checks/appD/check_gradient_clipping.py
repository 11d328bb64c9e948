"""Checks for appD.gradient_clipping: the global L2 norm over all gradients, every gradient scaled by the same
factor when it exceeds max_norm (as clip_grad_norm_), nothing changed below it, and the norm returned."""
import numpy as np

from grader.checks import case, expect_close, fail, fail_if_mistake

# the book's example G = [[1, 2], [2, 4]] (norm 5), next to tensors that matter only together
CASES = {"book_matrix": ([[[1.0, 2.0], [2.0, 4.0]]], 1.0),
         "together_too_long": ([[0.6, 0.48], [[0.48, 0.0], [0.0, 0.64]]], 1.0),   # each 0.768 or 0.8, together ~1.11
         "short_enough": ([[0.3, -0.4], [[0.1, 0.2], [0.2, 0.1]]], 1.0),
         "other_max_norm": ([[3.0, 4.0], [[1.0, -2.0], [2.0, 1.0]]], 2.5)}


def _model(grads):
    import torch
    model = torch.nn.Module()
    for i, g in enumerate(grads):
        p = torch.nn.Parameter(torch.zeros(np.shape(g)))
        p.grad = torch.tensor(g)
        model.register_parameter(f"p{i}", p)
    model.register_parameter("frozen", torch.nn.Parameter(torch.ones(3)))   # no gradient: skipped
    return model


@case
def clipped(learner):
    result = {}
    for name, (grads, max_norm) in CASES.items():
        model = _model(grads)
        norm = learner.clip_gradients(model, max_norm=max_norm)
        result[name] = {"norm": float(norm) if hasattr(norm, "__float__") else None,
                        "grads": [p.grad.detach().clone() for n, p in model.named_parameters() if n != "frozen"]}
    return result


def _flat(arrays):
    return np.concatenate([np.ravel(a) for a in arrays]) if arrays else np.zeros(0)


def _expected(grads, max_norm):
    flat = np.concatenate([np.ravel(g) for g in grads])
    norm = float(np.sqrt((flat ** 2).sum()))
    factor = min(1.0, max_norm / (norm + 1e-6))
    return norm, [np.asarray(g) * factor for g in grads]


def test_returns_the_norm_before_clipping(out):
    for name, (grads, max_norm) in CASES.items():
        got, (norm, _) = out["clipped"][name]["norm"], _expected(grads, max_norm)
        if got is None:
            fail("clip_gradients returned no number: return the global norm measured before clipping (a float)")
        if not np.isclose(got, norm, rtol=1e-5):
            what = f"clip_gradients returned {got:.5g} for gradients whose global L2 norm is {norm:.5g}"
            fail_if_mistake(got, {"measure it before scaling the gradients": min(norm, max_norm)}, what, rtol=1e-4)
            fail(what)


def test_global_clipping(out):
    for name, (grads, max_norm) in CASES.items():
        got = [np.asarray(g) for g in out["clipped"][name]["grads"]]
        norm, expected = _expected(grads, max_norm)
        if all(a.shape == b.shape and np.allclose(a, b, atol=1e-6) for a, b in zip(got, expected)):
            continue
        per_tensor = [np.asarray(g) * min(1.0, max_norm / (np.sqrt((np.asarray(g) ** 2).sum()) + 1e-6)) for g in grads]
        fail_if_mistake(_flat(got), {f"they were clipped one tensor at a time (each to norm {max_norm:g}); clipping "
                                     "uses the norm of all gradients together and scales every one by the same factor, "
                                     "max_norm / (norm + 1e-6)": _flat(per_tensor)},
                        "the gradients after clip_gradients", atol=1e-6, rtol=1e-5)
        if norm <= max_norm:
            fail(f"gradients of global norm {norm:.3g}, below max_norm = {max_norm:g}, were changed: leave them as "
                 "they are (clipping only shrinks)")
        for k, (a, b) in enumerate(zip(got, expected)):
            expect_close(a, b, f"gradient {k} after clipping ({name}: global norm {norm:.4g}, max_norm {max_norm:g})",
                         atol=1e-6, rtol=1e-5)
