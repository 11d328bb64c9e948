"""Checks for kvcache.generate_text_simple_cached: on a stand-in model that keeps its own cache, the prompt is fed
once and then each new token alone, after a reset, without gradients, and the tokens are those of generation
without the cache; on the learner's own GPTModel, token for token the text of chapter 4's loop."""
from grader.checks import case, expect_sequence, expect_shape, fail, points, sibling, tip

ref = sibling(__file__, "kvcache_reference")
RUNS = {"single": ([[3, 14, 15, 9]], 6), "batch": ([[5, 7, 11], [40, 2, 33]], 5), "nothing_new": ([[8, 9]], 0)}
SECOND = ([[21, 4, 30]], 4)                       # a second prompt to the same model: the cache must be reset
LONG = ([list(range(1, 11))], 3, 6)               # prompt, new tokens, context_size: the prompt is cut to 6 tokens
REAL = (ref.token_ids((2, 3), "gen.prompt"), 9)   # the learner's GPTModel: 3 + 9 tokens within its 16 positions


def _run(learner, prompt, n, **kwargs):
    import torch

    model = ref.context_stand_in()
    idx = learner.generate_text_simple_cached(model, torch.tensor(prompt), n, **kwargs)
    return {"idx": idx, **ref.call_pattern(model.calls)}


single = case(_run, *RUNS["single"])
batch = case(_run, *RUNS["batch"])
nothing_new = case(_run, *RUNS["nothing_new"])


@case
def twice(learner):
    """Two prompts in a row to the same model."""
    import torch

    model = ref.context_stand_in()
    learner.generate_text_simple_cached(model, torch.tensor(RUNS["single"][0]), RUNS["single"][1])
    return learner.generate_text_simple_cached(model, torch.tensor(SECOND[0]), SECOND[1])


@case
def without_cache(learner):
    return _run(learner, *RUNS["single"], use_cache=False)


@case
def long_prompt(learner):
    return _run(learner, LONG[0], LONG[1], context_size=LONG[2])


@case
def real_model(learner):
    """The learner's own GPTModel with known weights: generate_text_simple_cached, and chapter 4's greedy loop."""
    import torch

    model = ref.small_gpt(learner.GPTModel, "kv.gen.")
    prompt, n = torch.from_numpy(REAL[0]), REAL[1]
    cached = learner.generate_text_simple_cached(model, prompt, n)
    plain = prompt
    with torch.no_grad():
        for _ in range(n):
            plain = torch.cat([plain, model(plain)[:, -1].argmax(dim=-1, keepdim=True)], dim=1)
    return {"cached": cached, "plain": plain}


def test_shape_and_prompt_kept(out):
    for name, (prompt, n) in RUNS.items():
        idx = out[name]["idx"]
        expect_shape(idx, [len(prompt), len(prompt[0]) + n], f"generate_text_simple_cached(model, idx, "
                     f"max_new_tokens={n}) for idx of shape {[len(prompt), len(prompt[0])]} (one new token per row "
                     "and step, joined with torch.cat(..., dim=1))")
        if idx[:, :len(prompt[0])].tolist() != prompt:
            fail("the result should start with the prompt unchanged: append to idx, don't replace it")


@points(2)
def test_prompt_once_then_one_token_at_a_time(out):
    for name, (prompt, n) in RUNS.items():
        got = out[name]
        what = f"generate_text_simple_cached(model, idx, {n}) for a prompt of {len(prompt[0])} tokens"
        if n == 0:
            continue   # nothing to generate: feeding the prompt or not are both fine
        if not got["lengths"]:
            fail(f"{what} never called the model")
        if not all(got["cached"]):
            fail(f"{what} called the model without use_cache=True: pass it on every call, so the model keeps and "
                 "uses its cache")
        if got["lengths"][0] != len(prompt[0]):
            fail(f"{what} fed {got['lengths'][0]} tokens first: feed the whole prompt once, to fill the cache")
        rest = got["lengths"][1:]
        if any(length > 1 for length in rest):
            fail(f"{what} fed the model {rest} tokens in its later calls: with the cache, feed only the token just "
                 "chosen (next_idx), not the whole sequence again")
        if len(rest) not in (n, n - 1):
            fail(f"{what} called the model {len(got['lengths'])} times: once for the prompt, then once per new token")


