"""Shared by the chapter-6 checks (numpy at import, torch inside functions): small data made from the
course's generated SMS collection, the tiny GPT configuration, and a tiny causal classifier that logs
how it is called, for checking the loss, accuracy and training functions apart from the learner's GPT.

Check modules load it with grader.checks.sibling, on both sides of the worker boundary.
"""
from __future__ import annotations

import numpy as np

from grader.checks import sibling
from grader.checks.weights import pattern

gpt_ref = sibling(__file__, "ch04/gpt_reference")
CFG = gpt_ref.SMALL                                   # vocab 60, context 8, emb 16, 2 heads, 2 layers
V, C, D = CFG["vocab_size"], CFG["context_length"], CFG["emb_dim"]


def gpt_classifier_weights(key: str, num_classes: int = 2) -> dict:
    """Every parameter of the small GPTModel with a classification head, by the book's names."""
    weights = gpt_ref.model_weights(CFG, key)
    weights["out_head.weight"] = pattern((num_classes, D), key + "cls.weight")
    weights["out_head.bias"] = pattern((num_classes,), key + "cls.bias", 0.5)
    return weights


def messages(n: int, spam_every: int = 3) -> list[tuple[int, str]]:
    """(label, text) pairs from the generated collection, unique texts, about one spam in spam_every."""
    from course_data.sms import messages as generated

    spam = [t for label, t in generated() if label == "spam"]
    ham = list(dict.fromkeys(t for label, t in generated() if label == "ham"))
    out, s, h = [], 0, 0
    for i in range(n):
        if i % spam_every == 1:
            out.append((1, spam[s]))
            s += 1
        else:
            out.append((0, ham[h * 7 % len(ham)]))
            h += 1
    return out


def write_csv(path: str, rows: list[tuple[int, str]]) -> str:
    """A CSV as the book's random_split writes it (columns Label, Text), written without pandas."""
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Label", "Text"])
        writer.writerows(rows)
    return path


def token_batch(shape, key: str):
    import torch
    return torch.from_numpy((np.abs(pattern(shape, key, 1.0)) * V).astype(np.int64) % V)


def labels(n: int, key: str):
    import torch
    return torch.from_numpy((pattern((n,), key, 1.0) > 0).astype(np.int64))


def loader(n: int, batch_size: int, key: str, seq_len: int = 6):
    """A DataLoader over n fixed (token ids, label) examples, in order: no RNG involved."""
    from torch.utils.data import DataLoader, TensorDataset

    dataset = TensorDataset(token_batch((n, seq_len), key + ".ids"), labels(n, key + ".labels"))
    return DataLoader(dataset, batch_size=batch_size, shuffle=False)


def tiny_classifier(key: str = "tiny.", num_classes: int = 2):
    """A causal classifier with GPTModel's interface, (batch, seq_len) ids -> (batch, seq_len, num_classes)
    logits: position t sees the mean embedding of tokens 0..t. It records (training, grad enabled, input
    shape) of every call in .calls. Parameters set from grader.checks.weights.pattern, so no RNG is involved."""
    import torch

    class TinyClassifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.tok_emb = torch.nn.Embedding(V, D)
            self.pos_emb = torch.nn.Embedding(C, D)
            self.out_head = torch.nn.Linear(D, num_classes)
            self.calls = []
            with torch.no_grad():
                for name, p in self.named_parameters():
                    p.copy_(torch.from_numpy(pattern(tuple(p.shape), key + name, 1.0)))

        def forward(self, idx):
            self.calls.append([self.training, torch.is_grad_enabled(), list(idx.shape)])
            x = self.tok_emb(idx) + self.pos_emb(torch.arange(idx.shape[-1]))
            steps = torch.arange(1, idx.shape[-1] + 1, dtype=x.dtype).unsqueeze(-1)
            return self.out_head(torch.tanh(3 * x.cumsum(dim=-2) / steps))

    return TinyClassifier()


class PlainSGD:
    """Plain gradient descent with torch.optim's zero_grad()/step() interface. The first torch.optim optimizer of
    a process imports torch._dynamo (2 s or more), far more than a check may take; this one costs nothing."""

    def __init__(self, params, lr: float):
        self.params, self.lr = list(params), lr

    def zero_grad(self, set_to_none: bool = True):
        for p in self.params:
            p.grad = None

    def step(self):
        import torch

        with torch.no_grad():
            for p in self.params:
                if p.grad is not None:
                    p -= self.lr * p.grad
