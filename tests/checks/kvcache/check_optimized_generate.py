"""Checks for kvcache.optimized_generate: a prompt longer than the cache's window fed in window-sized chunks, no
position past the context, and the tokens of generation without the cache — on a stand-in that keeps its own
cache, and on the learner's own GPTModel with the pre-allocated cache."""
from grader.checks import case, expect_sequence, fail, points, sibling

ref = sibling(__file__, "kvcache_reference")
SHORT = ([[3, 14, 15, 9]], 6, 8)                 # prompt, new tokens, window: the prompt fits
LONG = ([list(range(1, 11))], 3, 4)              # a prompt of 10 tokens through a window of 4: chunks 4, 4, 2
CAPPED = ([[2, 7, 1, 8, 2]], 10, 8)              # 5 + 10 tokens asked of a model with 8 positions
REAL_PROMPT = ref.token_ids((1, 6), "opt.gen")   # 6 tokens, then 6 more: 12 of the 16 positions


def _run(learner, prompt, n, window, context_length=64):
    import torch

    model = ref.context_stand_in(context_length, window)
    idx = learner.generate_text_simple_cached(model, torch.tensor(prompt), n)
    return {"idx": idx, **ref.call_pattern(model.calls)}


short = case(_run, *SHORT)
long_prompt = case(_run, *LONG)
capped = case(_run, *CAPPED, context_length=CAPPED[2])


@case
def real_model(learner):
    """The learner's optimised GPTModel (known weights) with a window of 4: the prompt goes in chunks, the cache
    slides."""
    import torch

    model = ref.small_gpt(learner.GPTModel, "kv.optgen.", kv_window_size=4)
    return {"window_4": learner.generate_text_simple_cached(model, torch.from_numpy(REAL_PROMPT), 6)}


@case
def plain_model(learner):
    """With a window of the whole context, against chapter 4's greedy loop without the cache."""
    import torch

    model = ref.small_gpt(learner.GPTModel, "kv.optgen.", kv_window_size=16)
    prompt = torch.from_numpy(REAL_PROMPT)
    cached, plain = learner.generate_text_simple_cached(model, prompt, 6), prompt
    with torch.no_grad():
        for _ in range(6):
            plain = torch.cat([plain, model(plain)[:, -1].argmax(dim=-1, keepdim=True)], dim=1)
    return {"cached": cached, "plain": plain}


@points(1)
def test_prompt_in_window_sized_chunks(out, snap):
    prompt, n, window = LONG
    advice = (f"a prompt of {len(prompt[0])} tokens does not fit a cache of kv_window_size={window} tokens in one "
              "call: feed it in chunks of at most model.kv_window_size tokens, one after the other (the book's code "
              "before its sliding-window fix of December 2025 did not)")
    out.error("long_prompt", {"ValueError": advice, "AssertionError": advice})
    lengths = out["long_prompt"]["lengths"]
    if lengths[:3] != [4, 4, 2]:
        fail(f"{advice.split(':')[0]}; the model was fed {lengths}: expected chunks of 4, 4 and 2 tokens, then one "
             "token at a time")
    if any(length != 1 for length in lengths[3:]):
        fail(f"after the prompt the model was fed {lengths[3:]} tokens: feed each new token alone")
    if out["short"]["lengths"][0] != len(SHORT[0][0]):
        fail(f"a prompt of {len(SHORT[0][0])} tokens, which fits the window, went to the model as "
             f"{out['short']['lengths']}: feed it in one call")
    expect_sequence(out["long_prompt"]["idx"].tolist()[0], ref.cached_history(prompt[0], n), "generate_text_simple_"
                    f"cached for a prompt of {len(prompt[0])} tokens fed in chunks", "token")
    got = out["real_model"]
    expect_sequence(got["window_4"].tolist()[0], snap["real_model"]["window_4"].tolist()[0], "generate_text_simple_"
                    "cached on your GPTModel with kv_window_size=4 (a prompt of 6 tokens in chunks of 4 and 2, then "
                    "a sliding cache)", "token")


@points(0.5)
def test_no_position_past_the_context(out):
    prompt, n, positions = CAPPED
    out.error("capped", {"IndexError": f"a prompt of {len(prompt[0])} tokens and {n} new ones need more than the "
                                       f"model's {positions} positions: generate at most context_size minus the "
                                       "prompt's length new tokens"})
    got = out["capped"]["idx"].tolist()[0]
    allowed = (positions - len(prompt[0]), positions - len(prompt[0]) + 1)
    if len(got) - len(prompt[0]) not in allowed:
        fail(f"with {positions} positions and a prompt of {len(prompt[0])} tokens, generation asked for {n} tokens "
             f"returned {len(got) - len(prompt[0])}; expected {allowed[0]} (context_size minus the prompt's length)")
    expect_sequence(got, ref.cached_history(prompt[0], len(got) - len(prompt[0])), "the tokens generated up to the "
                    "end of the context", "token")


@points(1)
def test_same_tokens_as_without_cache(out):
    prompt, n, _ = SHORT
    expect_sequence(out["short"]["idx"].tolist()[0], ref.cached_history(prompt[0], n), "generate_text_simple_cached "
                    f"for the prompt {prompt[0]} (the next token is the argmax of the last position's logits, "
                    "logits[:, -1])", "token")
    got = out["plain_model"]
    expect_sequence(got["cached"].tolist()[0], got["plain"].tolist()[0], "generate_text_simple_cached on your "
                    "GPTModel with kv_window_size=16 (the whole context) against chapter 4's greedy loop without the "
                    "cache (if they differ, grade kvcache.optimized_attention first)", "token")
