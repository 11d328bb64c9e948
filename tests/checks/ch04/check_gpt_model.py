"""Checks for ch04.gpt_model: GPTModel's parameter names and counts, logits, causality, dropout, gradients."""
import numpy as np

from grader.checks import (build_on_meta, case, dropout_probe, eval_outputs, expect_close, expect_gradients,
                           expect_names, expect_shape, fail, forward, gradient_sizes, points, sibling,
                           weighted_backward, with_weights)
from grader.checks.weights import pattern


ref = sibling(__file__, "gpt_reference")
CFG, CFG_124M = ref.SMALL, ref.GPT_124M
V, C, D = CFG["vocab_size"], CFG["context_length"], CFG["emb_dim"]
REFERENCE = ref.model_weights(CFG, "gm.")
INPUTS = {"main": (2, 6), "full_context": (3, 8), "one_token": (1, 1)}


def _model(learner, **changes):
    return with_weights(learner.GPTModel({**CFG, **changes}), REFERENCE)


def _idx(shape):
    import torch
    return torch.from_numpy((np.abs(pattern(shape, f"gm.idx.{shape}", 1.0)) * V).astype(np.int64) % V)


@case
def structure(learner):
    model = learner.GPTModel(CFG)
    return {"parameters": {n: list(p.shape) for n, p in model.named_parameters()}}


@case
def count_124m(learner):
    model = build_on_meta(lambda: learner.GPTModel(CFG_124M))
    return sum(p.numel() for p in model.parameters())


@case
def logits(learner):
    return eval_outputs(_model(learner), _idx, INPUTS, _variants)


ADVICE = {"scaled": "you scale the token embeddings by sqrt(emb_dim), as the original Transformer does; GPT-2 "
                     "adds tok_emb(in_idx) and pos_emb(...) as they are",
          "norm first": "final_norm goes after trf_blocks, right before out_head",
          "late positions": "add the positional embeddings to the token embeddings before trf_blocks"}


def _variants(model, idx):
    """What the usual wrong wirings (the keys of ADVICE) would give, built from the learner's own submodules."""
    import torch

    tok, pos = model.tok_emb(idx), model.pos_emb(torch.arange(idx.shape[1]))
    return {"scaled": model.out_head(model.final_norm(model.trf_blocks(tok * D ** 0.5 + pos))),
            "norm first": model.out_head(model.trf_blocks(model.final_norm(tok + pos))),
            "late positions": model.out_head(model.final_norm(model.trf_blocks(tok) + pos))}


@case
def positions(learner):
    import torch

    model = _model(learner).eval()
    with torch.no_grad():
        return model(torch.full((1, C), 7, dtype=torch.long))


@case
def causality(learner):
    """leaks[t]: the largest change of the logits before position t when only token t changes."""
    import torch

    model = _model(learner).eval()
    base = _idx((1, C))
    batch = base.repeat(C + 1, 1)
    for t in range(C):
        batch[t + 1, t] = (base[0, t] + 17) % V
    with torch.no_grad():
        out = model(batch)
    return [float((out[t + 1, :t] - out[0, :t]).abs().max()) if t else 0.0 for t in range(C)]


@case
def dropout(learner):
    return dropout_probe(_model(learner, drop_rate=0.5), _idx(INPUTS["main"]))


def _without_embedding_dropout(model, idx):
    """With drop_rate=1.0 every block returns its input: a model without the embedding dropout then gives this."""
    import torch

    embeddings = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.shape[1]))
    return {"no drop_emb": model.out_head(model.final_norm(embeddings))}


@case
def everything_dropped(learner):
    """drop_rate=1.0 in train mode, judged by behaviour whatever the dropout modules are called: the embedding
    dropout zeroes every embedding and each block returns its input, so every position gets the same logits.
    Under "variants", what a model that skips the embedding dropout gives (from its own submodules)."""
    model = _model(learner, drop_rate=1.0).train()
    logits = forward(model, _idx(INPUTS["main"]))
    return {"logits": logits, "variants": eval_outputs(model, _idx, {"main": INPUTS["main"]},
                                                       _without_embedding_dropout)["variants"]}


@case
def gradients(learner):
    model = _model(learner).train()
    weighted_backward(model(_idx(INPUTS["main"])), "gm.grad")
    return gradient_sizes(model)


