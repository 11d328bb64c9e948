"""Checks for ch05.generate: greedy at temperature 0 (with or without top-k), top-k keeping exactly the k largest
logits, sampling from softmax(logits / temperature), and stopping at eos_id — on stand-in models.

Sampling is judged by the distribution handed to torch.multinomial (exact, whatever the random stream), or by
the frequencies of 600 draws where the learner samples another way."""
import numpy as np

from grader.checks import case, expect_sequence, expect_shape, fail, fail_if_mistake, points, sibling, tip

ref = sibling(__file__, "decoding_reference")
stand = sibling(__file__, "standins")
GREEDY = {"long_prompt": ([1, 2, 3, 4, 5, 6, 7], 5, 4), "short_prompt": ([9], 6, 5)}  # prompt, new tokens, context
TOP_K = (3, 0.5)       # top_k, temperature
HOT = 2.0              # temperature alone
DRAWS = 600


def greedy_runs(learner, **options):
    """generate on the context model for each prompt of GREEDY: the ids, and what the model saw."""
    import torch
    result = {}
    for name, (prompt, n, context_size) in GREEDY.items():
        model = stand.context_model()
        idx = learner.generate(model, torch.tensor([prompt]), n, context_size, **options)
        result[name] = {"idx": idx, "lengths": model.lengths, "grad": model.grad_enabled}
    return result


def eos_setup():
    prompt, n, context_size = GREEDY["long_prompt"]
    run = ref.expected_run(prompt, n, context_size)
    return prompt, n, context_size, run[len(prompt) + 2]   # the third new token ends the text


def sampled(learner, **options):
    return ref.sample_run(learner.generate, DRAWS, **options)


@case
def greedy(learner):
    return greedy_runs(learner)   # temperature left at its default


greedy_top_k = case(greedy_runs, temperature=0.0, top_k=3)
eos = case(greedy_runs, eos_id=eos_setup()[3])
eos_never_seen = case(greedy_runs, eos_id=ref.VOCAB + 7)


@case
def batch_top_k(learner):
    """Two prompts at once, greedy with top-k: the book's code handles one prompt at a time."""
    import torch
    return learner.generate(stand.context_model(), torch.tensor([[1, 2, 3], [9, 8, 7]]), 3, 4, temperature=0.0,
                            top_k=3)


top_k_sampling = case(sampled, temperature=TOP_K[1], top_k=TOP_K[0])
temperature_sampling = case(sampled, temperature=HOT, top_k=None)


def test_shape(out):
    for name, (prompt, n, _) in GREEDY.items():
        idx = out["greedy"][name]["idx"]
        expect_shape(idx, [1, len(prompt) + n], f"generate(model, idx of shape [1, {len(prompt)}], "
                     f"max_new_tokens={n}, ...) at temperature 0")
        if idx[0, :len(prompt)].tolist() != prompt:
            fail("the result should start with the prompt unchanged: append to idx, don't replace it")


def _expect_greedy(out, case_name, what):
    for name, (prompt, n, context_size) in GREEDY.items():
        expect_sequence(out[case_name][name]["idx"][0].tolist(), ref.expected_run(prompt, n, context_size),
                        f"{what} for the prompt {prompt} (context_size={context_size}); the token with the largest "
                        "logit at the last position comes next", "token", mistakes={
                            "you choose the next token from the logits of the first position; the prediction for "
                            "the next token is at the last one, logits[:, -1, :]":
                                ref.expected_run(prompt, n, context_size, position=0),
                            "the tokens are those of a model fed the whole sequence: crop it to "
                            "idx[:, -context_size:]": ref.expected_run(prompt, n, context_size, crop=False)})


@points(2)
def test_temperature_zero_is_greedy(out):
    _expect_greedy(out, "greedy", "generate at temperature 0 (the default)")


def test_top_k_at_temperature_zero_is_greedy(out):
    _expect_greedy(out, "greedy_top_k", "generate(..., temperature=0.0, top_k=3)")


def test_context_cropped_without_gradients(out):
    for name, (_prompt, n, context_size) in GREEDY.items():
        run = out["greedy"][name]
        if len(run["lengths"]) != n:
            fail(f"with max_new_tokens={n} the model was called {len(run['lengths'])} times, once per new token "
                 "expected")
        if max(run["lengths"]) > context_size:
            fail(f"the model was given {max(run['lengths'])} tokens although context_size is {context_size}: feed it "
                 "only the last context_size tokens, idx[:, -context_size:]")
        if any(run["grad"]):
            fail("the model ran with gradients enabled: generation needs none, so call it inside torch.no_grad()")


def _drawn(run, what):
    if run["n"] != DRAWS:
        fail(f"{what} with max_new_tokens={DRAWS} returned {run['n']} new tokens")
    return {t for t, c in enumerate(run["counts"]) if c}


