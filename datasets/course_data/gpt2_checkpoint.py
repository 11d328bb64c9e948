"""GPT-2 checkpoints in the book's nested `params` layout, without TensorFlow and without a download.

`load_params(path)` reads a checkpoint you already have and returns (settings, params) as the book's
`download_and_load_gpt2` does: settings = OpenAI's hparams ({"n_vocab", "n_ctx", "n_embd", "n_head",
"n_layer"}), params = {"wte", "wpe", "g", "b", "blocks": [{"attn": {"c_attn": {"w", "b"}, "c_proj": ...},
"mlp": {"c_fc": ..., "c_proj": ...}, "ln_1": {"g", "b"}, "ln_2": ...}, ...]} of float32 numpy arrays,
weights stored (in, out). `path` may be:
  - a Hugging Face `model.safetensors` (GPT2LMHeadModel or GPT2Model; a config.json beside it is used), or
    the folder holding it;
  - OpenAI's original files: the folder holding model.ckpt.index, model.ckpt.data-00000-of-00001 and
    hparams.json, or the path of model.ckpt / model.ckpt.index.
`gpt_config(settings)` turns the settings into the book's config dict for GPTModel.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

BLOCK_TENSOR = re.compile(r"h\.(\d+)\.(ln_[12]|attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.(weight|bias)")
HEADS_BY_WIDTH = {768: 12, 1024: 16, 1280: 20, 1600: 25}  # the four published GPT-2 sizes
BLOCK_KEYS = ("ln_1.g", "ln_1.b", "attn.c_attn.w", "attn.c_attn.b", "attn.c_proj.w", "attn.c_proj.b",
              "ln_2.g", "ln_2.b", "mlp.c_fc.w", "mlp.c_fc.b", "mlp.c_proj.w", "mlp.c_proj.b")


class CheckpointError(ValueError):
    """The checkpoint cannot be turned into GPT-2 params; the message names the file or tensor and why."""


def load_params(path) -> tuple[dict, dict]:
    """(settings, params) of the GPT-2 checkpoint at `path` (see the module docstring)."""
    path = Path(path)
    if path.is_dir():
        if (path / "model.safetensors").is_file():
            path = path / "model.safetensors"
        elif (path / "model.ckpt.index").is_file():
            path = path / "model.ckpt.index"
        else:
            raise CheckpointError(f"{path} holds neither model.safetensors (Hugging Face) nor model.ckpt.index "
                                  "(OpenAI's files)")
    if path.suffix == ".safetensors":
        flat, settings = _read_safetensors(path), _settings_file(path.parent / "config.json")
        blocks, top = _from_hugging_face(flat)
    elif path.name.endswith(".index") or Path(str(path) + ".index").is_file():
        from .tf_checkpoint import CheckpointFormatError, read_checkpoint
        try:
            flat = read_checkpoint(str(path).removesuffix(".index"))
        except (CheckpointFormatError, OSError) as exc:
            raise CheckpointError(f"{path}: {exc}") from None
        settings = _settings_file(path.parent / "hparams.json")
        blocks, top = _from_openai(flat)
    else:
        raise CheckpointError(f"{path} does not exist or is not a GPT-2 checkpoint: give a model.safetensors, "
                              "or OpenAI's model.ckpt.index (with its .data file and hparams.json beside it)")
    params = {**top, "blocks": blocks}
    settings = _complete_settings(settings, params, path)
    check_params(params, settings, str(path))
    return settings, params


def gpt_config(settings: dict, drop_rate: float = 0.0) -> dict:
    """The book's GPTModel config for a checkpoint's settings (qkv_bias True, as every GPT-2 has)."""
    return {"vocab_size": settings["n_vocab"], "context_length": settings["n_ctx"], "emb_dim": settings["n_embd"],
            "n_heads": settings["n_head"], "n_layers": settings["n_layer"], "drop_rate": drop_rate, "qkv_bias": True}


def expected_shapes(settings: dict) -> dict[str, tuple]:
    """Every tensor of a checkpoint with these settings, in the dotted form of BLOCK_KEYS ("blocks.3.attn.c_attn.w")."""
    v, c, d = settings["n_vocab"], settings["n_ctx"], settings["n_embd"]
    block = {"ln_1.g": (d,), "ln_1.b": (d,), "attn.c_attn.w": (d, 3 * d), "attn.c_attn.b": (3 * d,),
             "attn.c_proj.w": (d, d), "attn.c_proj.b": (d,), "ln_2.g": (d,), "ln_2.b": (d,),
             "mlp.c_fc.w": (d, 4 * d), "mlp.c_fc.b": (4 * d,), "mlp.c_proj.w": (4 * d, d), "mlp.c_proj.b": (d,)}
    shapes = {"wte": (v, d), "wpe": (c, d), "g": (d,), "b": (d,)}
    for i in range(settings["n_layer"]):
        shapes.update({f"blocks.{i}.{k}": s for k, s in block.items()})
    return shapes


def check_params(params: dict, settings: dict, where: str = "the checkpoint") -> None:
    """Raise CheckpointError naming the first missing or misshaped tensor."""
    for name, shape in expected_shapes(settings).items():
        value = params
        for part in name.split("."):
            value = value[int(part)] if isinstance(value, list) else (value or {}).get(part)
            if value is None:
                raise CheckpointError(f"{where} has no tensor for {name}")
        if tuple(value.shape) != shape:
            sizes = ", ".join(f"{k} {settings[k]}" for k in ("n_embd", "n_vocab", "n_ctx"))
            raise CheckpointError(f"{where}: {name} has shape {tuple(value.shape)}, expected {shape} for {sizes}")


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    try:
        from safetensors import SafetensorError
        from safetensors.torch import load_file
    except ImportError:
        raise CheckpointError("reading model.safetensors needs the package safetensors "
                              "(pip install safetensors)") from None
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(f"{path} is not a readable safetensors file ({exc})") from None
    return {name: t.float().numpy() for name, t in tensors.items()}  # float16/bfloat16 checkpoints too


def _put(blocks: list, top: dict, layer: int | None, key: str, array: np.ndarray) -> None:
    if layer is None:
        top[key] = array
        return
    while len(blocks) <= layer:
        blocks.append({})
    target = blocks[layer]
    *parents, last = key.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = array


def _from_hugging_face(flat: dict) -> tuple[list, dict]:
    blocks, top = [], {}
    names = {"wte.weight": "wte", "wpe.weight": "wpe", "ln_f.weight": "g", "ln_f.bias": "b"}
    for name, array in flat.items():
        short = name.removeprefix("transformer.")
        if short in names:
            _put(blocks, top, None, names[short], array)
            continue
        match = BLOCK_TENSOR.fullmatch(short)
        if match:
            part = {"weight": "g", "bias": "b"} if match[2].startswith("ln") else {"weight": "w", "bias": "b"}
            _put(blocks, top, int(match[1]), f"{match[2]}.{part[match[3]]}", array)
    if not top and not blocks:
        raise CheckpointError("no GPT-2 tensors found (expected names like h.0.attn.c_attn.weight or "
                              "transformer.h.0.attn.c_attn.weight): is this a GPT-2 checkpoint?")
    return blocks, top


def _from_openai(flat: dict) -> tuple[list, dict]:
    blocks, top = [], {}
    for name, array in flat.items():
        parts = name.split("/")
        if parts[0] != "model" or len(parts) < 2:
            continue
        if array.ndim == 3 and array.shape[0] == 1:
            array = array[0]  # OpenAI's conv1d weights are (1, in, out)
        if re.fullmatch(r"h\d+", parts[1]):
            _put(blocks, top, int(parts[1][1:]), ".".join(parts[2:]), array)
        elif parts[1] == "ln_f":
            _put(blocks, top, None, parts[-1], array)
        else:
            _put(blocks, top, None, parts[1], array)
    if not top and not blocks:
        raise CheckpointError("no GPT-2 variables found (expected names like model/h0/attn/c_attn/w)")
    return blocks, top


def _settings_file(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{path} is not readable JSON ({exc})") from None
    keys = ("n_vocab", "n_ctx", "n_embd", "n_head", "n_layer")
    aliases = {"vocab_size": "n_vocab", "n_positions": "n_ctx"}  # Hugging Face's config.json
    settings = {aliases.get(k, k): v for k, v in data.items() if aliases.get(k, k) in keys}
    return settings


def _complete_settings(settings: dict, params: dict, path: Path) -> dict:
    """Fill what the files did not say from the tensors' shapes (heads from GPT-2's published sizes)."""
    if "wte" not in params or "wpe" not in params:
        raise CheckpointError(f"{path} has no token or position embedding (wte, wpe)")
    found = {"n_vocab": params["wte"].shape[0], "n_ctx": params["wpe"].shape[0], "n_embd": params["wte"].shape[1],
             "n_layer": len(params["blocks"])}
    for key, value in found.items():
        if key in settings and settings[key] != value:
            raise CheckpointError(f"{path}: its settings say {key} = {settings[key]}, but the tensors give {value}")
    settings = {**found, **settings}
    if "n_head" not in settings:
        if settings["n_embd"] not in HEADS_BY_WIDTH:
            raise CheckpointError(f"{path}: the number of heads is not stored in the tensors; put a config.json "
                                  "(n_head) or hparams.json beside the checkpoint")
        settings["n_head"] = HEADS_BY_WIDTH[settings["n_embd"]]
    return {k: int(settings[k]) for k in ("n_vocab", "n_ctx", "n_embd", "n_head", "n_layer")}
