"""Shared by the chapter-5 and appendix-D checks: a tiny GPT with known weights, deterministic batches, a
character tokenizer for its 60-token vocabulary, and probes that watch a training loop from outside.

Loaded with grader.checks.sibling on both sides of the worker boundary; torch is imported inside functions.
"""
from __future__ import annotations

import contextlib
import io

import numpy as np

from grader.checks import expect_type, fail, sibling, with_weights
from grader.checks.weights import pattern

gpt_ref = sibling(__file__, "ch04/gpt_reference")
TINY = dict(gpt_ref.SMALL)  # vocab 60, context 8, emb 16, 2 heads, 2 layers, no dropout
V, C = TINY["vocab_size"], TINY["context_length"]
# one character per token id of the tiny vocabulary, "\n" included (generate_and_print_sample replaces it)
CHARS = "abcdefghijklmnopqrstuvwxyz .,;:!?'\n-ABCDEFGHIJKLMNOPQRSTUVWX"
assert len(CHARS) == V


class CharTokenizer:
    """A tokenizer for the tiny vocabulary: one id per character of CHARS; encode ignores tiktoken's options."""

    def encode(self, text, **options):
        return [CHARS.index(c) for c in text]

    def decode(self, ids):
        return "".join(CHARS[int(i)] for i in ids)


def raises_if_stub(fn, *args) -> bool:
    """Call fn with placeholder arguments: a stub raises NotImplementedError at once, and that is re-raised, so
    the feedback names this exercise's TODO rather than an unfinished chapter 4 its checks build on."""
    try:
        fn(*args)
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - finished code fails on placeholders; the other cases judge it
        pass
    return True


def tiny_gpt(learner, key: str = "c5.", **changes):
    """The learner's chapter-4 GPTModel on the tiny config (with `changes`), known weights by name."""
    cfg = {**TINY, **changes}
    model = learner.module("ch04/gpt.py").GPTModel(cfg)
    return with_weights(model, gpt_ref.model_weights(cfg, key))


def stream(n: int, key: str) -> list[int]:
    """A learnable token stream: a fixed walk through the vocabulary with a few deterministic jumps."""
    jumps = (np.abs(pattern((n,), key, 1.0)) > 0.85).astype(np.int64)
    return [int(t) for t in (np.arange(n) * 7 + np.cumsum(jumps) * 11) % V]


def batches(n_batches: int, batch_size: int, length: int, key: str):
    """[(inputs, targets)] of (batch_size, length) token ids, the targets shifted by one, as chapter 2's loader."""
    import torch

    ids = stream(n_batches * batch_size * length + 1, key)
    out = []
    for b in range(n_batches):
        rows = [ids[(b * batch_size + r) * length:(b * batch_size + r) * length + length + 1]
                for r in range(batch_size)]
        x = torch.tensor([r[:-1] for r in rows])
        y = torch.tensor([r[1:] for r in rows])
        out.append((x, y))
    return out


def reference_loss(model, x, y) -> float:
    """The book's loss of one batch, computed here (not by the learner's code)."""
    import torch

    with torch.no_grad():
        logits = model(x)
    return float(torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten()))


def watch_forward(model) -> list[dict]:
    """Record every call of model: its mode, whether gradients were on, and the input's shape."""
    import torch

    calls = []

    def hook(module, args):
        calls.append({"training": module.training, "grad": torch.is_grad_enabled(),
                      "shape": list(args[0].shape) if args else []})
    model.register_forward_pre_hook(hook)
    return calls


def recording_adam(model, log: list, lr: float = 1e-2):
    """A stand-in for torch.optim.AdamW (Adam's update without weight decay, written here: the first step of any
    torch.optim optimizer imports torch._dynamo, 2-4 s) with its param_groups, zero_grad, step, state_dict and
    load_state_dict. At each step() it appends to `log` what the training loop made of the gradients and the
    learning rate: "raw" = the norm of the gradients backward() produced since the last step, "norm" = the norm
    of those about to be applied, "max_tensor" = the largest single-tensor norm, "fresh" = whether they are this
    step's only (up to a common factor, as clipping leaves them), "lr" = every group's learning rate,
    "training" = the model's mode, "n_grads" = how many parameters have a gradient."""
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    incoming = {}

    def keep(p):
        def hook(grad):
            incoming[p] = incoming.get(p, 0) + grad.detach().clone()
        return hook
    for p in params:
        p.register_hook(keep(p))

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


