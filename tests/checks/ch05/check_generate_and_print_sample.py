"""Checks for ch05.generate_and_print_sample: 50 greedy tokens after start_context, printed on one line, with
dropout off and the model back in training mode afterwards."""
from grader.checks import case, fail, sibling

ref = sibling(__file__, "pretraining_reference")
START = "the painter\nsaid"   # 16 characters: longer than the context of 8, with a newline to replace


@case
def implemented(learner):
    return ref.raises_if_stub(learner.generate_and_print_sample, None, None, "cpu", "")


@case
def sample(learner):
    """A tiny GPT with dropout 0.5 (so eval mode matters), passed in training mode; the character tokenizer."""
    model = ref.tiny_gpt(learner, drop_rate=0.5).train()
    calls = ref.watch_forward(model)
    try:
        _, text = ref.printed(learner.generate_and_print_sample, model, ref.CharTokenizer(), "cpu", START)
    except IndexError as exc:
        return {"error": str(exc)[:200], "calls": calls[-3:]}
    return {"printed": text, "calls": calls[:80], "training_after": model.training}


def _sample(out):
    got = out["sample"]
    if "error" in got:
        longest = max((c["shape"][-1] for c in got["calls"] if c["shape"]), default=0)
        fail(f"the model failed ({got['error']}) on {longest} tokens: it has positions for {ref.C} only. Give "
             "generate_text_simple the model's own context size, model.pos_emb.weight.shape[0]")
    return got


def test_dropout_off(out):
    out["implemented"]  # a stub says "not implemented" here, at its own TODO
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
    if longest > ref.C:
        fail(f"the model was given {longest} tokens although its context is {ref.C}: use context_size = "
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