@points(2)
def test_same_tokens_as_without_cache(out):
    for name, (prompt, n) in RUNS.items():
        got = out[name]["idx"].tolist()
        for row, start in enumerate(prompt):
            expected = ref.cached_history(start, n)
            if got[row] == expected:
                continue
            expect_sequence(got[row], expected, f"row {row} of generate_text_simple_cached for the prompt {start} "
                            f"(max_new_tokens={n}): the next token is the argmax of the last position's logits, "
                            "logits[:, -1]", "token", mistakes={
                                "you take the logits of the first position: the next token is predicted at the last "
                                "one, logits[:, -1]": ref.cached_history(start, n, first_position=True)})


@points(1)
def test_cache_reset_for_each_prompt(out):
    first = ref.cached_history(RUNS["single"][0][0], RUNS["single"][1])
    expect_sequence(out["twice"].tolist()[0], ref.cached_history(SECOND[0][0], SECOND[1]), "a second call of "
                    f"generate_text_simple_cached on the same model, with the prompt {SECOND[0][0]}", "token",
                    mistakes={"the cache still held the first prompt's tokens: call model.reset_kv_cache() before "
                              "feeding the prompt": ref.cached_history(SECOND[0][0], SECOND[1], fed_before=first),
                              "the cache still held the first prompt's tokens (call model.reset_kv_cache() before "
                              "feeding the prompt)": ref.cached_history(SECOND[0][0], SECOND[1],
                                                                         fed_before=first[:-1])})


@tip
def test_no_gradients(out):
    if any(out[name]["grad"] for name in RUNS):
        fail("the model ran with gradients enabled: generation needs none, so feed it inside torch.no_grad() (the "
             "first version of the book's code did not; it saves the memory of the computation graph)")


@points(1.5)
def test_identical_text_on_your_model(out):
    got = out["real_model"]
    for row in range(REAL[0].shape[0]):
        expect_sequence(got["cached"][row].tolist(), got["plain"][row].tolist(), f"row {row} of "
                        "generate_text_simple_cached on your GPTModel (known weights) against chapter 4's greedy loop "
                        "on the same model without the cache (if they differ, grade kvcache.gpt_model first)", "token")


@tip
def test_without_the_cache(out):
    prompt, n = RUNS["single"]
    out.error("without_cache", {"TypeError": "generate_text_simple_cached(..., use_cache=False) is not accepted: the "
                                "later versions of the book's code take use_cache=True as an argument, and without "
                                "the cache feed the last context_size tokens at every step"})
    got = out["without_cache"]
    if any(got["cached"]) or got["lengths"] != [len(prompt[0]) + i for i in range(n)]:
        fail(f"with use_cache=False the model was fed {got['lengths']} tokens (cached: {got['cached']}): feed "
             "idx[:, -ctx_len:] with use_cache=False at every step, as generate_text_simple does")
    expected = ref.decoding.expected_run(prompt[0], n, 64)
    expect_sequence(got["idx"][0].tolist(), expected, "generate_text_simple_cached(..., use_cache=False)", "token")


@tip
def test_long_prompt_cut_to_the_context(out):
    prompt, n, context_size = LONG
    out.error("long_prompt", {"TypeError": "generate_text_simple_cached(..., context_size=6) is not accepted: the "
                              "later versions of the book's code take context_size=None, the model's context length "
                              "when None, and feed only the prompt's last context_size tokens"})
    got = out["long_prompt"]
    if got["lengths"] and got["lengths"][0] > context_size:
        fail(f"with context_size={context_size} the prompt of {len(prompt[0])} tokens went to the model whole: feed "
             "its last context_size tokens, idx[:, -ctx_len:]")
    expect_sequence(got["idx"][0].tolist(), ref.cached_history(prompt[0], n, context_size),
                    f"generate_text_simple_cached(..., context_size={context_size}) for a prompt of 10 tokens",
                    "token")
