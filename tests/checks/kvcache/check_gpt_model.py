"""Checks for kvcache.gpt_model: chapter 4's parameters and logits without the cache; with it, a prompt and then
one token at a time give the logits of the whole sequence (positions continue), and reset_kv_cache starts over."""
from grader.checks import case, expect_close, expect_names, points, sibling

ref = sibling(__file__, "kvcache_reference")
CFG, V = ref.SMALL, ref.V
KEY = "kv.gm."
IDX = ref.token_ids((2, 7), "gm.first")      # a prompt of 4 tokens, then 3 more one at a time
NEXT = ref.token_ids((2, 5), "gm.next")      # the next prompt, after reset_kv_cache
STEPS, AFTER_RESET = [4, 1, 1, 1], [3, 1, 1]
TOL = dict(atol=1e-4, rtol=1e-4)


def _model(learner):
    return ref.small_gpt(learner.GPTModel, KEY)


def _cached(model, idx, chunks):
    import torch

    return ref.cached_run(lambda c: model(c, use_cache=True), model.reset_kv_cache, torch.from_numpy(idx), chunks)


@case
def structure(learner):
    return {n: list(p.shape) for n, p in learner.GPTModel(CFG).named_parameters()}


@case
def uncached(learner):
    import torch

    model = _model(learner)
    with torch.no_grad():
        return {"first": model(torch.from_numpy(IDX)), "again": model(torch.from_numpy(IDX)),
                "next": model(torch.from_numpy(NEXT))}


def _positions(learner, idx, positions, rows=None):
    """The logits of idx with its tokens at `positions`, from the learner's own modules without the cache."""
    import torch

    try:
        logits = ref.logits_at_positions(_model(learner), torch.from_numpy(idx), positions)
    except Exception:  # noqa: BLE001 - the other checks say what is broken
        return None
    return logits if rows is None else logits[:, rows]


@case
def steps(learner):
    """The prompt, then one token at a time; under "variants", the logits of the usual position mistakes and of
    blocks that were not told to use the cache (each new token on its own, at its right position)."""
    import numpy as np

    model = _model(learner)
    result = {"out": _cached(model, IDX, STEPS)}
    singles = [_positions(learner, IDX[:, t:t + 1], [t]) for t in range(4, 7)]
    result["variants"] = {
        "restart": _positions(learner, IDX, [0, 1, 2, 3, 0, 0, 0]),
        "plus_one": _positions(learner, IDX, [0, 1, 2, 3, 1, 2, 3]),
        "skip": _positions(learner, IDX, [0, 1, 2, 3, 5, 6, 7]),
        "alone": None if any(s is None for s in singles) or result["out"] is None else np.concatenate(
            [result["out"][:, :4].numpy()] + [s.numpy() for s in singles], axis=1)}
    return result


@case
def reset(learner):
    import numpy as np

    model = _model(learner)
    _cached(model, IDX, STEPS)
    both = np.concatenate([IDX, NEXT], axis=1)
    return {"out": _cached(model, NEXT, AFTER_RESET), "variants": {
        "positions": _positions(learner, NEXT, list(range(7, 12))),
        "caches": _positions(learner, both, list(range(7)) + list(range(5)), slice(7, None)),
        "neither": _positions(learner, both, list(range(12)), slice(7, None))}}


@points(0.5)
def test_parameter_names(out, snap):
    expect_names(out["structure"], snap["structure"], "the parameters of GPTModel (chapter 4's names, so that the "
                 "same weights load: keep the blocks in trf_blocks)", "parameter")


@points(1)
def test_logits_without_cache(out, snap):
    out.error("uncached", {"IndexError": "three calls without the cache ran out of positions: with use_cache=False "
                                         "the positions are 0 to seq_len - 1 at every call, torch.arange(seq_len), "
                                         "and self.current_pos counts cached calls only"})
    for name, shape in (("first", IDX.shape), ("again", IDX.shape), ("next", NEXT.shape)):
        expect_close(out["uncached"][name], snap["uncached"][name], f"GPTModel(cfg)(in_idx) for in_idx of shape "
                     f"{list(shape)} with use_cache=False (chapter 4's logits, nothing cached)"
                     + (", called a second time" if name == "again" else ""), **TOL)


ADVICE = {
    "restart": "the positions restart at 0 for every call: with use_cache=True the tokens continue the cached "
               "sequence, so their position ids start at self.current_pos (torch.arange(self.current_pos, "
               "self.current_pos + seq_len)), which then grows by seq_len",
    "plus_one": "after the prompt the positions go on from 1: self.current_pos must grow by seq_len, the number of "
                "tokens of the call, not by 1",
    "skip": "the positions skip one: the first token after a prompt of 4 tokens is at position 4",
    "alone": "each new token attended only to itself: call every block with use_cache=use_cache (nn.Sequential "
             "cannot pass it on: keep the blocks in an nn.ModuleList and loop over them)",
}


@points(2)
def test_positions_continue(out, snap):
    got = out["steps"]
    expect_close(got["out"], snap["uncached"]["first"], "GPTModel fed a prompt of 4 tokens and then 3 tokens one at "
                 "a time with use_cache=True, the logits joined, against one call on all 7 tokens", **TOL,
                 mistakes={ADVICE[k]: v for k, v in got["variants"].items()})


@points(1)
def test_reset_kv_cache(out, snap):
    got = out["reset"]
    expect_close(got["out"], snap["uncached"]["next"], "after reset_kv_cache(), GPTModel fed a new prompt of 3 tokens "
                 "and then 2 tokens one at a time with use_cache=True, against one call on all 5 tokens", **TOL,
                 mistakes={
                     "reset_kv_cache left self.current_pos where the last sequence ended: set it back to 0":
                         got["variants"]["positions"],
                     "reset_kv_cache left the blocks' caches full: call reset_cache() on every block's att":
                         got["variants"]["caches"],
                     "reset_kv_cache changed nothing: reset every block's attention cache and set self.current_pos "
                     "back to 0": got["variants"]["neither"]})
