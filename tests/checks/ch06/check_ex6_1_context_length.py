"""Checks for ch06.ex6_1_context_length: every message padded (or truncated) to the model's context length —
GPT-2's 1,024 for a model of GPT-2's shape (so Appendix C's `max_length = 1024` gets full marks), and a tip when a
model with another context length is not read."""
from grader.checks import case, expect_sequence, fail, fail_if_mistake, sibling, tip

ref = sibling(__file__, "classifier_reference")
WORKER_PRELOAD = ("gpt2", "pandas")
GPT2_CONTEXT, OTHER_CONTEXT, EMB = 1024, 24, 16
PAD = 50256
ROWS = ref.messages(9)


def _model(context):
    import torch

    class Stand(torch.nn.Module):  # what the exercise reads of a GPTModel: its positional embedding
        def __init__(self):
            super().__init__()
            self.pos_emb = torch.nn.Embedding(context, EMB)

    return Stand()


def datasets(learner, context):
    """context_length_datasets for three CSV files and a model with `context` positions; each message's ids
    summed up: its first len(tokens) ids, its length, and the ids that pad it."""
    import tiktoken

    files = [ref.write_csv(f"{name}.csv", ROWS[i::3]) for i, name in enumerate(("train", "validation", "test"))]
    tokenizer = tiktoken.get_encoding("gpt2")
    result = learner.context_length_datasets(files, tokenizer, _model(context))
    encoded = [[tokenizer.encode(t) for _, t in ROWS[i::3]] for i in range(3)]
    messages = [[{"ids": x[:len(e)], "length": len(x), "padding": sorted(set(x[len(e):]))}
                 for x, e in zip((d[i][0].tolist() for i in range(len(d))), enc)] for d, enc in zip(result, encoded)]
    return {"count": len(result), "max_length": [getattr(d, "max_length", None) for d in result],
            "messages": messages, "encoded": encoded}


gpt2_sized = case(datasets, GPT2_CONTEXT)
other_context = case(datasets, OTHER_CONTEXT)


def test_one_dataset_per_file(out):
    if out["gpt2_sized"]["count"] != 3:
        fail(f"context_length_datasets got three CSV files and returned {out['gpt2_sized']['count']} datasets; "
             "return one SpamDataset per file, in order")


def test_padded_to_the_context_length(out):
    got = out["gpt2_sized"]
    for k, max_length in enumerate(got["max_length"]):
        if max_length != GPT2_CONTEXT:
            fail_if_mistake(max_length, {"that is the model's embedding size: the context length is the number of "
                                         "ROWS of the positional embedding, model.pos_emb.weight.shape[0]": EMB},
                            f"dataset {k} has max_length {max_length}", atol=0, rtol=0)
            fail(f"dataset {k} has max_length {max_length}; for a model with GPT-2's context length, {GPT2_CONTEXT:,}, "
                 f"every message should be padded to {GPT2_CONTEXT:,} tokens (not to the longest training message)")
    for k, (messages, encoded) in enumerate(zip(got["messages"], got["encoded"])):
        for i, (m, e) in enumerate(zip(messages, encoded)):
            what = f"message {i} of dataset {k}"
            expect_sequence(m["ids"], e[:GPT2_CONTEXT], f"the token ids of {what}", "id")
            if m["length"] != GPT2_CONTEXT or m["padding"] not in ([], [PAD]):
                fail(f"{what} has {m['length']} ids, padded with {m['padding']}; expected its tokens, then {PAD} up "
                     f"to {GPT2_CONTEXT:,} ids")


@tip
def test_reads_the_models_context_length(out):
    got = out["other_context"]["max_length"]
    if any(m != OTHER_CONTEXT for m in got):
        fail(f"for a model with a context length of {OTHER_CONTEXT} the datasets have max_length {got[0]}: read the "
             "context length from the model, model.pos_emb.weight.shape[0], and the function fits any model, not "
             f"only GPT-2 with its {GPT2_CONTEXT:,} positions")
