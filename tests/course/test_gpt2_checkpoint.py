"""GPT-2 checkpoints without TensorFlow: OpenAI's V2 bundle and Hugging Face's safetensors into the book's params,
loaded by the reference load_weights_into_gpt; where transformers is installed, the logits equal GPT2LMHeadModel's."""
import json
from pathlib import Path

import numpy as np
import pytest

import support
from course_data import gpt2_checkpoint as ckpt
from course_data.tf_checkpoint import CheckpointFormatError, read_checkpoint, write_checkpoint

torch = pytest.importorskip("torch")
FIXTURE = Path(__file__).resolve().parents[1] / "data" / "openai-gpt2-tiny"   # written by TensorFlow itself
SETTINGS = {"n_vocab": 64, "n_ctx": 8, "n_embd": 16, "n_head": 2, "n_layer": 2}


def random_params(settings, seed=0):
    rng = np.random.default_rng(seed)
    d = settings["n_embd"]

    def arr(*shape):
        return rng.standard_normal(shape).astype(np.float32) * 0.2

    def dense(n_in, n_out):
        return {"w": arr(n_in, n_out), "b": arr(n_out)}
    blocks = [{"ln_1": {"g": 1 + arr(d), "b": arr(d)}, "ln_2": {"g": 1 + arr(d), "b": arr(d)},
               "attn": {"c_attn": dense(d, 3 * d), "c_proj": dense(d, d)},
               "mlp": {"c_fc": dense(d, 4 * d), "c_proj": dense(4 * d, d)}} for _ in range(settings["n_layer"])]
    return {"wte": arr(settings["n_vocab"], d), "wpe": arr(settings["n_ctx"], d), "g": 1 + arr(d), "b": arr(d),
            "blocks": blocks}


def flat(params, prefix=""):
    """{"blocks.0.attn.c_attn.w": array, ...} of a nested params dict."""
    out = {}
    for key, value in params.items():
        if key == "blocks":
            for i, block in enumerate(value):
                out.update(flat(block, f"{prefix}blocks.{i}."))
        elif isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def write_openai(folder: Path, params, settings):
    arrays = {"model/wte": params["wte"], "model/wpe": params["wpe"], "model/ln_f/g": params["g"],
              "model/ln_f/b": params["b"]}
    for name, value in flat({"blocks": params["blocks"]}).items():
        _, i, *rest = name.split(".")
        if rest[-1] == "w":
            value = value[None]  # OpenAI's conv1d weights are (1, in, out)
        arrays[f"model/h{i}/" + "/".join(rest)] = value
    folder.mkdir(parents=True, exist_ok=True)
    write_checkpoint(folder / "model.ckpt", arrays)
    (folder / "hparams.json").write_text(json.dumps(settings))


def write_hugging_face(folder: Path, params, settings, prefix="transformer."):
    from safetensors.numpy import save_file
    tensors = {f"{prefix}wte.weight": params["wte"], f"{prefix}wpe.weight": params["wpe"],
               f"{prefix}ln_f.weight": params["g"], f"{prefix}ln_f.bias": params["b"]}
    for i, block in enumerate(params["blocks"]):
        h = f"{prefix}h.{i}."
        for norm in ("ln_1", "ln_2"):
            tensors[f"{h}{norm}.weight"], tensors[f"{h}{norm}.bias"] = block[norm]["g"], block[norm]["b"]
        for part, layer in (("attn", "c_attn"), ("attn", "c_proj"), ("mlp", "c_fc"), ("mlp", "c_proj")):
            tensors[f"{h}{part}.{layer}.weight"] = block[part][layer]["w"]
            tensors[f"{h}{part}.{layer}.bias"] = block[part][layer]["b"]
        tensors[f"{h}attn.bias"] = np.tril(np.ones((1, 1, settings["n_ctx"], settings["n_ctx"]), np.float32))
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(folder / "model.safetensors"))
    (folder / "config.json").write_text(json.dumps({"vocab_size": settings["n_vocab"], "n_positions": settings["n_ctx"],
                                                    "n_embd": settings["n_embd"], "n_head": settings["n_head"],
                                                    "n_layer": settings["n_layer"], "model_type": "gpt2"}))


def assert_same(got, expected):
    got, expected = flat(got), flat(expected)
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name].dtype == np.float32 and np.array_equal(got[name], expected[name]), name


def logits_of(params, settings, idx):
    gpt = support.solution("ch04", "gpt")
    weights = support.solution("ch05", "gpt2_weights")
    model = gpt.GPTModel(ckpt.gpt_config(settings))
    weights.load_weights_into_gpt(model, params)
    with torch.no_grad():
        return model.eval()(idx)


def test_tensorflow_written_checkpoint_is_read():
    settings, params = ckpt.load_params(FIXTURE)
    assert settings == {"n_vocab": 10, "n_ctx": 5, "n_embd": 4, "n_head": 2, "n_layer": 2}
    raw = read_checkpoint(FIXTURE / "model.ckpt")
    assert len(raw) == 4 + 12 * 2 and raw["model/h1/attn/c_attn/w"].shape == (1, 4, 12)
    name = "model/h1/mlp/c_fc/w"   # values from the formula in make_with_tensorflow.py
    expected = (((np.arange(64) * 7 + sum(map(ord, name))) % 23 - 11) / 16).astype(np.float32).reshape(1, 4, 16)
    assert np.array_equal(raw[name], expected)
    assert np.array_equal(params["blocks"][1]["mlp"]["c_fc"]["w"], expected[0])
    assert params["g"].shape == (4,) and params["blocks"][0]["ln_2"]["b"].shape == (4,)