def test_parameter_names(out, snap):
    got, expected = out["structure"]["parameters"], snap["structure"]["parameters"]
    if "out_head.bias" in got:
        fail("GPTModel has out_head.bias: the output head is nn.Linear(emb_dim, vocab_size, bias=False)")
    expect_names(got, expected, "the parameters of GPTModel (chapter 5 loads GPT-2's weights by these names)",
                 "parameter")


def test_parameter_shapes_and_count(out, snap):
    got, expected = out["structure"]["parameters"], snap["structure"]["parameters"]
    for name, shape in expected.items():
        if name in got and got[name] != shape:
            fail(f"GPTModel(cfg) with vocab_size {V}, context_length {C}, emb_dim {D}: {name} has shape {got[name]}, "
                 f"expected {shape}" + (": pos_emb has one row per position, context_length rows"
                                        if name == "pos_emb.weight" else ""))
    if out["count_124m"] != snap["count_124m"]:
        fail(f"GPTModel(GPT_CONFIG_124M) has {out['count_124m']:,} parameters, expected {snap['count_124m']:,} "
             "(the book's count, with the output head untied)")


def test_logits_shape(out):
    for key, (b, t) in INPUTS.items():
        expect_shape(out["logits"][key], [b, t, V], f"GPTModel(cfg)(in_idx) for in_idx of shape {[b, t]} "
                     "(batch, seq_len, vocab_size): return the logits of self.out_head")


@points(3)
def test_logits_values(out, snap):
    got = out["logits"]
    mistakes = {ADVICE[name]: value for name, value in got["variants"].items()}
    for key, shape in INPUTS.items():
        expect_close(got[key], snap["logits"][key],
                     f"the logits for in_idx of shape {list(shape)} in eval mode, with known weights",
                     atol=1e-4, rtol=1e-4, mistakes=mistakes if key == "main" else None)


def test_position_matters(out, snap):
    got = out["positions"]
    expect_shape(got, snap["positions"].shape, "the logits for one token repeated 8 times")
    if np.allclose(got, got[:, :1], atol=1e-5):
        fail("for one token repeated at every position the logits are the same at every position: the model "
             "does not see positions. Add self.pos_emb(torch.arange(seq_len)) — indexed by position, "
             "not by token id — to the token embeddings")
    expect_close(got, snap["positions"], "the logits for one token repeated 8 times", atol=1e-4, rtol=1e-4)


def test_causal(out):
    leaks = out["causality"]
    for t, leak in enumerate(leaks):
        if leak > 1e-5:
            fail(f"changing the token at position {t} changed the logits of earlier positions (by up to {leak:.3g}): "
                 "a position must see only itself and earlier tokens. Check the causal mask of your "
                 "chapter-3 MultiHeadAttention, and normalize only over the embedding dimension (dim=-1)")


def test_dropout_only_in_train_mode(out, snap):
    ref.expect_dropout_only_in_train_mode(
        out["dropout"], snap["dropout"]["eval"], "the eval-mode logits with drop_rate=0.5 (dropout off)", 1e-4,
        "self.drop_emb", "with drop_rate=0.5 in train mode the logits do not change between calls: apply "
        "self.drop_emb to the embeddings and build the blocks with cfg['drop_rate']")


def test_embedding_dropout(out, snap):
    got, expected = out["everything_dropped"], snap["everything_dropped"]["logits"]
    what = "the train-mode logits with drop_rate=1.0"
    expect_shape(got["logits"], expected.shape, what)
    expect_close(got["logits"], expected, f"{what} (every embedding and every sublayer output dropped, so every "
                 "position gets the same logits)", atol=1e-4, rtol=1e-4, mistakes={
                     f"{what} still depend on the input tokens: the embedding dropout is missing. Apply self.drop_emb "
                     "to tok_emb(in_idx) + pos_emb(...) before trf_blocks (with drop_rate=1.0 it zeroes every "
                     "embedding, so every position should give the same logits)": got["variants"].get("no drop_emb")})


def test_gradients_reach_every_parameter(out):
    expect_gradients(out["gradients"], "GPTModel", "is every module used in forward? "
                     "tok_emb + pos_emb -> drop_emb -> trf_blocks -> final_norm -> out_head")
