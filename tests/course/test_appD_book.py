"""Appendix D's figures, reproduced by the reference solutions in solutions/appD."""
import math

import pytest

import support

torch = pytest.importorskip("torch")


def training():
    return support.solution("appD", "training")


def test_book_schedule():
    """15 epochs of the story's 9 batches, 20% warmup (27 steps), initial 0.0001, peak 0.01, min 0.1 * initial."""
    total, warmup = 15 * 9, int(0.2 * 15 * 9)
    lrs = training().cosine_lrs(total, warmup, 0.0001, 0.01, 0.00001)
    assert len(lrs) == 135
    assert lrs[0] == 0.0001 and math.isclose(lrs[26], 0.0001 + 26 * (0.01 - 0.0001) / 27)
    assert lrs[27] == 0.01 and max(lrs) == 0.01
    assert math.isclose(lrs[-1], 0.00001 + (0.01 - 0.00001) * 0.5 * (1 + math.cos(math.pi * 107 / 108)))
    assert training().warmup_lrs(total, warmup, 0.0001, 0.01)[27:] == [0.01] * 108


def test_clipping_the_books_matrix():
    """D.3: G = [[1, 2], [2, 4]] has L2 norm 5; clipped to max_norm 1 it becomes G / 5."""
    model = torch.nn.Linear(2, 2, bias=False)
    model.weight.grad = torch.tensor([[1.0, 2.0], [2.0, 4.0]])
    assert training().clip_gradients(model, max_norm=1.0) == 5.0
    assert torch.allclose(model.weight.grad, torch.tensor([[0.2, 0.4], [0.4, 0.8]]), atol=1e-6)


def test_matches_clip_grad_norm():
    torch.manual_seed(0)
    a, b = torch.nn.Linear(5, 3), torch.nn.Linear(5, 3)
    b.load_state_dict(a.state_dict())
    x = torch.randn(4, 5) * 10
    for m in (a, b):
        m(x).pow(2).sum().backward()
    norm = training().clip_gradients(a, max_norm=1.0)
    assert math.isclose(norm, float(torch.nn.utils.clip_grad_norm_(b.parameters(), max_norm=1.0)), rel_tol=1e-6)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.allclose(p.grad, q.grad, atol=1e-7)
