"""Checks for ch06.ex6_2_full_finetuning: the classification head, with every parameter of the model trainable."""
from grader.checks import case, fail, sibling

ref = sibling(__file__, "classifier_reference")
CFG, D = ref.CFG, ref.D


@case
def prepared(learner):
    gpt = learner.module("ch04/gpt.py")
    model = gpt.GPTModel(CFG)
    returned = learner.prepare_for_full_finetuning(model, D, 2)
    head = getattr(model, "out_head", None)
    return {"returned_model": returned is model, "head": list(getattr(head, "weight", None).shape) if head is not None
            else None, "trainable": [n for n, p in model.named_parameters() if p.requires_grad],
            "all": [n for n, _ in model.named_parameters()]}


def test_classification_head(out):
    got = out["prepared"]
    if got["head"] != [2, D]:
        fail(f"out_head.weight has shape {got['head']}, expected [2, {D}]: replace the vocabulary head with a "
             f"Linear layer from emb_dim to num_classes, as in section 6.5")
    if not got["returned_model"]:
        fail("prepare_for_full_finetuning should return the model it changed")


def test_every_parameter_trains(out):
    got = out["prepared"]
    frozen = [n for n in got["all"] if n not in set(got["trainable"])]
    if frozen:
        fail(f"{len(frozen)} parameters are frozen (e.g. {frozen[0]}): exercise 6.2 finetunes the whole model, "
             "so leave out section 6.5's freezing (every parameter keeps requires_grad=True)")
