"""Stand-ins the checks of several chapters share: the tiny GPT with known weights, models whose logits are
known, a character tokenizer, deterministic batches, optimizers that record what a training loop did to them,
and watches that keep what the learner's code did for a later case (so it survives the learner's exception).

Loaded with sibling(__file__, "standins") on both sides of the worker boundary: numpy at import, torch inside.
"""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np

from grader.checks import sibling, with_weights
from grader.checks.weights import pattern

gpt_ref = sibling(str(Path(__file__).parent / "ch04" / "standins.py"), "gpt_reference")  # tests/checks/ch04/

# ---- the tiny GPT: the learner's chapter-4 GPTModel with known weights ----
TINY = dict(gpt_ref.SMALL)  # vocab 60, context 8, emb 16, 2 heads, 2 layers, no dropout
V, C, D = TINY["vocab_size"], TINY["context_length"], TINY["emb_dim"]


def tiny_gpt(learner, key: str = "c5.", **changes):
    """The learner's chapter-4 GPTModel on the tiny config (with `changes`), known weights by name."""
    cfg = {**TINY, **changes}
    model = learner.module("ch04/gpt.py").GPTModel(cfg)
    return with_weights(model, gpt_ref.model_weights(cfg, key))


# ---- a character tokenizer for the tiny vocabulary ----
# one character per token id, "\n" included (generate_and_print_sample replaces it)
CHARS = "abcdefghijklmnopqrstuvwxyz .,;:!?'\n-ABCDEFGHIJKLMNOPQRSTUVWX"
assert len(CHARS) == V


class CharTokenizer:
    """One id per character of CHARS; encode ignores tiktoken's options (allowed_special)."""

    def encode(self, text, **options):
        return [CHARS.index(c) for c in text]

    def decode(self, ids):
        return "".join(CHARS[int(i)] for i in ids)


# ---- deterministic inputs (no RNG stream) ----
def stream(n: int, key: str, vocab: int = V) -> list[int]:
    """A learnable token stream: a fixed walk through the vocabulary with a few deterministic jumps."""
    jumps = (np.abs(pattern((n,), key, 1.0)) > 0.85).astype(np.int64)
    return [int(t) for t in (np.arange(n) * 7 + np.cumsum(jumps) * 11) % vocab]


def batches(n_batches: int, batch_size: int, length: int, key: str):
    """[(inputs, targets)] of (batch_size, length) token ids, the targets shifted by one, as chapter 2's loader."""
    import torch

    ids = stream(n_batches * batch_size * length + 1, key)
    out = []
    for b in range(n_batches):
        rows = [ids[(b * batch_size + r) * length:(b * batch_size + r) * length + length + 1]
                for r in range(batch_size)]
        out.append((torch.tensor([r[:-1] for r in rows]), torch.tensor([r[1:] for r in rows])))
    return out


def token_batch(shape, key: str):
    """Token ids of `shape` in the tiny vocabulary."""
    import torch
    return torch.from_numpy((np.abs(pattern(shape, key, 1.0)) * V).astype(np.int64) % V)


def labels(n: int, key: str):
    """n class labels, 0 or 1."""
    import torch
    return torch.from_numpy((pattern((n,), key, 1.0) > 0).astype(np.int64))


def loader(n: int, batch_size: int, key: str, seq_len: int = 6):
    """A DataLoader over n fixed (token ids, label) examples, in order."""
    from torch.utils.data import DataLoader, TensorDataset

    dataset = TensorDataset(token_batch((n, seq_len), key + ".ids"), labels(n, key + ".labels"))
    return DataLoader(dataset, batch_size=batch_size, shuffle=False)


# ---- models whose logits are known ----
CONTEXT_VOCAB = 50
LOGITS = [2.0, -1.0, 0.5, 3.1, -2.2, 1.4, 0.0, 2.6, -0.7, 1.9, -3.0, 0.9]   # distinct: no ties in top-k


def favourite(window):
    """The context model's top token after each position of `window` (a list of ids)."""
    picks, total = [], 0
    for t, token in enumerate(window):
        total += 5 * token + 3
        picks.append((11 * total + 7 * t + 17) % CONTEXT_VOCAB)
    return picks


def context_model():
    """logits[b, t, v] = -((v - favourite) mod 50) / 4: 0 for the favourite token, negative elsewhere. Records the
    length of every input (.lengths) and whether gradients were on (.grad_enabled)."""
    import torch

    class ContextModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lengths, self.grad_enabled = [], []

        def forward(self, idx):
            self.lengths.append(int(idx.shape[1]))
            self.grad_enabled.append(torch.is_grad_enabled())
            fav = torch.tensor([favourite(row) for row in idx.tolist()], dtype=torch.long)
            v = torch.arange(CONTEXT_VOCAB)
            logits = -((v[None, None, :] - fav[:, :, None]) % CONTEXT_VOCAB).float() / 4
            return logits.requires_grad_(torch.is_grad_enabled())

    return ContextModel()


def constant_model():
    """The same logits, LOGITS, at every position of every input."""
    import torch

    class ConstantModel(torch.nn.Module):
        def forward(self, idx):
            return torch.tensor(LOGITS).expand(idx.shape[0], idx.shape[1], len(LOGITS)).clone()

    return ConstantModel()


def tiny_classifier(key: str = "tiny.", num_classes: int = 2):
    """A causal classifier with GPTModel's interface, (batch, seq_len) ids -> (batch, seq_len, num_classes) logits:
    position t sees the mean embedding of tokens 0..t. Records [training, grad enabled, input shape] of every call
    in .calls. Parameters from pattern(), so no RNG is involved."""
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


# ---- watches: what the learner's code did, kept for a later case ----
_KEPT: dict[str, object] = {}


