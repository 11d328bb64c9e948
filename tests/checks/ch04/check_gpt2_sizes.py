"""Checks for ch04.gpt2_sizes (exercise 4.2): the GPT-2 configurations and their sizes, counted on meta."""
from grader.checks import build_on_meta, case, expect_close, expect_names, expect_type, fail, points

BASE = {"vocab_size": 50257, "context_length": 1024, "emb_dim": 768, "n_heads": 12, "n_layers": 12,
        "drop_rate": 0.1, "qkv_bias": False}
SIZES = {"gpt2-small": (768, 12, 12), "gpt2-medium": (1024, 24, 16),
         "gpt2-large": (1280, 36, 20), "gpt2-xl": (1600, 48, 25)}
SMALL = {"vocab_size": 60, "context_length": 8, "emb_dim": 16, "n_heads": 2, "n_layers": 2,
         "drop_rate": 0.0, "qkv_bias": False}


@case
def configs(learner):
    base = dict(BASE)
    result = {name: learner.get_config(base, name) for name in SIZES}
    result["base_after"] = base
    return result


@case
def sizes(learner):
    gpt = learner.module("ch04/gpt.py")
    result = {}
    for name, (emb_dim, n_layers, n_heads) in SIZES.items():
        cfg = {**BASE, "emb_dim": emb_dim, "n_layers": n_layers, "n_heads": n_heads}
        result[name] = learner.calculate_size(build_on_meta(lambda cfg=cfg: gpt.GPTModel(cfg)))
    result["small_model"] = learner.calculate_size(gpt.GPTModel(SMALL))
    return result


def test_configs(out):
    for name, (emb_dim, n_layers, n_heads) in SIZES.items():
        cfg = out["configs"][name]
        expect_type(cfg, dict, f"get_config(GPT_CONFIG_124M, {name!r})")
        expect_names(cfg, list(BASE), f"get_config(GPT_CONFIG_124M, {name!r})", "key")
        for key, value in (("emb_dim", emb_dim), ("n_layers", n_layers), ("n_heads", n_heads)):
            if cfg[key] != value:
                fail(f'get_config(GPT_CONFIG_124M, {name!r})["{key}"] is {cfg[key]!r}, expected {value}: {name} has '
                     f"emb_dim {emb_dim}, n_layers {n_layers}, n_heads {n_heads}")
        others = {k: cfg[k] for k in BASE if k not in ("emb_dim", "n_layers", "n_heads") and cfg[k] != BASE[k]}
        if others:
            fail(f"get_config(GPT_CONFIG_124M, {name!r}) changed {others}: keep the other settings of the base config")


def test_base_config_unchanged(out):
    changed = {k: v for k, v in out["configs"]["base_after"].items() if BASE.get(k) != v}
    if changed:
        fail(f"get_config changed the base config it was given ({changed}): work on a copy, "
             "base_config.copy() or {**base_config, ...}")


def _size(out, name):
    got = out["sizes"][name]
    expect_type(got, dict, f"calculate_size(GPTModel({name} config))")
    expect_names(got, ["total", "tied", "size_mb"], f"calculate_size(GPTModel({name} config))", "key")
    return got


@points(2)
def test_total_parameters(out, snap):
    for name in (*SIZES, "small_model"):
        got, expected = _size(out, name)["total"], snap["sizes"][name]["total"]
        if got != expected:
            extra = "" if got < expected else (": buffers such as the causal masks are not parameters; "
                                               "count model.parameters(), not the state_dict")
            fail(f'calculate_size(...)["total"] for {name} is {got:,}, expected {expected:,}{extra}')


def test_tied_parameters(out, snap):
    for name in (*SIZES, "small_model"):
        got, expected = _size(out, name), snap["sizes"][name]
        if got["tied"] != expected["tied"]:
            fail(f'calculate_size(...)["tied"] for {name} is {got["tied"]:,}, expected {expected["tied"]:,}: '
                 "with weight tying out_head reuses tok_emb's weight, so subtract out_head's parameters "
                 "once from the total")


def test_size_mb(out, snap):
    for name in (*SIZES, "small_model"):
        got, expected = _size(out, name)["size_mb"], snap["sizes"][name]["size_mb"]
        expect_close(got, expected, f'calculate_size(...)["size_mb"] for {name} (4 bytes per float32 parameter)',
                     atol=0.005, rtol=1e-6, mistakes={"a MB here is 1024 * 1024 bytes, not 1e6 (the book's 621.83 MB "
                                                      "for the 124M model)": expected * 1024 * 1024 / 1e6})
