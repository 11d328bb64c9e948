"""Checks for ch05.generate_and_print_sample: 50 greedy tokens after start_context, printed on one line, with
dropout off and the model back in training mode afterwards."""
from grader.checks import case, fail, sibling

stand = sibling(__file__, "standins")
START = "the painter\nsaid"   # 16 characters: longer than the context of 8, with a newline to replace


@case
def sample(learner):
    """A tiny GPT with dropout 0.5 (so eval mode matters), passed in training mode; the character tokenizer. The
    model's calls are kept for `calls`, which still has them when the learner's code raised."""
    model = stand.tiny_gpt(learner, drop_rate=0.5).train()
    stand.watch_forward(model, "gps.calls")
    _, text = stand.printed(learner.generate_and_print_sample, model, stand.CharTokenizer(), "cpu", START)
    return {"printed": text, "training_after": model.training}


calls = case(stand.kept, "gps.calls")


def _sample(out):
    """The sample case's result; an IndexError (positions beyond the model's context) gets its advice."""
    longest = max((c["shape"][-1] for c in out["calls"] or [] if c["shape"]), default=0)
    out.error("sample", {"IndexError": f"the model failed on {longest} tokens: it has positions for {stand.C} only. "
                                       "Give generate_text_simple the model's own context size, "
                                       "model.pos_emb.weight.shape[0]"})
    return {**out["sample"], "calls": out["calls"]}


def test_dropout_off(out):
    if any(c["training"] for c in _sample(out)["calls"]):
        fail("the model generated in training mode, so dropout made the sample random: call model.eval() first")


def test_back_to_training_mode(out):
    if not _sample(out)["training_after"]:
        fail("after generate_and_print_sample the model is left in eval mode, so training would continue "
             "without dropout: call model.train() at the end")


def test_fifty_new_tokens(out):
    calls = _sample(out)["calls"]
    if len(calls) != 50:
        fail(f"the model was called {len(calls)} times; the sample is 50 new tokens (max_new_tokens=50), one call each")
    longest = max(c["shape"][-1] for c in calls)
    if longest > stand.C:
        fail(f"the model was given {longest} tokens although its context is {stand.C}: use context_size = "
             "model.pos_emb.weight.shape[0]")


def test_one_line(out):
    text = _sample(out)["printed"]
    lines = text.splitlines()
    if not text.strip():
        fail("generate_and_print_sample printed nothing: print the decoded text")
    if len(lines) > 1:
        fail(f"the sample was printed on {len(lines)} lines: print decoded_text.replace(\"\\n\", \" \") so that "
             "each sample takes one line of the training log")


def test_sample_text(out, snap):
    got, expected = _sample(out)["printed"].rstrip("\n"), snap["sample"]["printed"].rstrip("\n")
    if got != expected:
        fail(f"the sample differs from the greedy continuation of {START!r} (the start context, newline replaced, "
             f"then 50 tokens):\n  expected {expected!r}\n  got      {got!r}")
