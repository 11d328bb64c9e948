"""Checks for kvcache.multihead_attention: fed a prompt and then one token at a time with use_cache=True, the
attention gives what it gives fed everything at once; its cache holds the keys and values of every token fed
since reset_cache; use_cache=False leaves the cache alone."""
import numpy as np

from grader.checks import case, expect_close, fail, points, sibling, tip, with_weights

ref = sibling(__file__, "kvcache_reference")
D_IN, D_OUT, CTX, HEADS = 4, 6, 12, 2
HEAD_DIM = D_OUT // HEADS
WEIGHTS = ref.attention.linear_weights(D_IN, D_OUT, "kv.mha", out_proj=True)
X = ref.attention.inputs((2, 7, D_IN), "kv.mha.x")     # two sequences of 7 tokens
Y = ref.attention.inputs((2, 5, D_IN), "kv.mha.y")     # the next prompt, after reset_cache
STEPS = [4, 1, 1, 1]                                    # a prompt of 4 tokens, then one token at a time
AFTER_RESET = [3, 1, 1]
CHUNKS = [3, 2, 2]                                      # several new tokens at once
TOL = dict(atol=1e-5, rtol=1e-4)
BUILD = f"MultiHeadAttention({D_IN}, {D_OUT}, {CTX}, 0.0, num_heads={HEADS})"


def _attention(learner):
    return with_weights(learner.MultiHeadAttention(D_IN, D_OUT, CTX, 0.0, num_heads=HEADS), WEIGHTS).eval()


def _cache_state(module, batch, tokens):
    k, v = ref.cache_tensors(module)
    return {"shape_k": None if k is None else list(k.shape), "shape_v": None if v is None else list(v.shape),
            "keys": ref.tokens_first(k, batch, tokens, D_OUT, HEADS),
            "values": ref.tokens_first(v, batch, tokens, D_OUT, HEADS)}


def _feed(module, seq, chunks):
    """Cached calls on consecutive chunks of seq: their outputs joined, and the cache after each call."""
    import torch

    outputs, caches, start = [], [], 0
    with torch.no_grad():
        for size in chunks:
            outputs.append(module(torch.from_numpy(seq[:, start:start + size]), use_cache=True))
            start += size
            caches.append(_cache_state(module, seq.shape[0], start))
    return {"out": torch.cat(outputs, dim=1), "caches": caches}


@case
def uncached(learner):
    import torch

    module = _attention(learner)
    with torch.no_grad():
        return {"x": module(torch.from_numpy(X)), "y": module(torch.from_numpy(Y))}


@case
def steps(learner):
    """The prompt, then one token at a time; under "variants", what the usual mistakes give, from the learner's
    own attention without the cache: each new token attending to itself alone, or to the first token alone."""
    import torch

    result = _feed(_attention(learner), X, STEPS)
    plain, x = _attention(learner), torch.from_numpy(X)
    with torch.no_grad():
        prompt = plain(x[:, :STEPS[0]])
        singles = range(STEPS[0], X.shape[1])
        result["variants"] = {
            "itself": torch.cat([prompt] + [plain(x[:, t:t + 1]) for t in singles], dim=1),
            "first": torch.cat([prompt] + [plain(x[:, :1]) for _ in singles], dim=1)}
    return result


@case
def reset(learner):
    module = _attention(learner)
    _feed(module, X, STEPS)
    module.reset_cache()
    emptied = _cache_state(module, X.shape[0], 0)
    return {"emptied": [emptied["shape_k"], emptied["shape_v"]], **_feed(module, Y, AFTER_RESET)}


@case
def plain_after_caching(learner):
    import torch

    module = _attention(learner)
    _feed(module, X, STEPS)
    with torch.no_grad():
        out = module(torch.from_numpy(X), use_cache=False)
    return {"out": out, "cache": _cache_state(module, X.shape[0], X.shape[1])["shape_k"]}


@case
def chunks(learner):
    return _feed(_attention(learner), X, CHUNKS)["out"]


@case
def state_dict_keys(learner):
    module = _attention(learner)
    _feed(module, X, STEPS)
    return sorted(module.state_dict())


def _tokens_in(shape):
    """How many tokens a cache of this shape holds, in any of the layouts learners use; None if in none."""
    if shape is None:
        return None
    if len(shape) == 4 and shape[2:] == [HEADS, HEAD_DIM]:
        return shape[1]
    if len(shape) == 4 and shape[1] == HEADS and shape[3] == HEAD_DIM:
        return shape[2]
    if len(shape) == 3 and shape[2] == D_OUT:
        return shape[1]
    return None


def _fed(chunks, i):
    return " then ".join(f"{n} token{'s' if n > 1 else ''}" for n in chunks[:i + 1])


@points(1)
def test_without_cache_as_in_chapter_3(out, snap):
    expect_close(out["uncached"]["x"], snap["uncached"]["x"], f"{BUILD}(x) for x of shape [2, 7, {D_IN}] with "
                 "use_cache=False (chapter 3's causal attention, nothing cached)", **TOL)