@points(2)
def test_top_k_keeps_exactly_k(out):
    k, t = TOP_K
    what = f"generate(..., temperature={t}, top_k={k})"
    run = out["top_k_sampling"]
    best = set(np.argsort(ref.LOGITS)[-k:].tolist())
    drawn = _drawn(run, what)
    kept = {i for i, p in enumerate(run["rows"][0]) if p > 0} if run["rows"] else drawn
    if kept - best:
        fail(f"{what} drew tokens outside the {k} with the largest logits (ids {sorted(kept - best)}): set every logit "
             f"below the k-th largest, top_logits[:, -1], to -inf — and keep the others as they are")
    if len(kept) < k:
        if run["calls"] == 0 and len(drawn) == 1:
            fail(f"{what} always takes the most likely token: at a temperature above 0, sample from the "
                 "distribution with torch.multinomial(probs, num_samples=1)")
        fail_if_mistake(len(kept), {
            f"keeps only {k - 1} candidates: the k-th largest logit must stay; mask the logits strictly below it "
            "(logits < top_logits[:, -1])": k - 1,
            "keeps a single candidate, the largest logit: the threshold is the k-th largest logit, the last of "
            "torch.topk's values (top_logits[:, -1])": 1}, what)
        fail(f"{what} drew only from the tokens {sorted(kept)}; expected all of the top {k}, {sorted(best)}")


def _expect_distribution(run, expected, what, mistakes):
    if run["rows"]:
        got = np.array(run["rows"][0])
        if got.shape == expected.shape and np.allclose(got, expected, atol=1e-5):
            return
        fail_if_mistake(got, mistakes, f"{what} samples from the wrong distribution", atol=1e-5, rtol=1e-5)
        fail(f"{what} hands torch.multinomial {np.round(got, 4).tolist()}; expected softmax(logits / temperature), "
             f"{np.round(expected, 4).tolist()}")
    if not ref.frequencies_fit(run["counts"], expected, run["n"]):
        share = (np.array(run["counts"]) / max(run["n"], 1)).round(3).tolist()
        fail(f"{what}: over {run['n']} draws the tokens came up with frequencies {share}; expected about "
             f"{np.round(expected, 3).tolist()}, softmax(logits / temperature)")


def _mistakes(temperature, top_k=None):
    return {"the temperature is applied after the softmax (or not at all); divide the logits by it before "
            "the softmax": ref.softmax(ref.LOGITS, 1.0, top_k),
            "the logits are multiplied by the temperature; divide them by it": ref.softmax(ref.LOGITS, 1 / temperature,
                                                                                         top_k)}


@points(2)
def test_top_k_sampling_distribution(out):
    k, t = TOP_K
    _expect_distribution(out["top_k_sampling"], ref.softmax(ref.LOGITS, t, k),
                         f"generate(..., temperature={t}, top_k={k})", _mistakes(t, k))


def test_temperature_sampling_distribution(out):
    run = out["temperature_sampling"]
    _drawn(run, f"generate(..., temperature={HOT})")
    _expect_distribution(run, ref.softmax(ref.LOGITS, HOT), f"generate(..., temperature={HOT}) without top-k",
                         _mistakes(HOT))


@points(2)
def test_eos_stops_generation(out):
    prompt, n, context_size, eos_id = eos_setup()
    expect_sequence(out["eos"]["long_prompt"]["idx"][0].tolist(),
                    ref.expected_run(prompt, n, context_size, eos_id=eos_id),
                    f"generate(..., eos_id={eos_id}) where the third new token is {eos_id}", "token", mistakes={
                        f"eos_id={eos_id} was chosen at the third step but generation went on: stop the loop (break) "
                        "as soon as the chosen token equals eos_id": ref.expected_run(prompt, n, context_size),
                        f"generate appended eos_id={eos_id} before stopping: the book checks the new token first and "
                        "stops without appending it": ref.expected_run(prompt, n, context_size, eos_id=eos_id,
                                                                      append_eos=True)})
    never = out["eos_never_seen"]["long_prompt"]["idx"][0].tolist()
    if never != ref.expected_run(prompt, n, context_size):
        fail(f"with an eos_id that never comes up, generate should run all {n} steps; it returned {never}")


@tip
def test_top_k_on_a_batch(out):
    error = out.error("batch_top_k")
    if error:
        out.error("batch_top_k", {error["type"]: (
            "generate(..., top_k=3) fails on a batch of two prompts. The book's code, as printed, handles one prompt "
            "at a time; keep its dimension when you take the k-th largest logit, top_logits[:, -1:] (shape (batch, "
            "1)), and every row is compared with its own threshold")})
    got = out["batch_top_k"]
    expected = [ref.expected_run(row, 3, 4) for row in ([1, 2, 3], [9, 8, 7])]
    if got.tolist() != expected:
        fail(f"generate(..., temperature=0.0, top_k=3) on a batch of two prompts gave {got.tolist()}, expected "
             f"{expected}: each row is greedy on its own")
