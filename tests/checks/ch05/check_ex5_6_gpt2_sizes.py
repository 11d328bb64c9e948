"""Checks for ch05.ex5_6_gpt2_sizes (exercise 5.6): the configurations of the four GPT-2 sizes, built from a base
config without changing it, and the parameter counts they give (output head tied, as OpenAI's)."""
from grader.checks import case, expect_names, expect_type, fail

BASE = {"vocab_size": 50257, "context_length": 256, "emb_dim": 768, "n_heads": 12, "n_layers": 12,
        "drop_rate": 0.1, "qkv_bias": False}   # the book's chapter-5 GPT_CONFIG_124M
SIZES = {"gpt2-small (124M)": (768, 12, 12), "gpt2-medium (355M)": (1024, 24, 16),
         "gpt2-large (774M)": (1280, 36, 20), "gpt2-xl (1558M)": (1600, 48, 25)}
COUNTS = {"gpt2-small (124M)": 124_439_808, "gpt2-medium (355M)": 354_823_168, "gpt2-large (774M)": 774_030_080,
          "gpt2-xl (1558M)": 1_557_611_200}   # OpenAI's checkpoints (tests/test_ch05_book.py counts them on meta)


@case
def configs(learner):
    base = dict(BASE)
    result = {name: learner.gpt2_config(name, base) for name in SIZES}
    result["base_after"] = base
    return result


def test_configs(out):
    for name, (emb_dim, n_layers, n_heads) in SIZES.items():
        cfg = out["configs"][name]
        expect_type(cfg, dict, f"gpt2_config({name!r}, GPT_CONFIG_124M)")
        expect_names(cfg, list(BASE), f"gpt2_config({name!r}, GPT_CONFIG_124M)", "key")
        wanted = {"emb_dim": emb_dim, "n_layers": n_layers, "n_heads": n_heads, "context_length": 1024,
                  "qkv_bias": True, "vocab_size": 50257, "drop_rate": 0.1}
        for key, value in wanted.items():
            if cfg[key] != value:
                why = {"context_length": ": every OpenAI checkpoint has 1,024 positions",
                       "qkv_bias": ": GPT-2's query, key and value projections have biases"}.get(key, "")
                fail(f'gpt2_config({name!r}, ...)["{key}"] is {cfg[key]!r}, expected {value!r}{why}')


def test_base_config_unchanged(out):
    changed = {k: v for k, v in out["configs"]["base_after"].items() if BASE.get(k) != v}
    if changed:
        fail(f"gpt2_config changed the base config it was given ({changed}): update a copy, base_config.copy()")


def _count(cfg):
    """Parameters of GPTModel(cfg) without the output head: embeddings, blocks, final norm."""
    v, c, d, n = (cfg.get(k) for k in ("vocab_size", "context_length", "emb_dim", "n_layers"))
    if not all(isinstance(x, int) for x in (v, c, d, n)):
        fail(f"the config {cfg} should hold whole numbers for vocab_size, context_length, emb_dim and n_layers")
    attention = 4 * d * d + d + (3 * d if cfg.get("qkv_bias") else 0)
    block = attention + 8 * d * d + 5 * d + 4 * d
    return v * d + c * d + n * block + 2 * d


def test_parameter_counts(out):
    for name, expected in COUNTS.items():
        got = _count(out["configs"][name])
        if got != expected:
            fail(f"GPTModel(gpt2_config({name!r}, ...)) has {got:,} parameters besides the output head; OpenAI's "
                 f"{name} has {expected:,}")
