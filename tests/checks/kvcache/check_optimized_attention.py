"""Checks for kvcache.optimized_attention: the cache allocated once, window_size tokens long, and written in place;
while it has room, the outputs of gpt_with_kv_cache's attention; when full, each new token attends to the last
window_size tokens only; reset_cache empties it."""
from grader.checks import case, expect_close, fail, points, sibling, tip, with_weights

ref = sibling(__file__, "kvcache_reference")
D_IN, D_OUT, CTX, HEADS = 4, 6, 12, 2
HEAD_DIM = D_OUT // HEADS
WINDOW = 4
WEIGHTS = ref.attention.linear_weights(D_IN, D_OUT, "kv.opt", out_proj=True)
X = ref.attention.inputs((2, 7, D_IN), "kv.opt.x")
Y = ref.attention.inputs((2, 5, D_IN), "kv.opt.y")
STEPS, CHUNKS, AFTER_RESET = [4, 1, 1, 1], [3, 2, 2], [3, 1, 1]
SLIDING = [3, 1, 1, 1, 1]                 # 7 tokens through a window of 4: the last three steps slide
TOL = dict(atol=1e-5, rtol=1e-4)


def _build(window=None):
    args = f"{D_IN}, {D_OUT}, {CTX}, 0.0, num_heads={HEADS}"
    return f"MultiHeadAttention({args}{f', window_size={window}' if window else ''})"


def _attention(learner, window=None):
    module = learner.MultiHeadAttention(D_IN, D_OUT, CTX, 0.0, num_heads=HEADS, window_size=window)
    return with_weights(module, WEIGHTS).eval()


def _feed(module, seq, chunks):
    """Cached calls on consecutive chunks: outputs joined, and after each call the cache's shape and whether it is
    still the memory of the first call's cache (held here, so that its memory cannot be handed out again)."""
    import torch

    outputs, shapes, same, start, first = [], [], [], 0, None
    with torch.no_grad():
        for size in chunks:
            outputs.append(module(torch.from_numpy(seq[:, start:start + size]), use_cache=True))
            start += size
            k, v = ref.cache_tensors(module)
            shapes.append(None if k is None else list(k.shape))
            if k is not None and first is None:
                first = (k, v)
            same.append(k is not None and v is not None and first is not None
                        and k.untyped_storage().data_ptr() == first[0].untyped_storage().data_ptr()
                        and v.untyped_storage().data_ptr() == first[1].untyped_storage().data_ptr())
    return {"out": torch.cat(outputs, dim=1), "shapes": shapes, "in_place": same}


@case
def uncached(learner):
    import torch

    module = _attention(learner)
    with torch.no_grad():
        return {"x": module(torch.from_numpy(X)), "y": module(torch.from_numpy(Y))}


@case
def steps(learner):
    return _feed(_attention(learner), X, STEPS)


@case
def chunks(learner):
    return _feed(_attention(learner), X, CHUNKS)["out"]


@case
def sliding(learner):
    """Through a window of 4; under "kept_all", what a cache that never drops a token gives (all tokens seen)."""
    import torch

    result = _feed(_attention(learner, WINDOW), X, SLIDING)
    with torch.no_grad():
        result["kept_all"] = _attention(learner)(torch.from_numpy(X))
    return result


@case
def reset(learner):
    module = _attention(learner)
    _feed(module, X, STEPS)
    module.reset_cache()
    return _feed(module, Y, AFTER_RESET)["out"]


@case
def state_dict_keys(learner):
    module = _attention(learner)
    _feed(module, X, STEPS)
    return sorted(module.state_dict())


def _window_shapes(batch, window):
    return ([batch, HEADS, window, HEAD_DIM], [batch, window, HEADS, HEAD_DIM])


@points(0.5)
def test_without_cache(out, snap):
    expect_close(out["uncached"]["x"], snap["uncached"]["x"], f"{_build()}(x) for x of shape [2, 7, {D_IN}] with "
                 "use_cache=False (chapter 3's causal attention)", **TOL)


@points(1)
def test_cache_allocated_once_and_written_in_place(out):
    for name, window, chunks in (("steps", CTX, STEPS), ("sliding", WINDOW, SLIDING)):
        got = out[name]
        what = f"{_build(None if name == 'steps' else WINDOW)} fed {chunks} tokens with use_cache=True"
        if any(shape is None for shape in got["shapes"]):
            fail(f"{what}: self.cache_k is None after a cached call; keep the keys in self.cache_k and the values "
                 "in self.cache_v")
        if len({str(shape) for shape in got["shapes"]}) > 1:
            fail(f"{what}: the cache changed shape from call to call, {got['shapes']}: allocate it once, "
                 f"(batch, num_heads, window_size, head_dim) = {_window_shapes(2, window)[0]} zeros, and write each "
                 "call's keys and values into its next free slots")
        if got["shapes"][0] not in _window_shapes(2, window):
            fail(f"{what}: self.cache_k has shape {got['shapes'][0]}; expected room for window_size={window} tokens, "
                 f"(batch, num_heads, window_size, head_dim) = {_window_shapes(2, window)[0]} (window_size defaults "
                 "to max_seq_len, which defaults to context_length)")
        if not all(got["in_place"]):
            fail(f"{what}: a later call put the cache in new memory: write into the buffers allocated at the first "
                 "call (self.cache_k[:, :, start:end] = ...), don't build new tensors")


@points(1)
def test_cached_steps_equal_uncached(out, snap):
    expect_close(out["steps"]["out"], snap["uncached"]["x"], f"{_build()} fed a prompt of 4 tokens and then 3 tokens "
                 "one at a time with use_cache=True, joined, against one call on all 7 tokens", **TOL)
    expect_close(out["chunks"], snap["uncached"]["x"], f"{_build()} fed 3, then 2, then 2 tokens with use_cache=True "
                 "(new token i sits at key num_keys - num_tokens + i and sees the keys up to it)", **TOL)


@points(1.5)
def test_sliding_window(out, snap):
    got = out["sliding"]
    expect_close(got["out"], snap["sliding"]["out"], f"{_build(WINDOW)} fed a prompt of 3 tokens and then 4 tokens "
                 "one at a time with use_cache=True: from the fifth token on, each attends to the last 4 tokens only",
                 **TOL, mistakes={
                     "every token still saw all earlier tokens: when the cache is full, drop the oldest tokens "
                     "(shift the rest left by the overflow) so that it holds the last window_size tokens":
                         got["kept_all"]})


@points(0.5)
def test_reset_cache(out, snap):
    expect_close(out["reset"], snap["uncached"]["y"], f"after reset_cache, {_build()} fed a new prompt of 3 tokens "
                 "and then 2 tokens one at a time, against one call on all 5 tokens", **TOL)


@tip
def test_cache_left_out_of_state_dict(out, snap):
    extra = sorted(set(out["state_dict_keys"]) - set(snap["state_dict_keys"]))
    if extra:
        fail(f"after caching, state_dict() holds {extra}: register the buffers with persistent=False, so a saved "
             "model carries no cache")
