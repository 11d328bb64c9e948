"""Checks for ch04.parameter_counts (exercise 4.1): parameters of one block's feed-forward and attention."""
from grader.checks import build_on_meta, case, expect_names, expect_type, fail, fail_if_mistake

CFG_124M = {"vocab_size": 50257, "context_length": 1024, "emb_dim": 768, "n_heads": 12, "n_layers": 12,
            "drop_rate": 0.1, "qkv_bias": False}
CFG_SMALL = {"vocab_size": 60, "context_length": 8, "emb_dim": 16, "n_heads": 2, "n_layers": 2,
             "drop_rate": 0.0, "qkv_bias": True}


@case
def count_parameters(learner):
    import torch

    with_buffer = torch.nn.BatchNorm1d(4)   # 8 parameters and 3 buffers
    model = torch.nn.Sequential(torch.nn.Embedding(10, 3), torch.nn.Linear(3, 5), with_buffer)
    return {"linear": learner.count_parameters(torch.nn.Linear(5, 3)), "model": learner.count_parameters(model)}


@case
def block_124m(learner):
    return build_on_meta(lambda: learner.block_parameter_counts(CFG_124M))


@case
def block_small(learner):
    return learner.block_parameter_counts(CFG_SMALL)


def test_count_parameters(out, snap):
    got, expected = out["count_parameters"], snap["count_parameters"]
    fail_if_mistake(got["linear"], {"the number of parameter tensors; count the values in them: "
                                    "sum(p.numel() for p in module.parameters())": 2},
                    f"count_parameters(nn.Linear(5, 3)) is {got['linear']!r}", atol=0, rtol=0)
    if got["model"] > expected["model"] and got["linear"] == expected["linear"]:
        fail(f"count_parameters counts {got['model'] - expected['model']} values too many for a module with "
             "buffers: buffers (like the causal mask) are not parameters; count module.parameters()")
    for key, what in (("linear", "nn.Linear(5, 3)"), ("model", "Embedding(10, 3) + Linear(3, 5) + BatchNorm1d(4)")):
        if got[key] != expected[key]:
            fail(f"count_parameters({what}) is {got[key]!r}, expected {expected[key]}")


def _counts(out, snap, key, what):
    got = out[key]
    expect_type(got, dict, what)
    expect_names(got, list(snap[key]), what, "key")
    return got, snap[key]


def test_feed_forward_124m(out, snap):
    got, expected = _counts(out, snap, "block_124m", "block_parameter_counts(GPT_CONFIG_124M)")
    fail_if_mistake(got["feed_forward"], {f"the weight matrices only: the biases of both Linear layers count too "
                                          f"({expected['feed_forward']:,} in all)":
                                          expected["feed_forward"] - 4 * 768 - 768},
                    f"{got['feed_forward']:,} feed-forward parameters is", atol=0, rtol=0)
    if got["feed_forward"] != expected["feed_forward"]:
        fail(f"one 124M block's feed-forward has {expected['feed_forward']:,} parameters, you count "
             f"{got['feed_forward']:,}: count the parameters of block.ff")


def test_attention_124m(out, snap):
    got, expected = _counts(out, snap, "block_124m", "block_parameter_counts(GPT_CONFIG_124M)")
    fail_if_mistake(got["attention"], {"the 1024 x 1024 causal mask included: the mask is a buffer, not a parameter; "
                                       "count block.att.parameters(), not its state_dict()":
                                       expected["attention"] + 1024 * 1024},
                    f"{got['attention']:,} attention parameters, with", atol=0, rtol=0)
    if got["attention"] != expected["attention"]:
        fail(f"one 124M block's attention has {expected['attention']:,} parameters, you count "
             f"{got['attention']:,}: count the parameters of block.att")


def test_other_configuration(out, snap):
    got, expected = _counts(out, snap, "block_small", "block_parameter_counts(cfg) for emb_dim 16, qkv_bias True")
    if got != expected:
        fail(f"for a small configuration (emb_dim 16, qkv_bias True) you count {got}, expected {expected}: "
             "build TransformerBlock(cfg) from the cfg you are given and count its .ff and .att")
