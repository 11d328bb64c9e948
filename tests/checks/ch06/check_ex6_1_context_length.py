"""Checks for ch06.ex6_1_context_length: every message padded (or truncated) to the model's context length."""
from grader.checks import case, expect_sequence, fail, sibling

ref = sibling(__file__, "classifier_reference")
WORKER_PRELOAD = ("gpt2", "pandas")
CONTEXT, EMB = 24, 16
ROWS = ref.messages(9)


def _model():
    import torch

    class Stand(torch.nn.Module):  # what the exercise reads of a GPTModel: its positional embedding
        def __init__(self):
            super().__init__()
            self.pos_emb = torch.nn.Embedding(CONTEXT, EMB)

    return Stand()


@case
def datasets(learner):
    import tiktoken

    files = [ref.write_csv(f"{name}.csv", ROWS[i::3]) for i, name in enumerate(("train", "validation", "test"))]
    tokenizer = tiktoken.get_encoding("gpt2")
    result = learner.context_length_datasets(files, tokenizer, _model())
    return {"count": len(result), "max_length": [getattr(d, "max_length", None) for d in result],
            "ids": [[d[i][0] for i in range(len(d))] for d in result],
            "encoded": [[tokenizer.encode(t) for _, t in ROWS[i::3]] for i in range(3)]}


def test_one_dataset_per_file(out):
    if out["datasets"]["count"] != 3:
        fail(f"context_length_datasets got three CSV files and returned {out['datasets']['count']} datasets; "
             "return one SpamDataset per file, in order")


def test_padded_to_the_context_length(out):
    got = out["datasets"]
    for k, max_length in enumerate(got["max_length"]):
        if max_length == EMB:
            fail(f"dataset {k} has max_length {EMB}, the model's embedding size: the context length is the "
                 "number of ROWS of the positional embedding, model.pos_emb.weight.shape[0]")
        if max_length != CONTEXT:
            fail(f"dataset {k} has max_length {max_length}; for a model with context length {CONTEXT} every "
                 f"message should be padded to {CONTEXT} tokens (not to the longest training message)")
    for k, (ids, encoded) in enumerate(zip(got["ids"], got["encoded"])):
        for i, (x, e) in enumerate(zip(ids, encoded)):
            expect_sequence(x.tolist(), (e + [50256] * CONTEXT)[:CONTEXT], f"message {i} of dataset {k}", "id")
