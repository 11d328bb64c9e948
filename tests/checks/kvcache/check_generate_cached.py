"""Checks for kvcache.generate_cached: chapter 5's generate with the cache — greedy at temperature 0, top-k and
temperature sampling from the right distribution, eos_id, the prompt fed once and then each token alone; and on
the learner's own GPTModel, at every step of a seeded sampled run, the distribution handed to torch.multinomial
is the one generation without the cache would hand it (so the same seed draws the same tokens).

Sampling is judged by the distributions handed to torch.multinomial, whatever the random stream."""
import numpy as np

from grader.checks import case, expect_sequence, expect_shape, fail, points, sibling

ref = sibling(__file__, "kvcache_reference")
dec = ref.decoding
GREEDY = ([3, 14, 15, 9], 6)
TOP_K, HOT, DRAWS = (3, 0.5), 2.0, 200       # (top_k, temperature), a temperature alone, draws per run
REAL = (ref.token_ids((1, 3), "sample.prompt"), 10, 1.5, 20)   # prompt, new tokens, temperature, top_k


def _greedy(learner, **kwargs):
    import torch

    model = ref.context_stand_in()
    idx = learner.generate_cached(model, torch.tensor([GREEDY[0]]), GREEDY[1], **kwargs)
    return {"idx": idx, **ref.call_pattern(model.calls)}


@case
def greedy(learner):
    return _greedy(learner)


greedy_top_k = case(_greedy, temperature=0.0, top_k=3)


@case
def eos(learner):
    eos_id = ref.cached_history(*GREEDY)[len(GREEDY[0]) + 2]    # the third new token ends the text
    return {"eos_id": eos_id, "idx": _greedy(learner, eos_id=eos_id)["idx"]}


def _sample(learner, temperature, top_k):
    """DRAWS tokens from the cached constant stand-in: their counts, and what torch.multinomial was handed."""
    import torch

    model = ref.constant_stand_in()
    torch.manual_seed(0)
    with dec.watch_sampling() as seen:
        idx = learner.generate_cached(model, torch.tensor([[0]]), DRAWS, temperature=temperature, top_k=top_k)
    drawn = idx[0, 1:].tolist()
    counts = np.bincount(np.array(drawn, dtype=np.int64), minlength=len(dec.LOGITS)).tolist() if drawn else []
    return {"n": len(drawn), "counts": counts, "calls": seen["calls"], "rows": seen["rows"],
            **ref.call_pattern(model.calls)}


top_k_sampling = case(_sample, TOP_K[1], TOP_K[0])
temperature_sampling = case(_sample, HOT, None)


@case
def real_model(learner):
    """A seeded sampled run on the learner's GPTModel (known weights): the distributions handed to
    torch.multinomial, and the logits of the same tokens without the cache (one call on everything before
    each chosen token), from which the trusted side works out what generation without the cache samples from."""
    import torch

    prompt, n, temperature, top_k = REAL
    model = ref.small_gpt(learner.GPTModel, "kv.sample.")
    torch.manual_seed(123)
    with dec.watch_sampling(keep_rows=n) as seen:
        idx = learner.generate_cached(model, torch.from_numpy(prompt), n, temperature=temperature, top_k=top_k)
    with torch.no_grad():
        plain = [model(idx[:, :t])[0, -1] for t in range(prompt.shape[1], idx.shape[1] + 1)]
    return {"idx": idx, "rows": seen["rows"], "plain_logits": torch.stack(plain)}


def test_shape_and_prompt_kept(out):
    idx = out["greedy"]["idx"]
    expect_shape(idx, [1, len(GREEDY[0]) + GREEDY[1]], f"generate_cached(model, idx of shape [1, {len(GREEDY[0])}], "
                 f"max_new_tokens={GREEDY[1]}) at temperature 0")
    if idx[0, :len(GREEDY[0])].tolist() != GREEDY[0]:
        fail("the result should start with the prompt unchanged: append to idx, don't replace it")


@points(1.5)
def test_prompt_once_then_one_token_at_a_time(out):
    got = out["greedy"]
    what = f"generate_cached(model, idx, {GREEDY[1]}) for a prompt of {len(GREEDY[0])} tokens"
    if not got["lengths"] or not all(got["cached"]):
        fail(f"{what} called the model without use_cache=True (cached: {got['cached']}): pass it on every call")
    if got["resets"][0] < 1:
        fail(f"{what} fed the prompt without emptying the cache first: call model.reset_kv_cache()")
    if got["lengths"][0] != len(GREEDY[0]) or any(length > 1 for length in got["lengths"][1:]):
        fail(f"{what} fed the model {got['lengths']} tokens: the prompt once, then only the token just chosen")
    if got["grad"]:
        fail("the model ran with gradients enabled: generation needs none, so feed it inside torch.no_grad()")


