"""Shared by the KV-cache checks: known weights and inputs, cached runs of a learner's module, and stand-in
models that keep a cache of their own (torch imported inside functions).

A cached run feeds a sequence in chunks (`CHUNKS`: a prompt, then one token at a time) and returns what each
call gave, joined along the token axis, so it compares with one uncached call on the whole sequence. The
stand-ins' logits depend on every token fed since the last reset (the favourite token of chapter 5's decoding
reference), so a generate loop that feeds the prompt once and then each new token alone gives exactly the
tokens of a loop without the cache; what the stand-ins were given is recorded for the checks.
"""
from __future__ import annotations

import numpy as np

from grader.checks import sibling
from grader.checks.weights import pattern

decoding = sibling(__file__, "ch05/decoding_reference")
gpt = sibling(__file__, "ch04/gpt_reference")
attention = sibling(__file__, "ch03/attention_reference")

# vocab 60, context 16, emb 16, 2 heads, 2 layers: a GPT that answers in milliseconds
SMALL = {**gpt.SMALL, "context_length": 16}
V = SMALL["vocab_size"]
PROMPT_THEN_SINGLES = [4, 1, 1, 1]          # a 4-token prompt, then three tokens one at a time


def token_ids(shape, key: str) -> np.ndarray:
    return (np.abs(pattern(shape, f"kv.ids.{key}", 1.0)) * V).astype(np.int64) % V


def cached_run(call, reset, seq, chunks):
    """reset(), then call(chunk) for consecutive chunks of seq (a tensor, tokens on axis 1) of the given sizes,
    without gradients; their outputs joined on axis 1."""
    import torch

    reset()
    outputs, start = [], 0
    with torch.no_grad():
        for size in chunks:
            outputs.append(call(seq[:, start:start + size]))
            start += size
    return torch.cat(outputs, dim=1)


def cache_tensors(module):
    """The attention's cache, (cache_k, cache_v), by the book's names."""
    return getattr(module, "cache_k", None), getattr(module, "cache_v", None)


def tokens_first(cache, batch: int, tokens: int, d_out: int, heads: int):
    """A cache in one of the layouts learners use, as (batch, tokens, d_out); None when it is in none of them.
    Layouts: (b, tokens, heads, head_dim) as the book's gpt_with_kv_cache.py, (b, heads, tokens, head_dim) as its
    optimised file, or (b, tokens, d_out)."""
    if cache is None:
        return None
    shape = list(cache.shape)
    head_dim = d_out // heads
    if shape == [batch, tokens, heads, head_dim] or shape == [batch, tokens, d_out]:
        return cache.reshape(batch, tokens, d_out)
    if shape == [batch, heads, tokens, head_dim]:
        return cache.transpose(1, 2).reshape(batch, tokens, d_out)
    return None


def small_gpt(GPTModel, key: str, **changes):
    """GPTModel(SMALL + changes) with the known weights of `key`, in eval mode."""
    from grader.checks import with_weights

    return with_weights(GPTModel({**SMALL, **changes}), gpt.model_weights(SMALL, key)).eval()


def logits_at_positions(model, idx, positions):
    """What a GPTModel computes when idx's tokens sit at `positions`, through its own modules without the cache:
    the logits a cached run gives when its positions are these (the usual position mistakes)."""
    import torch

    with torch.no_grad():
        x = model.tok_emb(idx) + model.pos_emb(torch.tensor(positions))
        x = model.drop_emb(x)
        for block in model.trf_blocks:
            x = block(x)
        return model.out_head(model.final_norm(x))


class _CachedStandIn:
    """Mixin for the stand-ins: a cache of the tokens fed since reset_kv_cache, and a log of every call."""

    def setup(self, context_length, window=None):
        import torch

        self.pos_emb = torch.nn.Embedding(context_length, 1)   # generate reads pos_emb.num_embeddings
        if window is not None:
            self.kv_window_size = window
        self.history, self.calls, self.resets = None, [], 0

    def reset_kv_cache(self):
        self.history, self.resets = None, self.resets + 1

    def feed(self, idx, use_cache):
        """The token rows whose positions these logits are for: the cached history, or idx alone."""
        import torch

        self.calls.append({"length": int(idx.shape[1]), "cached": bool(use_cache),
                           "grad": torch.is_grad_enabled(), "reset_before": self.resets})
        window = getattr(self, "kv_window_size", None)
        if use_cache and window is not None and idx.shape[1] > window:
            raise ValueError(f"a chunk of {idx.shape[1]} tokens does not fit the cache of kv_window_size={window} "
                             "tokens")
        if not use_cache:
            return idx.tolist()
        self.history = idx.clone() if self.history is None else torch.cat([self.history, idx], dim=1)
        if self.history.shape[1] > self.pos_emb.num_embeddings:
            raise IndexError(f"position {self.history.shape[1] - 1} is beyond the model's "
                             f"{self.pos_emb.num_embeddings} positions")
        return self.history.tolist()


def context_stand_in(context_length=64, window=None):
    """A cached model whose logits are those of chapter 5's context model for everything fed since the reset."""
    import torch

    class ContextStandIn(torch.nn.Module, _CachedStandIn):
        def __init__(self):
            super().__init__()
            self.setup(context_length, window)

        def forward(self, idx, use_cache=False):
            n = idx.shape[1]
            fav = torch.tensor([decoding.favourite(row)[-n:] for row in self.feed(idx, use_cache)])
            logits = -((torch.arange(decoding.VOCAB)[None, None, :] - fav[:, :, None]) % decoding.VOCAB).float() / 4
            return logits.requires_grad_(torch.is_grad_enabled())

    return ContextStandIn()


def constant_stand_in(context_length=1024):
    """A cached model with chapter 5's constant logits at every position (many draws show the distribution)."""
    import torch

    class ConstantStandIn(torch.nn.Module, _CachedStandIn):
        def __init__(self):
            super().__init__()
            self.setup(context_length)

        def forward(self, idx, use_cache=False):
            self.feed(idx, use_cache)
            return torch.tensor(decoding.LOGITS).expand(idx.shape[0], idx.shape[1], len(decoding.LOGITS)).clone()

    return ConstantStandIn()


def call_pattern(calls) -> dict:
    """The calls a generate loop made, summarised: lengths, whether each used the cache, and gradients."""
    return {"lengths": [c["length"] for c in calls], "cached": [c["cached"] for c in calls],
            "grad": any(c["grad"] for c in calls), "resets": [c["reset_before"] for c in calls]}


def cached_history(prompt, n, context_size=None, fed_before=(), first_position=False):
    """The tokens a cached greedy loop gives on the context stand-in: the prompt cut to its last context_size
    tokens is fed once (after `fed_before`, what a cache that was not reset still holds), then each choice is
    made from everything fed so far (no cropping afterwards). first_position: the mistake of reading the
    logits of the first position (the prompt's first token, then each single new token)."""
    row = list(prompt)
    fed = list(fed_before) + (row[-context_size:] if context_size else list(row))
    for step in range(n):
        token = decoding.favourite(fed)[len(fed_before) if first_position and step == 0 else -1]
        row.append(token)
        fed.append(token)
    return row