def keep(name: str, record):
    """Keep `record` (a list or dict a watch fills in) under `name` and return it. A case that may end in the
    learner's exception keeps what it saw this way; a later case, `name = case(standins.kept, "name")`, returns it,
    so a check can read both the exception (out.error) and what led to it."""
    _KEPT[name] = record
    return record


def kept(learner, name: str):
    """A case: what an earlier case kept under `name` (None if it never got that far)."""
    return _KEPT.pop(name, None)


def watch_forward(model, name: str | None = None) -> list[dict]:
    """Record every call of model: its mode, whether gradients were on, and the input's shape (kept as `name`)."""
    import torch

    calls = keep(name, []) if name else []

    def hook(module, args):
        calls.append({"training": module.training, "grad": torch.is_grad_enabled(),
                      "shape": list(args[0].shape) if args else []})
    model.register_forward_pre_hook(hook)
    return calls


@contextlib.contextmanager
def watch_sampling(keep_rows: int = 3):
    """Record the (normalised) first rows handed to torch.multinomial / Tensor.multinomial, and how often."""
    import torch

    seen = {"calls": 0, "rows": []}
    originals = torch.multinomial, torch.Tensor.multinomial

    def record(probs):
        seen["calls"] += 1
        if len(seen["rows"]) < keep_rows:
            row = probs.detach().double().reshape(-1, probs.shape[-1])[0]
            seen["rows"].append((row / row.sum()).tolist() if float(row.sum()) > 0 else row.tolist())

    def multinomial(input, *args, **kwargs):
        record(input)
        return originals[0](input, *args, **kwargs)

    def method(self, *args, **kwargs):
        record(self)
        return originals[1](self, *args, **kwargs)

    torch.multinomial, torch.Tensor.multinomial = multinomial, method
    try:
        yield seen
    finally:
        torch.multinomial, torch.Tensor.multinomial = originals


def printed(fn, *args, **kwargs):
    """(what fn returned, what it printed)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        result = fn(*args, **kwargs)
    return result, buffer.getvalue()[:4000]


# ---- optimizers that cost nothing to create (torch.optim would import torch._dynamo here, 1.5-3 s) ----
class PlainSGD:
    """Plain gradient descent with torch.optim's zero_grad()/step() interface."""

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


def recording_adam(model, log: list, lr: float = 1e-2):
    """A stand-in for torch.optim.AdamW (Adam's update without weight decay) with its param_groups, zero_grad, step,
    state_dict and load_state_dict. At each step() it appends to `log` what the training loop made of the gradients
    and the learning rate: "raw" = the norm of the gradients backward() produced since the last step, "norm" = the
    norm of those about to be applied, "max_tensor" = the largest single-tensor norm, "fresh" = whether they are this
    step's only (up to a common factor, as clipping leaves them), "lr" = every group's learning rate, "training" =
    the model's mode, "n_grads" = how many parameters have a gradient."""
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    incoming = {}

    def arrived(p):
        def hook(grad):
            incoming[p] = incoming.get(p, 0) + grad.detach().clone()
        return hook
    for p in params:
        p.register_hook(arrived(p))

    class RecordingAdam:
        def __init__(self):
            self.param_groups = [{"params": params, "lr": lr}]
            self.state = {}  # parameter -> {"step", "exp_avg", "exp_avg_sq"}

        def zero_grad(self, set_to_none=True):
            for p in params:
                p.grad = None

        def step(self, closure=None):
            self._record()
            with torch.no_grad():
                for group in self.param_groups:
                    for p in group["params"]:
                        if p.grad is not None:
                            self._update(p, p.grad, group["lr"])

        def _update(self, p, g, rate):
            s = self.state.setdefault(p, {"step": torch.tensor(0.0), "exp_avg": torch.zeros_like(p),
                                          "exp_avg_sq": torch.zeros_like(p)})
            s["step"] += 1
            s["exp_avg"].mul_(0.9).add_(g, alpha=0.1)
            s["exp_avg_sq"].mul_(0.999).addcmul_(g, g, value=0.001)
            m_hat, v_hat = s["exp_avg"] / (1 - 0.9 ** s["step"]), s["exp_avg_sq"] / (1 - 0.999 ** s["step"])
            p.sub_(rate * m_hat / (v_hat.sqrt() + 1e-8))

        def _record(self):
            have = [p for p in params if p.grad is not None]
            g = torch.cat([p.grad.flatten() for p in have]) if have else torch.zeros(1)
            inc = torch.cat([(incoming[p] if p in incoming else torch.zeros_like(p)).flatten() for p in have]) \
                if have else torch.zeros(1)
            along = (g @ inc) / (inc @ inc) if float(inc @ inc) > 0 else 0.0
            residual = float((g - along * inc).norm())
            log.append({"lr": [float(group["lr"]) for group in self.param_groups], "raw": float(inc.norm()),
                        "norm": float(g.norm()), "n_grads": len(have), "training": model.training,
                        "max_tensor": max([float(p.grad.norm()) for p in have], default=0.0),
                        "fresh": bool(have) and residual <= 1e-4 * max(float(g.norm()), 1e-12)})
            incoming.clear()

        def state_dict(self):
            return {"state": {i: {k: v.clone() for k, v in self.state[p].items()}
                              for i, p in enumerate(params) if p in self.state},
                    "param_groups": [{"lr": group["lr"], "params": list(range(len(params)))}
                                     for group in self.param_groups]}

        def load_state_dict(self, state_dict):
            self.param_groups[0]["lr"] = state_dict["param_groups"][0]["lr"]
            self.state = {params[int(i)]: {k: v.clone() for k, v in s.items()}
                          for i, s in state_dict["state"].items()}

    return RecordingAdam()
