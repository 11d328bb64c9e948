"""Checks for appE.lora_classifier: only the LoRA matrices train, 2,666,528 of them on the 124M classifier."""
from grader.checks import build_on_meta, case, expect_close, fail, fail_if_mistake, points, sibling, with_weights
from grader.checks.weights import pattern

gpt_ref = sibling(__file__, "ch04/gpt_reference")
CFG = gpt_ref.SMALL
CFG_124M = {**gpt_ref.GPT_124M, "drop_rate": 0.0, "qkv_bias": True}  # as the book loads GPT-2 in appendix E


def _classifier(learner, cfg):
    import torch

    model = learner.module("ch04/gpt.py").GPTModel(cfg)
    model.out_head = torch.nn.Linear(cfg["emb_dim"], 2)
    return model


@case
def count_124m(learner):
    model = build_on_meta(lambda: learner.add_lora(_classifier(learner, CFG_124M), 16, 16))
    return {"count": learner.count_trainable_parameters(model),
            "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad)}


@case
def small(learner):
    import torch

    model = _classifier(learner, CFG)
    weights = {**gpt_ref.model_weights(CFG, "lc."), "out_head.weight": pattern((2, CFG["emb_dim"]), "lc.head"),
               "out_head.bias": pattern((2,), "lc.head.bias", 0.5)}
    model = with_weights(model, weights).eval()
    idx = torch.arange(12).reshape(2, 6) % CFG["vocab_size"]
    with torch.no_grad():
        before = model(idx)
    original = {n: p.detach().clone() for n, p in model.named_parameters()}
    learner.add_lora(model, 2, 4)
    with torch.no_grad():
        after = model(idx)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    lora_modules = [n for n, m in model.named_modules() if type(m).__name__ == "LoRALayer"]
    model.train()
    model(idx)[:, -1, :].sum().backward()
    with torch.no_grad():  # one plain gradient step (torch.optim's first use imports torch._dynamo: seconds)
        for p in model.parameters():
            if p.requires_grad and p.grad is not None:
                p -= 0.1 * p.grad
    moved = [n for n, p in model.named_parameters() if n.replace(".linear.", ".") in original and
             not torch.equal(p, original[n.replace(".linear.", ".")])]
    return {"before": before, "after": after, "trainable": trainable, "lora_modules": lora_modules,
            "all": [n for n, _ in model.named_parameters()], "moved": moved,
            "count": learner.count_trainable_parameters(model),
            "values": sum(p.numel() for p in model.parameters() if p.requires_grad)}


@points(2)
def test_count_on_the_124m_classifier(out):
    got = out["count_124m"]
    fail_if_mistake(got["trainable"], {"no parameter is trainable: freeze the model BEFORE replacing its Linear "
                                       "layers, so that only the new LoRA matrices train": 0},
                    "add_lora on the GPT-2 124M classifier", atol=0, rtol=0)
    if got["trainable"] > 100_000_000:
        fail(f"{got['trainable']:,} parameters train: freeze every parameter of the model first, then add LoRA")
    if got["trainable"] != 2_666_528:
        fail(f"the GPT-2 124M classifier with rank 16 has {got['trainable']:,} trainable parameters, expected "
             "2,666,528 (the book's figure)")


def test_count_trainable_parameters(out):
    for key, what in (("count_124m", "the 124M classifier"), ("small", "a small classifier")):
        got = out[key]
        if got["count"] != got["trainable" if key == "count_124m" else "values"]:
            fail(f"count_trainable_parameters gives {got['count']:,} for {what}, which has "
                 f"{got['trainable' if key == 'count_124m' else 'values']:,} trainable values: add p.numel() of "
                 "the parameters with requires_grad only")


@points(2)
def test_only_lora_parameters_train(out):
    got = out["small"]
    if not got["lora_modules"]:
        fail("add_lora added no LoRALayer modules: replace the Linear layers with replace_linear_with_lora")
    lora = {n for n in got["all"] if any(n.startswith(m + ".") for m in got["lora_modules"])}
    others = [n for n in got["trainable"] if n not in lora]
    if others:
        fail(f"{len(others)} original parameters still train (e.g. {others[0]}): freeze every parameter before "
             "adding LoRA")
    if set(got["trainable"]) != lora:
        fail("some LoRA matrices are frozen: replace the Linear layers after freezing the model")
    if got["moved"]:
        fail(f"a training step changed original weights ({got['moved'][0]}): only LoRA matrices may train")


def test_outputs_unchanged_at_first(out):
    got = out["small"]
    expect_close(got["after"], got["before"], "the classifier's logits right after add_lora (B is zero, so nothing "
                 "may change yet)", atol=1e-5, rtol=1e-5)
