"""Checks for ch03.gpt2_sized_attention (exercise 3.3): GPT-2 small's attention and its parameter count."""
from grader.checks import case, fail, fail_if_mistake


@case
def small_counts(learner):
    import torch.nn as nn
    mlp = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 1))
    return [learner.count_parameters(nn.Linear(3, 2)), learner.count_parameters(mlp)]


@case
def gpt2(learner):
    module = learner.gpt2_sized_attention()
    return {"type": type(module).__name__, "counted": learner.count_parameters(module),
            "elements": sum(p.numel() for p in module.parameters()),
            "biases": sum(p.numel() for n, p in module.named_parameters() if n.endswith("bias")),
            "masks": [list(b.shape) for b in module.buffers()],
            "num_heads": getattr(module, "num_heads", None), "head_dim": getattr(module, "head_dim", None),
            "shapes": sorted(list(p.shape) for p in module.parameters())}


def test_count_parameters_counts_elements(out):
    got = out["small_counts"]
    if got != [8, 31]:
        what = f"count_parameters gave {got} for nn.Linear(3, 2) and a 4-5-1 MLP, expected [8, 31]"
        fail_if_mistake(got, {"count the numbers inside each parameter, p.numel(), not the parameter tensors": [2, 4]},
                        what)
        fail(what)


def test_count_of_gpt2_sized_attention(out):
    got = out["gpt2"]
    if got["counted"] != got["elements"]:
        what = (f"count_parameters(gpt2_sized_attention()) = {got['counted']}, but its parameters hold "
                f"{got['elements']} numbers")
        fail_if_mistake(got["counted"], {"count the biases too: add up p.numel() over model.parameters()":
                                         got["elements"] - got["biases"]}, what, atol=0, rtol=0)
        fail(f"{what}: add up p.numel() over model.parameters()")


def test_gpt2_sized_parameters(out, snap):
    got, expected = out["gpt2"], snap["gpt2"]
    if got["type"] != "MultiHeadAttention":
        fail(f"gpt2_sized_attention should return a MultiHeadAttention, got a {got['type']}")
    if got["elements"] != expected["elements"]:
        what = (f"the GPT-2-sized MultiHeadAttention has {got['elements']:,} parameters, expected "
                f"{expected['elements']:,}")
        fail_if_mistake(got["elements"], {"GPT-2's query, key and value layers here have no bias, qkv_bias=False":
                                          expected["elements"] + 3 * 768}, what, atol=0, rtol=0)
        fail(f"{what}: use d_in = d_out = 768 (GPT-2 small's embedding size)")


def test_gpt2_heads_and_context(out):
    got = out["gpt2"]
    if [1024, 1024] not in got["masks"]:
        fail(f"the attention's mask buffers have shapes {got['masks']}: GPT-2 small's context_length is 1024")
    if got["num_heads"] != 12 and got["head_dim"] != 64:
        fail(f"num_heads = {got['num_heads']}, head_dim = {got['head_dim']}: GPT-2 small has 12 heads of 64 "
             "dimensions")
