"""Checks for ch06.classification_head: a new num_classes head, and only the last block, final_norm and the head
train."""
from grader.checks import case, expect_close, expect_shape, fail, fail_if_mistake, points, sibling, with_weights

ref = sibling(__file__, "classifier_reference")
stand = sibling(__file__, "standins")
CFG, D = ref.CFG, ref.D
LAST = CFG["n_layers"] - 1
TRAINED = (f"trf_blocks.{LAST}.", "final_norm.", "out_head.")   # what section 6.5 trains


def _prepared(learner, num_classes=2):
    model = learner.module("ch04/gpt.py").GPTModel(CFG)
    return model, learner.prepare_for_classification(model, D, num_classes)


def _head(model):
    head = getattr(model, "out_head", None)
    weight, bias = getattr(head, "weight", None), getattr(head, "bias", None)
    return {"weight": None if weight is None else list(weight.shape),
            "bias": None if bias is None else list(bias.shape)}


def head_of(learner, num_classes):
    return _head(_prepared(learner, num_classes)[0])


@case
def trainable(learner):
    model, returned = _prepared(learner)
    return {"returned_model": returned is model, "head": _head(model),
            "trainable": [n for n, p in model.named_parameters() if p.requires_grad],
            "all": [n for n, _ in model.named_parameters()]}


three_classes = case(head_of, 3)


@case
def logits(learner):
    import torch
    model = with_weights(_prepared(learner)[0], ref.gpt_classifier_weights("c6h.")).eval()
    with torch.no_grad():
        return model(stand.token_batch((2, 6), "c6h.ids"))


def test_head_shape(out):
    for head, n in ((out["trainable"]["head"], 2), (out["three_classes"], 3)):
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
    trainable, expected = sorted(got["trainable"]), sorted(n for n in got["all"] if n.startswith(TRAINED))
    if trainable == expected:
        return
    fail_if_mistake(trainable, {
        "every parameter is still trainable: freeze the whole model first (requires_grad = False), then unfreeze "
        "the last transformer block and final_norm": sorted(got["all"]),
        "the FIRST transformer block is trainable instead of the last: unfreeze model.trf_blocks[-1]":
            sorted(n.replace(f"trf_blocks.{LAST}.", "trf_blocks.0.") for n in expected),
    }, "prepare_for_classification")
    missing = [n for n in expected if n not in trainable]
    if any(n.startswith("out_head.") for n in missing):
        fail("the new out_head is frozen: create it after freezing the model (a new Linear layer is trainable), "
             "or unfreeze it")
    if missing:
        part = "final_norm" if any(n.startswith("final_norm.") for n in missing) else f"trf_blocks[{LAST}] (the last)"
        fail(f"{part} is frozen but should train (missing: {', '.join(missing[:3])}): the book trains the last "
             "block, final_norm and the head")
    fail(f"parameters that should stay frozen are trainable: {', '.join(sorted(set(trainable) - set(expected))[:4])}")


def test_logits(out, snap):
    expect_shape(out["logits"], [2, 6, 2], "the classifier's output for token ids of shape [2, 6] "
                 "(batch, seq_len, num_classes)")
    expect_close(out["logits"], snap["logits"], "the classifier's logits with known weights", atol=1e-4, rtol=1e-4)