@points(1)
def test_cache_grows_by_the_new_tokens(out, snap):
    total = 0
    for i, (state, expected) in enumerate(zip(out["steps"]["caches"], snap["steps"]["caches"], strict=False)):
        total += STEPS[i]
        what = f"after {BUILD} was fed {_fed(STEPS, i)} with use_cache=True"
        if state["shape_k"] is None or state["shape_v"] is None:
            fail(f"{what}, self.cache_k or self.cache_v is None: with use_cache=True keep the keys in self.cache_k "
                 "and the values in self.cache_v")
        held = _tokens_in(state["shape_k"])
        if held == STEPS[i] and held != total:
            fail(f"{what}, self.cache_k holds only the {held} newest token(s), not all {total}: append the new keys "
                 "to the cached ones (torch.cat along the token axis) instead of replacing them")
        if state["keys"] is None or state["values"] is None:
            fail(f"{what}, self.cache_k has shape {state['shape_k']} and self.cache_v {state['shape_v']}; expected "
                 f"the keys and values of all {total} tokens, (batch, tokens, num_heads, head_dim) = "
                 f"{[2, total, HEADS, HEAD_DIM]} as the book keeps them")
        expect_close(state["keys"], expected["keys"], f"{what}, the keys in self.cache_k", **TOL, mistakes={
            "self.cache_k holds the values: keys (W_key) go to cache_k, values (W_value) to cache_v":
                expected["values"]})
        expect_close(state["values"], expected["values"], f"{what}, the values in self.cache_v", **TOL, mistakes={
            "self.cache_v holds the keys: values (W_value) go to cache_v, keys (W_key) to cache_k": expected["keys"]})


@points(2)
def test_cached_steps_equal_uncached(out, snap):
    got = out["steps"]
    expect_close(got["out"], snap["uncached"]["x"], f"{BUILD} fed a prompt of 4 tokens and then 3 tokens one at a "
                 "time (use_cache=True), joined, against one call on all 7 tokens", **TOL, mistakes={
                     "each new token attends to itself alone: attend to the cached keys and values (self.cache_k, "
                     "self.cache_v, with the new ones appended), not to this call's only": got["variants"]["itself"],
                     "each new token sees only the first token: the causal mask of a new token is a row further "
                     "down (row ptr_current_pos of self.mask), where every cached token is visible":
                         got["variants"]["first"]})


@points(1)
def test_reset_cache_starts_a_new_sequence(out, snap):
    got = out["reset"]
    if any(shape is not None and _tokens_in(shape) != 0 for shape in got["emptied"]):
        fail(f"after reset_cache, self.cache_k has shape {got['emptied'][0]}: set self.cache_k and self.cache_v "
             "back to None, so the next prompt starts an empty cache")
    held = [_tokens_in(state["shape_k"]) for state in got["caches"]]
    if held[0] is not None and held[0] > AFTER_RESET[0]:
        fail(f"after reset_cache and a new prompt of {AFTER_RESET[0]} tokens the cache holds {held[0]} tokens: "
             "reset_cache must drop the old sequence's keys and values")
    steps_right = np.allclose(out["steps"]["out"], snap["uncached"]["x"], **TOL)
    cache_right = held == [AFTER_RESET[0] + i for i in range(len(AFTER_RESET))]
    expect_close(got["out"], snap["uncached"]["y"], f"after reset_cache, {BUILD} fed a new prompt of 3 tokens and "
                 "then 2 tokens one at a time, against one call on all 5 tokens", **TOL, mistakes={
                     "the cache holds only the new tokens, but the causal mask still starts where the old sequence "
                     "ended: reset_cache must set the count of cached tokens (self.ptr_current_pos) back to 0 too":
                         got["out"] if steps_right and cache_right else None})


def test_use_cache_false_leaves_the_cache_alone(out, snap):
    what = f"{BUILD}(x, use_cache=False) after 7 tokens were cached"
    out.error("plain_after_caching", {kind: f"{what} failed: with use_cache=False, attend with x's own keys and "
                                      "values and leave the cache alone" for kind in ("RuntimeError", "IndexError")})
    got = out["plain_after_caching"]
    changed = _tokens_in(got["cache"]) != X.shape[1]
    expect_close(got["out"], snap["uncached"]["x"], what, **TOL, mistakes={
        "with use_cache=False, attend with x's own keys and values and leave the cache alone": got["out"] if changed
        else None})
    if changed:
        fail(f"{what} changed the cache (self.cache_k now has shape {got['cache']}): with use_cache=False leave it "
             "as it was")


@tip
def test_several_new_tokens_at_once(out, snap):
    out.error("chunks", {"RuntimeError": "fed 3 tokens and then 2 new tokens at once, the mask does not fit the "
                         "scores: slice the causal mask rows ptr_current_pos to ptr_current_pos + num_tokens and its "
                         "columns up to the number of keys (self.mask.bool()[start:start + num_tokens, :num_keys])"})
    expect_close(out["chunks"], snap["uncached"]["x"], f"{BUILD} fed 3, then 2, then 2 tokens with use_cache=True "
                 "(new tokens see the cached ones and the new ones up to themselves: offset the causal mask by the "
                 "tokens already cached)", **TOL)


@tip
def test_cache_left_out_of_state_dict(out, snap):
    extra = sorted(set(out["state_dict_keys"]) - set(snap["state_dict_keys"]))
    if extra:
        fail(f"after caching, state_dict() holds {extra}: register the buffers with persistent=False, so a saved "
             "model carries no cache")