@points(1.5)
def test_greedy_at_temperature_zero(out):
    expected = ref.cached_history(*GREEDY)
    for name, what in (("greedy", "generate_cached at temperature 0 (the default)"),
                       ("greedy_top_k", "generate_cached(..., temperature=0.0, top_k=3)")):
        expect_sequence(out[name]["idx"][0].tolist(), expected, f"{what} for the prompt {GREEDY[0]}", "token",
                        mistakes={"you take the logits of the first position: the next token is predicted at the "
                                  "last one, logits[:, -1, :]": ref.cached_history(*GREEDY, first_position=True)})


def test_eos_stops_generation(out):
    got, eos_id = out["eos"]["idx"][0].tolist(), out["eos"]["eos_id"]
    expected = ref.cached_history(*GREEDY)[:len(GREEDY[0]) + 2]
    expect_sequence(got, expected, f"generate_cached(..., eos_id={eos_id}) where the third new token is {eos_id}",
                    "token", mistakes={
                        f"eos_id={eos_id} was appended before stopping: check the new token first and stop without "
                        "appending it": expected + [eos_id],
                        f"eos_id={eos_id} was chosen but generation went on: stop the loop (break) as soon as the "
                        "chosen token equals eos_id": ref.cached_history(*GREEDY)})


def _expect_distribution(run, temperature, top_k, what):
    if run["n"] != DRAWS:
        fail(f"{what} with max_new_tokens={DRAWS} returned {run['n']} new tokens")
    expected = dec.softmax(dec.LOGITS, temperature, top_k)
    wrong = {"the temperature is applied after the softmax (or not at all); divide the logits by it before the "
             "softmax": dec.softmax(dec.LOGITS, 1.0, top_k),
             "the logits are multiplied by the temperature; divide them by it": dec.softmax(dec.LOGITS,
                                                                                         1 / temperature, top_k)}
    if run["rows"]:
        got = np.array(run["rows"][0])
        if got.shape == expected.shape and np.allclose(got, expected, atol=1e-5):
            return
        for advice, probs in wrong.items():
            if got.shape == probs.shape and np.allclose(got, probs, atol=1e-5):
                fail(f"{what} samples from the wrong distribution: {advice}")
        fail(f"{what} hands torch.multinomial {np.round(got, 4).tolist()}; expected softmax(top-k logits / "
             f"temperature), {np.round(expected, 4).tolist()}")
    if not dec.frequencies_fit(run["counts"], expected, run["n"]):
        share = (np.array(run["counts"]) / max(run["n"], 1)).round(3).tolist()
        fail(f"{what}: over {run['n']} draws the tokens came up with frequencies {share}; expected about "
             f"{np.round(expected, 3).tolist()}")


@points(1.5)
def test_sampling_distributions(out):
    k, t = TOP_K
    _expect_distribution(out["top_k_sampling"], t, k, f"generate_cached(..., temperature={t}, top_k={k})")
    _expect_distribution(out["temperature_sampling"], HOT, None, f"generate_cached(..., temperature={HOT}) without "
                         "top-k")


def _plain_distributions(logits, temperature, top_k):
    return [dec.softmax(row, temperature, top_k) for row in np.asarray(logits, dtype=np.float64)]


@points(2)
def test_seeded_sampling_as_without_cache(out):
    prompt, n, temperature, top_k = REAL
    got = out["real_model"]
    what = (f"generate_cached(your GPTModel, a prompt of {prompt.shape[1]} tokens, {n}, temperature={temperature}, "
            f"top_k={top_k}) with torch.manual_seed(123)")
    if not got["rows"]:
        fail(f"{what} never called torch.multinomial: sample each token with torch.multinomial(probs, "
             "num_samples=1), as chapter 5 does, so the course can compare the distributions")
    expected = _plain_distributions(got["plain_logits"], temperature, top_k)
    for step, row in enumerate(got["rows"]):
        row = np.asarray(row)
        if row.shape != expected[step].shape or not np.allclose(row, expected[step], atol=1e-4):
            worst = int(np.argmax(np.abs(row - expected[step]))) if row.shape == expected[step].shape else None
            fail(f"{what}: at step {step + 1} the distribution handed to torch.multinomial is not the one generation "
                 "without the cache samples from (softmax of the top-k logits / temperature, the logits of one call "
                 "on the whole sequence so far)" + (f"; token {worst}: expected {expected[step][worst]:.5f}, got "
                                                     f"{row[worst]:.5f}" if worst is not None else "")
                 + ". With the same seed the tokens then differ: check how the chosen tokens are fed back "
                 "(each alone, use_cache=True), and grade kvcache.gpt_model")
