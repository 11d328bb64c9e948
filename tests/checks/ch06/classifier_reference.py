"""Chapter 6's own helpers (numpy at import, torch inside functions): known weights for the GPT classifier, small
data made from the course's generated SMS collection, and its CSV files.

The stand-ins (tiny causal classifier, token batches, loaders, plain SGD) live in tests/checks/standins.py; the
names below keep the checks that load them from here working.
"""
from __future__ import annotations

from grader.checks import sibling
from grader.checks.weights import pattern

stand = sibling(__file__, "standins")
gpt_ref = stand.gpt_ref
CFG = gpt_ref.SMALL                                   # vocab 60, context 8, emb 16, 2 heads, 2 layers
V, C, D = CFG["vocab_size"], CFG["context_length"], CFG["emb_dim"]
token_batch, labels, loader = stand.token_batch, stand.labels, stand.loader
tiny_classifier, PlainSGD = stand.tiny_classifier, stand.PlainSGD


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
