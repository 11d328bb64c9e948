"""A small GPT pretrained on the course's default corpus, trained once and cached, for the demos of chapters 5–7.

    from grader.demos._pretrained import pretrained_gpt
    model = pretrained_gpt(module("ch04/gpt.py").GPTModel, module("ch05/pretraining.py").train_model_simple)

`pretrained_gpt(GPTModel, train_model_simple, cfg=None, num_epochs=2, progress=None)` returns a GPTModel(cfg)
in eval mode (cfg defaults to SMALL_GPT_CONFIG), trained with `train_model_simple` (the book's signature) on
course_data.text.large_text() with the GPT-2 tokenizer. The weights are cached in the course cache
(`<cache>/models/small-gpt-<key>.pt`), keyed by the config, the training settings, the corpus and the source
code of both given objects' modules, so a model is trained only once and retrained when any of these change.
`progress(message)` is called with one line per evaluation (default: nothing is printed).
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib
import inspect
import io
import json
from pathlib import Path

SMALL_GPT_CONFIG = {"vocab_size": 50257, "context_length": 128, "emb_dim": 192, "n_heads": 4, "n_layers": 4,
                    "drop_rate": 0.1, "qkv_bias": False}
SETTINGS = {"learning_rate": 5e-4, "weight_decay": 0.1, "batch_size": 8, "train_ratio": 0.9, "seed": 123,
            "eval_freq": 25, "eval_iter": 2, "start_context": "In the studio, the painter"}


def pretrained_gpt(GPTModel, train_model_simple, cfg: dict | None = None, num_epochs: int = 2, progress=None):
    """GPTModel(cfg) pretrained with train_model_simple on the default corpus (cached; see the module docstring)."""
    import torch

    cfg = dict(cfg or SMALL_GPT_CONFIG)
    path = checkpoint_path(GPTModel, train_model_simple, cfg, num_epochs)
    torch.manual_seed(SETTINGS["seed"])
    model = GPTModel(cfg)
    if path.is_file():
        try:
            model.load_state_dict(torch.load(path, weights_only=True))
            return model.eval()
        except (RuntimeError, OSError, ValueError):
            pass  # a damaged or stale file is replaced below
    _train(model, train_model_simple, cfg, num_epochs, progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(model.state_dict(), tmp)
    tmp.replace(path)
    return model.eval()


def checkpoint_path(GPTModel, train_model_simple, cfg: dict, num_epochs: int) -> Path:
    """Where the cached weights for this model, training function, config and corpus live."""
    from course_data.gpt2 import cache_root
    from course_data.text import large_text

    key = hashlib.sha256()
    key.update(json.dumps({"cfg": cfg, "settings": SETTINGS, "epochs": num_epochs}, sort_keys=True).encode())
    key.update(hashlib.sha256(large_text().encode()).digest())
    for obj in (GPTModel, train_model_simple):
        key.update(_source_of(obj).encode())
    return cache_root() / "models" / f"small-gpt-{key.hexdigest()[:16]}.pt"


def _source_of(obj) -> str:
    try:
        return inspect.getsource(inspect.getmodule(obj))
    except (OSError, TypeError):
        return getattr(obj, "__qualname__", repr(obj))


def _train(model, train_model_simple, cfg, num_epochs, progress):
    import torch
    from course_data.gpt2 import get_encoding
    from course_data.text import large_text

    # the chapter-2 loader of the same tree as GPTModel (exercises.ch04.gpt -> exercises.ch02.dataloader)
    package = type(model).__module__.rsplit(".", 2)[0]
    loaders = importlib.import_module(f"{package}.ch02.dataloader")
    text, ctx, s = large_text(), cfg["context_length"], SETTINGS
    split = int(s["train_ratio"] * len(text))
    train_loader = loaders.create_dataloader_v1(text[:split], batch_size=s["batch_size"], max_length=ctx,
                                                stride=ctx, drop_last=True, shuffle=True, num_workers=0)
    val_loader = loaders.create_dataloader_v1(text[split:], batch_size=s["batch_size"], max_length=ctx,
                                              stride=ctx, drop_last=False, shuffle=False, num_workers=0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=s["learning_rate"], weight_decay=s["weight_decay"])
    printed = _Lines(progress)
    with contextlib.redirect_stdout(printed):
        train_model_simple(model, train_loader, val_loader, optimizer, "cpu", num_epochs=num_epochs,
                           eval_freq=s["eval_freq"], eval_iter=s["eval_iter"], start_context=s["start_context"],
                           tokenizer=get_encoding())


class _Lines(io.TextIOBase):
    """A stdout that hands each complete printed line to `progress` (or drops it)."""

    def __init__(self, progress):
        self.progress, self.pending = progress, ""

    def write(self, text):
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            if self.progress and line.strip():
                self.progress(line)
        return len(text)