def test_openai_layout_round_trip(tmp_path):
    params = random_params(SETTINGS)
    write_openai(tmp_path / "124M", params, SETTINGS)
    for path in (tmp_path / "124M", tmp_path / "124M" / "model.ckpt", tmp_path / "124M" / "model.ckpt.index"):
        settings, got = ckpt.load_params(path)
        assert settings == SETTINGS
        assert_same(got, params)


@pytest.mark.parametrize("prefix", ["transformer.", ""])
def test_hugging_face_layout_round_trip(tmp_path, prefix):
    params = random_params(SETTINGS, seed=1)
    write_hugging_face(tmp_path, params, SETTINGS, prefix)
    settings, got = ckpt.load_params(tmp_path / "model.safetensors")
    assert settings == SETTINGS
    assert_same(got, params)


def test_both_layouts_give_the_same_model(tmp_path):
    params = random_params(SETTINGS, seed=2)
    write_openai(tmp_path / "openai", params, SETTINGS)
    write_hugging_face(tmp_path / "hf", params, SETTINGS)
    idx = torch.tensor([[1, 5, 63, 0, 7]])
    a = logits_of(ckpt.load_params(tmp_path / "openai")[1], SETTINGS, idx)
    b = logits_of(ckpt.load_params(tmp_path / "hf")[1], SETTINGS, idx)
    assert torch.equal(a, b)


def test_logits_equal_hugging_face_gpt2(tmp_path):
    transformers = pytest.importorskip("transformers")
    config = transformers.GPT2Config(vocab_size=64, n_positions=8, n_embd=16, n_layer=2, n_head=2, resid_pdrop=0.0,
                                     embd_pdrop=0.0, attn_pdrop=0.0)
    torch.manual_seed(0)  # any random weights: both models get the same ones
    reference = transformers.GPT2LMHeadModel(config).eval()
    with torch.no_grad():
        for p in reference.parameters():
            p.add_(torch.randn_like(p) * 0.1)   # biases and norms away from their zero/one init
    reference.save_pretrained(tmp_path, safe_serialization=True)
    settings, params = ckpt.load_params(tmp_path)
    assert settings == SETTINGS
    idx = torch.tensor([[3, 14, 15, 9, 26, 53, 58, 9], [0, 1, 2, 3, 4, 5, 6, 7]])
    with torch.no_grad():
        expected = reference(idx).logits
    assert torch.allclose(logits_of(params, settings, idx), expected, atol=1e-5, rtol=1e-5)


def test_named_errors(tmp_path):
    params = random_params(SETTINGS, seed=3)
    with pytest.raises(ckpt.CheckpointError, match="neither model.safetensors"):
        ckpt.load_params(tmp_path)
    with pytest.raises(ckpt.CheckpointError, match="does not exist"):
        ckpt.load_params(tmp_path / "missing.bin")

    del params["blocks"][1]["mlp"]["c_fc"]
    write_openai(tmp_path / "incomplete", params, SETTINGS)
    with pytest.raises(ckpt.CheckpointError, match=r"no tensor for blocks\.1\.mlp\.c_fc\.w"):
        ckpt.load_params(tmp_path / "incomplete")

    params = random_params(SETTINGS, seed=3)
    params["blocks"][0]["attn"]["c_attn"]["w"] = params["blocks"][0]["attn"]["c_attn"]["w"][:, :16]
    write_hugging_face(tmp_path / "misshaped", params, SETTINGS)
    misshaped = r"blocks\.0\.attn\.c_attn\.w has shape \(16, 16\), expected \(16, 48\)"
    with pytest.raises(ckpt.CheckpointError, match=misshaped):
        ckpt.load_params(tmp_path / "misshaped")

    write_hugging_face(tmp_path / "lying", random_params(SETTINGS), {**SETTINGS, "n_layer": 3})
    with pytest.raises(ckpt.CheckpointError, match="n_layer = 3, but the tensors give 2"):
        ckpt.load_params(tmp_path / "lying")

    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ckpt.CheckpointError, match="not a readable safetensors file"):
        ckpt.load_params(tmp_path / "junk")


def test_damaged_openai_files(tmp_path):
    write_openai(tmp_path, random_params(SETTINGS), SETTINGS)
    data = tmp_path / "model.ckpt.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[:-100])
    with pytest.raises(ckpt.CheckpointError, match="truncated"):
        ckpt.load_params(tmp_path)
    index = tmp_path / "model.ckpt.index"
    damaged = bytearray(index.read_bytes())
    damaged[20] ^= 0xFF
    index.write_bytes(bytes(damaged))
    with pytest.raises(CheckpointFormatError, match="checksum"):
        read_checkpoint(tmp_path / "model.ckpt")
    index.write_bytes(b"\0" * 10)
    with pytest.raises(ckpt.CheckpointError, match="not a TensorFlow checkpoint index"):
        ckpt.load_params(tmp_path)


def test_heads_come_from_the_published_sizes(tmp_path):
    settings = {**SETTINGS, "n_embd": 768, "n_vocab": 5, "n_ctx": 3, "n_layer": 1}
    write_hugging_face(tmp_path, random_params(settings), settings)
    (tmp_path / "config.json").unlink()
    assert ckpt.load_params(tmp_path)[0]["n_head"] == 12
