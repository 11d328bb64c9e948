"""Checks for ch02.embeddings: InputEmbedding = token embedding + absolute positional embedding.

The layers are filled with known values (grader.checks.weights), so every expected number is computed
here from the same formula; sizes differ from the book's so that misplaced arguments show.
"""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail, fail_if_mistake
from grader.checks.weights import pattern

VOCAB, CONTEXT, DIM = 50, 6, 5
TOK = pattern((VOCAB, DIM), "ch02.embeddings.tok")
POS = pattern((CONTEXT, DIM), "ch02.embeddings.pos")
REFERENCE = {"token_embedding_layer.weight": TOK, "pos_embedding_layer.weight": POS}


def _ids(batch, seq_len):
    return [[(7 * b + 11 * t + 3) % VOCAB for t in range(seq_len)] for b in range(batch)]


FULL, SHORT = _ids(3, CONTEXT), _ids(2, 4)      # a full context, and a batch shorter than the context
SAME = [[9] * CONTEXT, [30] * CONTEXT]           # one token repeated: only the positions differ


def _run(learner, ids):
    import torch
    from grader.checks.weights import assign
    model = learner.InputEmbedding(VOCAB, CONTEXT, DIM)
    left = assign(model, REFERENCE)
    with torch.no_grad():
        result = model(torch.tensor(ids, dtype=torch.long))
    return {"left": left["unmatched_reference"] + left["unmatched_module"], "out": result}


@case
def layers(learner):
    import torch
    model = learner.InputEmbedding(VOCAB, CONTEXT, DIM)
    return [list(m.weight.shape) for m in model.modules() if isinstance(m, torch.nn.Embedding)]


full = case(_run, FULL)
short = case(_run, SHORT)
same_token = case(_run, SAME)


def _output(out, name, seq_len):
    """The case's output after checking its shape, with advice for the usual exceptions."""
    out.error(name, {
        "IndexError: index out of range": "an id was too large for its Embedding table: the token layer has "
        "vocab_size rows, and the positions are torch.arange(seq_len), i.e. 0 … seq_len - 1 — never the token ids, "
        "and not starting at 1",
        "RuntimeError: 'indices' to have": "an Embedding was given non-integer ids: positions must be integers, "
        "torch.arange(seq_len) (dtype torch.long), not floats",
        "RuntimeError: must match the size": f"a batch of {seq_len} tokens (shorter than context_length={CONTEXT}) "
        "failed: the positions are torch.arange(seq_len) with seq_len = inputs.shape[1], not "
        "torch.arange(context_length)"})
    data = out[name]
    if data["left"]:
        fail(f"could not give your layers known values: no Embedding of shape [{VOCAB}, {DIM}] or "
             f"[{CONTEXT}, {DIM}] for {', '.join(data['left'])}. Check the sizes of the two Embedding layers")
    return data["out"]


def _expected(ids):
    ids = np.asarray(ids)
    return TOK[ids] + POS[np.arange(ids.shape[1])][None]


def test_two_embedding_layers(out):
    shapes = sorted(out["layers"])
    want = sorted([[VOCAB, DIM], [CONTEXT, DIM]])
    if shapes == want:
        return
    setup = f"InputEmbedding(vocab_size={VOCAB}, context_length={CONTEXT}, output_dim={DIM})"
    if len(shapes) != 2:
        fail(f"{setup} should have two torch.nn.Embedding layers (tokens and positions), found {len(shapes)}: "
             f"{shapes}")
    if [DIM, VOCAB] in shapes or [DIM, CONTEXT] in shapes:
        fail(f"{setup} has Embedding weights of shapes {shapes}, expected {want}: the number of rows comes "
             "first, torch.nn.Embedding(vocab_size, output_dim) — one row per token id")
    fail_if_mistake(shapes, {f"two Embedding layers of shape [{VOCAB}, {DIM}]: the positional layer has one row per "
                             "position, torch.nn.Embedding(context_length, output_dim)": [[VOCAB, DIM], [VOCAB, DIM]]},
                    f"{setup} has")
    fail(f"{setup} has Embedding weights of shapes {shapes}, expected {want}")


def test_output_shape(out):
    got = _output(out, "full", CONTEXT)
    want = [len(FULL), CONTEXT, DIM]
    fail_if_mistake(list(getattr(got, "shape", [])), {
        "the token and positional embeddings were concatenated; add them instead (token_embeddings + pos_embeddings)":
            want[:2] + [2 * DIM]}, f"the output has shape {list(getattr(got, 'shape', []))}, expected {want}")
    expect_shape(got, want, f"InputEmbedding on a batch of shape {want[:2]}")


def test_positional_embeddings_added(out):
    got = _output(out, "same_token", CONTEXT)
    expect_shape(got, [len(SAME), CONTEXT, DIM], f"InputEmbedding on a batch of shape {[len(SAME), CONTEXT]}")
    got = np.asarray(got, dtype=np.float64)
    steps, want = got - got[:, :1], (POS - POS[:1])[None].repeat(len(SAME), 0)
    expect_close(steps, want, "how a repeated token's vector changes from position 0 to position t "
                 "(should be the difference of the two positions' embeddings)", atol=1e-5, rtol=1e-4, mistakes={
                     "a token gets the same vector at every position: the positional embeddings are missing; add "
                     "pos_embedding_layer(torch.arange(seq_len)) to the token embeddings": np.zeros_like(want)})


def test_token_embeddings_looked_up(out):
    got = np.asarray(_output(out, "full", CONTEXT), dtype=np.float64)
    expect_shape(got, [len(FULL), CONTEXT, DIM], f"InputEmbedding on a batch of shape {[len(FULL), CONTEXT]}")
    ids = np.asarray(FULL)
    between, want = got[1:] - got[:1], TOK[ids[1:]] - TOK[ids[:1]]   # same position, other token
    ratio = float(np.sum(between * want) / np.sum(want * want))
    if abs(ratio - 1) > 1e-3 and np.allclose(between, ratio * want, atol=1e-5):
        fail(f"the token embeddings come out multiplied by {ratio:.4g}: use token_embedding_layer(inputs) "
             "as it is, without scaling")
    expect_close(between, want, "the difference between two tokens at the same position "
                 "(should be the difference of the two tokens' embeddings)", atol=1e-5, rtol=1e-4)


def test_output_values(out):
    expect_close(_output(out, "full", CONTEXT), _expected(FULL),
                 "the input embeddings (token + positional)", atol=1e-6, rtol=1e-5)


def test_shorter_sequences(out):
    got = _output(out, "short", len(SHORT[0]))
    expect_close(got, _expected(SHORT), f"the input embeddings of a batch of {len(SHORT[0])} tokens "
                 f"(context_length={CONTEXT})", atol=1e-6, rtol=1e-5)
