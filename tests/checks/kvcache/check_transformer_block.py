"""Checks for kvcache.transformer_block: chapter 4's block without the cache, and use_cache handed to its
attention (a prompt, then one token at a time, gives what the whole sequence gives)."""
from grader.checks import case, expect_close, points, sibling, with_weights

ref = sibling(__file__, "kvcache_reference")
CFG = ref.SMALL
D = CFG["emb_dim"]
WEIGHTS = ref.gpt.block_weights(D, "kv.block.")
X = ref.attention.inputs((2, 6, D), "kv.block.x")
STEPS = [4, 1, 1]
TOL = dict(atol=1e-5, rtol=1e-4)


def _block(learner):
    return with_weights(learner.TransformerBlock(CFG), WEIGHTS).eval()


@case
def uncached(learner):
    """The block called twice without the cache: both times chapter 4's output."""
    import torch

    block, x = _block(learner), torch.from_numpy(X)
    with torch.no_grad():
        return [block(x), block(x)]


@case
def steps(learner):
    """A prompt of 4 tokens, then one token at a time; under "alone", what each new token gives when the
    attention is not told to use the cache (it attends to itself only)."""
    import torch

    block, x = _block(learner), torch.from_numpy(X)
    result = {"out": ref.cached_run(lambda c: block(c, use_cache=True), block.att.reset_cache, x, STEPS)}
    plain = _block(learner)
    with torch.no_grad():
        result["alone"] = torch.cat([plain(x[:, :STEPS[0]])] + [plain(x[:, t:t + 1])
                                                                 for t in range(STEPS[0], X.shape[1])], dim=1)
    return result


@points(1)
def test_without_cache_as_in_chapter_4(out, snap):
    first, second = out["uncached"]
    what = f"TransformerBlock(cfg)(x) for x of shape [2, 6, {D}] with use_cache=False (chapter 4's block)"
    expect_close(first, snap["uncached"][0], what, **TOL)
    expect_close(second, snap["uncached"][0], f"{what}, called a second time", **TOL, mistakes={
        "the second call gave another output, as if the first one had been cached: call the attention with the "
        "use_cache the block was given (False here), not always True": second})


@points(2)
def test_use_cache_reaches_the_attention(out, snap):
    got = out["steps"]
    expect_close(got["out"], snap["uncached"][0], "TransformerBlock fed a prompt of 4 tokens and then 2 tokens one "
                 "at a time with use_cache=True, joined, against one call on all 6 tokens", **TOL, mistakes={
                     "each new token attended only to itself: pass use_cache on to the attention, "
                     "self.att(x, use_cache=use_cache)": got["alone"]})
