"""Shared by the weight-loading checks (numpy only): a synthetic GPT-2 checkpoint in the book's nested `params`
layout, with deterministic values, and the GPTModel parameter each of its arrays belongs in.

Values come from grader.checks.weights.pattern, so both sides of the worker boundary build the same checkpoint.
"""
from __future__ import annotations

import numpy as np

from grader.checks.weights import pattern

# vocab 64, context 8, emb 16, 2 heads, 2 layers, with GPT-2's query/key/value biases
GPT2_TINY = {"vocab_size": 64, "context_length": 8, "emb_dim": 16, "n_heads": 2, "n_layers": 2,
             "drop_rate": 0.0, "qkv_bias": True}


def params(cfg: dict, key: str = "gpt2.") -> dict:
    """A checkpoint for cfg in OpenAI's layout: weights (in, out), c_attn holding query, key and value side by side."""
    v, c, d = cfg["vocab_size"], cfg["context_length"], cfg["emb_dim"]

    def norm(name):
        return {"g": 1 + pattern((d,), key + name + ".g", 0.3), "b": pattern((d,), key + name + ".b", 0.3)}

    def dense(name, n_in, n_out):
        return {"w": pattern((n_in, n_out), key + name + ".w", 1 / np.sqrt(n_in)),
                "b": pattern((n_out,), key + name + ".b", 0.2)}

    blocks = [{"ln_1": norm(f"h{i}.ln_1"), "ln_2": norm(f"h{i}.ln_2"),
               "attn": {"c_attn": dense(f"h{i}.c_attn", d, 3 * d), "c_proj": dense(f"h{i}.c_proj", d, d)},
               "mlp": {"c_fc": dense(f"h{i}.c_fc", d, 4 * d), "c_proj": dense(f"h{i}.mlp_proj", 4 * d, d)}}
              for i in range(cfg["n_layers"])]
    final = norm("ln_f")
    return {"wte": pattern((v, d), key + "wte", 1.0), "wpe": pattern((c, d), key + "wpe", 1.0),
            "g": final["g"], "b": final["b"], "blocks": blocks}


def expected_state(p: dict) -> dict[str, np.ndarray]:
    """GPTModel's parameter name -> the array of `p` it must hold after loading."""
    state = {"tok_emb.weight": p["wte"], "pos_emb.weight": p["wpe"], "final_norm.scale": p["g"],
             "final_norm.shift": p["b"], "out_head.weight": p["wte"]}
    for i, block in enumerate(p["blocks"]):
        at = f"trf_blocks.{i}."
        w = np.split(block["attn"]["c_attn"]["w"], 3, axis=-1)
        b = np.split(block["attn"]["c_attn"]["b"], 3, axis=-1)
        for k, name in enumerate(("W_query", "W_key", "W_value")):
            state[f"{at}att.{name}.weight"], state[f"{at}att.{name}.bias"] = w[k].T, b[k]
        for module, source in (("att.out_proj", block["attn"]["c_proj"]), ("ff.layers.0", block["mlp"]["c_fc"]),
                               ("ff.layers.2", block["mlp"]["c_proj"])):
            state[f"{at}{module}.weight"], state[f"{at}{module}.bias"] = source["w"].T, source["b"]
        for norm, source in (("norm1", block["ln_1"]), ("norm2", block["ln_2"])):
            state[f"{at}{norm}.scale"], state[f"{at}{norm}.shift"] = source["g"], source["b"]
    return state
