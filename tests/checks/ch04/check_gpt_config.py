"""Checks for ch04.gpt_config: the book's GPT_CONFIG_124M, the configuration of the smallest GPT-2."""
from grader.checks import case, expect_names, expect_type, fail, points

SIZE_KEYS = ("vocab_size", "context_length", "emb_dim", "n_heads", "n_layers")
HELP = {
    "vocab_size": "GPT-2's BPE vocabulary has 50,257 tokens (ids 0..50256; <|endoftext|> is 50256)",
    "context_length": "GPT-2 reads at most 1,024 tokens at once",
    "emb_dim": "each token becomes a 768-dimensional vector",
    "n_heads": "12 attention heads of 64 dimensions each make up the 768",
    "n_layers": "the 124M model stacks 12 transformer blocks",
}


@case
def config(learner):
    return learner.GPT_CONFIG_124M


def test_book_keys(out, snap):
    cfg = out["config"]
    expect_type(cfg, dict, "GPT_CONFIG_124M")
    expect_names(list(cfg), list(snap["config"]), "GPT_CONFIG_124M (the code of chapters 4-7 reads these keys)",
                 "key")


@points(2)
def test_model_sizes(out, snap):
    cfg = out["config"]
    expect_type(cfg, dict, "GPT_CONFIG_124M")
    for key in SIZE_KEYS:
        got, expected = cfg.get(key), snap["config"][key]
        if got != expected or type(got) is not int:
            fail(f'GPT_CONFIG_124M["{key}"] is {got!r}, expected the int {expected}: {HELP[key]}')


def test_dropout_and_qkv_bias(out, snap):
    cfg = out["config"]
    expect_type(cfg, dict, "GPT_CONFIG_124M")
    if cfg.get("drop_rate") != snap["config"]["drop_rate"]:
        fail(f'GPT_CONFIG_124M["drop_rate"] is {cfg.get("drop_rate")!r}, expected {snap["config"]["drop_rate"]}: '
             "10% of the values are dropped during training")
    if cfg.get("qkv_bias") is not False:
        fail(f'GPT_CONFIG_124M["qkv_bias"] is {cfg.get("qkv_bias")!r}, expected False: the query, key and value '
             "layers are built without bias (chapter 5 turns it on to load OpenAI's weights)")