def printed(fn, *args, **kwargs):
    """(what fn returned, what it printed)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        result = fn(*args, **kwargs)
    return result, buffer.getvalue()[:4000]


# ---- a training loop watched from outside (train_model_simple here, train_model in appendix D) ----
EPOCHS, BATCHES, BATCH, LENGTH, EVAL_FREQ = 2, 5, 2, 8, 3
STEPS = EPOCHS * BATCHES
EVAL_STEPS = [s for s in range(STEPS) if s % EVAL_FREQ == 0]
START = "the painter"


def run_loop(fn, learner, key, **extra):
    """fn (train_model_simple or appendix D's train_model) on the tiny GPT, handed over in eval mode, with a
    recording stand-in Adam; returns what it returned, what each optimizer step saw and what it printed."""
    model = tiny_gpt(learner, key).eval()
    log = []
    optimizer = recording_adam(model, log, lr=1e-2)
    train, val = batches(BATCHES, BATCH, LENGTH, key + "train"), batches(2, BATCH, LENGTH, key + "val")
    result, text = printed(fn, model, train, val, optimizer, "cpu", EPOCHS, EVAL_FREQ, 1, START, CharTokenizer(),
                           **extra)
    return {"result": list(result) if isinstance(result, tuple) else result, "steps": log, "printed": text}


def expect_updates(steps, name):
    if len(steps) != STEPS:
        fail(f"{name} called optimizer.step() {len(steps)} times in {EPOCHS} epochs of {BATCHES} batches; expected "
             f"one update per batch, {STEPS}")
    for k, s in enumerate(steps):
        if s["n_grads"] == 0:
            fail(f"at update {k} no parameter had a gradient: call loss.backward() before optimizer.step()")
        if not s["fresh"]:
            fail(f"at update {k} the gradients still held those of earlier batches: call optimizer.zero_grad() "
                 "at the start of every step (backward() adds to the gradients, it does not replace them)")


def expect_training_mode(steps, name):
    off = [k for k, s in enumerate(steps) if not s["training"]]
    if off:
        fail(f"{name} updated the model in eval mode (dropout off) at step {off[0]}: call model.train() at the start "
             "of each epoch — the model may come in eval mode, and evaluation switches to it")


def expect_evaluations(result, snap_result, name):
    train_losses, val_losses, tokens = result[:3]
    for label, values in (("train_losses", train_losses), ("val_losses", val_losses), ("track_tokens_seen", tokens)):
        expect_type(values, list, label)
        if len(values) != len(EVAL_STEPS):
            fail(f"{label} has {len(values)} entries after {STEPS} steps with eval_freq={EVAL_FREQ}; expected "
                 f"{len(EVAL_STEPS)}, one per evaluation at steps {EVAL_STEPS} (global_step % eval_freq == 0, "
                 "counting from step 0)")
    expected_tokens = snap_result[2]
    if tokens != expected_tokens:
        per_step = BATCH * LENGTH
        if tokens == [(s + 1) * BATCH for s in EVAL_STEPS]:
            fail(f"track_tokens_seen counts sequences {tokens}: count tokens, input_batch.numel() ({per_step} a batch)")
        if tokens == [s * per_step for s in EVAL_STEPS]:
            fail(f"track_tokens_seen is one batch behind {tokens}: add the batch's tokens before evaluating")
        fail(f"track_tokens_seen is {tokens}, expected {expected_tokens} ({per_step} tokens a batch, counted "
             "after each update)")


def expect_samples(text, name):
    samples = [line for line in text.splitlines() if line.startswith(START)]
    if len(samples) != EPOCHS:
        fail(f"{name} printed {len(samples)} samples in {EPOCHS} epochs; expected one after each epoch "
             "(generate_and_print_sample after the batch loop)")
