"""Checks for ch06.classification_head: a new num_classes head, and only the last block, final_norm and the head train."""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail, points, sibling, with_weights

ref = sibling(__file__, "classifier_reference")
CFG, D = ref.CFG, ref.D
LAST = CFG["n_layers"] - 1


def _prepared(learner, num_classes=2):
    gpt = learner.module("ch04/gpt.py")
    model = gpt.GPTModel(CFG)
    returned = learner.prepare_for_classification(model, D, num_classes)
    return model, returned


def _head(model):
    head = getattr(model, "out_head", None)
    weight, bias = getattr(head, "weight", None), getattr(head, "bias", None)
    return {"weight": None if weight is None else list(weight.shape), "bias": None if bias is None else list(bias.shape)}


@case
def trainable(learner):
    model, returned = _prepared(learner)
    return {"returned_model": returned is model, "head": _head(model),
            "trainable": [n for n, p in model.named_parameters() if p.requires_grad],
            "all": [n for n, _ in model.named_parameters()]}


@case
def three_classes(learner):
    return _head(_prepared(learner, num_classes=3)[0])


@case
def logits(learner):
    model, _ = _prepared(learner)
    model = with_weights(model, ref.gpt_classifier_weights("c6h.")).eval()
    import torch
    with torch.no_grad():
        return model(ref.token_batch((2, 6), "c6h.ids"))


def test_head_shape(out):
    for key, n in (("trainable", 2), ("three_classes", 3)):
        head = out[key] if key == "three_classes" else out[key]["head"]
        if head["weight"] != [n, D]:
            fail(f"prepare_for_classification(model, emb_dim={D}, num_classes={n}): out_head.weight has shape "
                 f"{head['weight']}, expected {[n, D]}: replace out_head with a Linear layer from emb_dim features "
                 "to num_classes outputs" + (" (use the num_classes argument)" if n == 3 else ""))
        if head["bias"] != [n]:
            fail("the new out_head has no bias: the book's head is torch.nn.Linear(emb_dim, num_classes) with "
                 "its default bias=True")


def test_returns_the_model(out):
    if not out["trainable"]["returned_model"]:
        fail("prepare_for_classification should change the model in place and return it (return model)")


@points(3)
def test_only_last_block_final_norm_and_head_train(out):
    got = out["trainable"]
    expected = [n for n in got["all"] if n.startswith((f"trf_blocks.{LAST}.", "final_norm.", "out_head."))]
    trainable = set(got["trainable"])
    if trainable == set(got["all"]):
        fail("every parameter is still trainable: freeze the whole model first (requires_grad = False), then "
             "unfreeze the last transformer block and final_norm")
    if not any(n.startswith("out_head.") for n in trainable):
        fail("the new out_head is frozen: create it after freezing the model (a new Linear layer is trainable), "
             "or unfreeze it")
    first = [n for n in trainable if n.startswith("trf_blocks.0.")]
    if first and not any(n.startswith(f"trf_blocks.{LAST}.") for n in trainable):
        fail("the FIRST transformer block is trainable instead of the last: unfreeze model.trf_blocks[-1]")
    missing = [n for n in expected if n not in trainable]
    extra = sorted(trainable - set(expected))
    if missing:
        part = "final_norm" if any(n.startswith("final_norm.") for n in missing) else f"trf_blocks[{LAST}] (the last)"
        fail(f"{part} is frozen but should train (missing: {', '.join(missing[:3])}): the book trains the last "
             "block, final_norm and the head")
    if extra:
        fail(f"parameters that should stay frozen are trainable: {', '.join(extra[:4])}")


def test_logits(out, snap):
    expect_shape(out["logits"], [2, 6, 2], "the classifier's output for token ids of shape [2, 6] "
                 "(batch, seq_len, num_classes)")
    expect_close(out["logits"], snap["logits"], "the classifier's logits with known weights", atol=1e-4, rtol=1e-4)
