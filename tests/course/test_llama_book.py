"""The llama chapter against a peer nobody here wrote, and the notebooks' figures.

Hugging Face transformers (in the [test] extra; no download: tiny models from LlamaConfig / Qwen3Config with random
weights) gives the logits that the reference solutions, and the committed snapshots the checks grade against,
must equal within 1e-5: the same weights, copied by name. Then RoPE against transformers' rotary embedding beyond
the original context, and the parameter counts and memory the notebooks print, on the meta device.
"""
import inspect
from pathlib import Path

import numpy as np
import pytest
import torch

import support
from grader.checks import sibling
from grader.checks.weights import pattern
from grader.core import manifest
from grader.scoring.checker import load_snapshot

pytestmark = pytest.mark.needs_solutions

ROOT = Path(__file__).resolve().parents[2]
ref = sibling(str(ROOT / "tests" / "checks" / "llama" / "check_llama3_model.py"), "llama_reference")
COURSE = manifest.load(ROOT)
HF_TOL = 1e-5


@pytest.fixture(scope="module")
def transformers():
    """Hugging Face transformers, the peer: in the [test] extra, so a missing one fails these tests (never a skip)."""
    try:
        import transformers
        return transformers
    except ImportError as exc:
        missing = str(exc)
    pytest.fail(f"transformers is not importable ({missing}); it is in the [test] extra: pip install -e '.[test]'",
                pytrace=False)


def llama3():
    return support.solution("llama", "llama3")


def qwen3():
    return support.solution("llama", "qwen3")


def rope_settings(config_cls, theta, freq=None):
    """transformers 5's rope_parameters, or 4's rope_theta and rope_scaling."""
    scaling = {} if freq is None else {
        "rope_type": "llama3", "factor": freq["factor"], "low_freq_factor": freq["low_freq_factor"],
        "high_freq_factor": freq["high_freq_factor"],
        "original_max_position_embeddings": freq["original_context_length"]}
    if "rope_parameters" in inspect.signature(config_cls.__init__).parameters:
        return {"rope_parameters": {"rope_type": "default", "rope_theta": theta, **scaling}}
    return {"rope_theta": theta, "rope_scaling": scaling or None}


def hf_llama(transformers, cfg):
    config = transformers.LlamaConfig(
        vocab_size=cfg["vocab_size"], hidden_size=cfg["emb_dim"], intermediate_size=cfg["hidden_dim"],
        num_hidden_layers=cfg["n_layers"], num_attention_heads=cfg["n_heads"], num_key_value_heads=cfg["n_kv_groups"],
        max_position_embeddings=cfg["context_length"], rms_norm_eps=ref.LLAMA_EPS, tie_word_embeddings=False,
        attention_bias=False, attn_implementation="eager",
        **rope_settings(transformers.LlamaConfig, cfg["rope_base"], cfg["rope_freq"]))
    return transformers.LlamaForCausalLM(config).eval()


def hf_qwen3(transformers, cfg):
    config = transformers.Qwen3Config(
        vocab_size=cfg["vocab_size"], hidden_size=cfg["emb_dim"], intermediate_size=cfg["hidden_dim"],
        num_hidden_layers=cfg["n_layers"], num_attention_heads=cfg["n_heads"], num_key_value_heads=cfg["n_kv_groups"],
        head_dim=ref.head_dim_of(cfg), max_position_embeddings=cfg["context_length"], rms_norm_eps=ref.QWEN_EPS,
        tie_word_embeddings=False, attention_bias=False, attn_implementation="eager",
        **rope_settings(transformers.Qwen3Config, cfg["rope_base"]))
    return transformers.Qwen3ForCausalLM(config).eval()


def scaled_up(hf_model):
    """HF's random weights (std 0.02, norms at 1) give logits near 0, where any two models agree within 1e-5: redraw
    them at 1 / sqrt(fan_in) and the norms around 1, for logits of a few units."""
    torch.manual_seed(123)
    with torch.no_grad():
        for name, p in hf_model.named_parameters():
            p.copy_(1 + 0.1 * torch.randn_like(p) if "norm" in name else torch.randn_like(p) / p.shape[-1] ** 0.5)
    return hf_model


def load_by_hf_names(hf_model, ours: dict):
    """The checks' known weights (the notebooks' names) into the Hugging Face model, under its names."""
    state = {ref.hf_name(n): torch.from_numpy(w) for n, w in ours.items()}
    missing, unexpected = hf_model.load_state_dict(state, strict=False)
    assert not unexpected and not [m for m in missing if not m.endswith("inv_freq")], (missing, unexpected)
    return hf_model


def logits(model, ids):
    with torch.no_grad():
        out = model(torch.from_numpy(ids))
    return getattr(out, "logits", out).numpy()


def snapshot(exercise):
    return load_snapshot(COURSE.exercise(exercise), ROOT)


# ---------------------------------------------------------------- the snapshots the checks grade against are HF's
def test_llama3_snapshot_equals_transformers(transformers):
    cfg = ref.LLAMA
    hf = load_by_hf_names(hf_llama(transformers, cfg), ref.model_weights(cfg, "l3."))   # check_llama3_model's
    snap = snapshot("llama.llama3_model")["logits"]
    for key, shape in (("short", ref.SHORT), ("long", ref.LONG)):
        ids = ref.token_ids(shape, f"l3.{key}")
        diff = np.abs(logits(hf, ids) - snap[key]).max()
        assert diff <= HF_TOL, f"llama3_model's snapshot ({key}) differs from LlamaForCausalLM by {diff:.3g}"


def test_qwen3_snapshot_equals_transformers(transformers):
    snap = snapshot("llama.qwen3_model")
    for case, cfg in (("logits", ref.QWEN), ("default_head_dim", {**ref.QWEN, "head_dim": None})):
        key = "main" if case == "logits" else case
        hf = load_by_hf_names(hf_qwen3(transformers, cfg), ref.model_weights(cfg, f"q3.{key}."))
        diff = np.abs(logits(hf, ref.token_ids(ref.SHORT, "q3.short")) - snap[case]["short"]).max()
        assert diff <= HF_TOL, f"qwen3_model's snapshot ({case}) differs from Qwen3ForCausalLM by {diff:.3g}"


# ---------------------------------------------------------------- the reference solutions equal HF, HF's own weights
@pytest.mark.parametrize("freq", [None, ref.LLAMA["rope_freq"]], ids=["llama3", "llama3.1-scaling"])
def test_llama3_model_equals_transformers(transformers, freq):
    cfg = {**ref.LLAMA, "rope_freq": freq}
    hf = scaled_up(hf_llama(transformers, cfg))
    ours = llama3().Llama3Model(ref.with_dtype(cfg)).eval()
    llama3().load_weights_into_llama(ours, {"n_layers": cfg["n_layers"], "hidden_dim": cfg["hidden_dim"]},
                                     hf.state_dict())
    for shape in (ref.SHORT, ref.LONG):   # LONG runs past rope_freq's original context (100 tokens)
        ids = ref.token_ids(shape, "hf.ids")
        diff = np.abs(logits(ours, ids) - logits(hf, ids)).max()
        assert diff <= HF_TOL, f"Llama3Model differs from LlamaForCausalLM by {diff:.3g} on {shape} tokens"


@pytest.mark.parametrize("head_dim", [12, None])
def test_qwen3_model_equals_transformers(transformers, head_dim):
    cfg = {**ref.QWEN, "head_dim": head_dim}
    hf = scaled_up(hf_qwen3(transformers, cfg))
    ours = qwen3().Qwen3Model(ref.with_dtype(cfg)).eval()
    state = hf.state_dict()
    ours.load_state_dict({n: state[ref.hf_name(n)] for n in ours.state_dict()})
    for shape in (ref.SHORT, ref.LONG):
        ids = ref.token_ids(shape, "hf.ids")
        diff = np.abs(logits(ours, ids) - logits(hf, ids)).max()
        assert diff <= HF_TOL, f"Qwen3Model differs from Qwen3ForCausalLM by {diff:.3g} on {shape} tokens"


# ---------------------------------------------------------------- RoPE beyond the original context
def test_rope_equals_transformers_beyond_the_original_context(transformers):
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding, apply_rotary_pos_emb

    freq = {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_context_length": 8192}
    config = transformers.LlamaConfig(hidden_size=128 * 4, num_attention_heads=4, max_position_embeddings=16_384,
                                      **rope_settings(transformers.LlamaConfig, 500_000.0, freq))
    positions = torch.arange(16_384)[None]
    hf_cos, hf_sin = LlamaRotaryEmbedding(config=config)(torch.zeros(1, dtype=torch.float32), positions)
    cos, sin = llama3().compute_rope_params(128, 500_000.0, 16_384, freq)
    tolerance = 1e-5 + 2.5e-7 * np.arange(16_384)[:, None]   # float32 angles p * inv_freq: about 1e-7 of p
    assert (np.abs(cos.numpy() - hf_cos[0].numpy()) <= tolerance).all()
    assert (np.abs(sin.numpy() - hf_sin[0].numpy()) <= tolerance).all()
    x = torch.from_numpy(pattern((1, 2, 4, 128), "rope.hf", 1.0))
    q_hf, _ = apply_rotary_pos_emb(x, x, hf_cos[:, 9000:9004], hf_sin[:, 9000:9004])
    rotated = llama3().apply_rope(x, cos[9000:], sin[9000:])
    assert np.abs(rotated.numpy() - q_hf.numpy()).max() <= 1e-5 + 2.5e-7 * 9004


# ---------------------------------------------------------------- the notebooks' figures
LLAMA3_8B = {"vocab_size": 128_256, "context_length": 8192, "emb_dim": 4096, "n_heads": 32, "n_layers": 32,
             "hidden_dim": 14_336, "n_kv_groups": 8, "rope_base": 500_000.0, "rope_freq": None}
LLAMA32_1B = {"vocab_size": 128_256, "context_length": 131_072, "emb_dim": 2048, "n_heads": 32, "n_layers": 16,
              "hidden_dim": 8192, "n_kv_groups": 8, "rope_base": 500_000.0,
              "rope_freq": {"factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                            "original_context_length": 8192}}
QWEN3_06B = {"vocab_size": 151_936, "context_length": 40_960, "emb_dim": 1024, "n_heads": 16, "n_layers": 28,
             "hidden_dim": 3072, "head_dim": 128, "qk_norm": True, "n_kv_groups": 8, "rope_base": 1_000_000.0}


def on_meta(factory):
    with torch.device("meta"):
        return factory()


def memory_gb(model, bytes_per_value=4):
    """The notebooks' calc_model_memory_size: parameters, their gradients and the buffers."""
    params = sum(p.numel() for p in model.parameters())
    return (2 * params + sum(b.numel() for b in model.buffers())) * bytes_per_value / 1024 ** 3


def test_gqa_has_fewer_parameters_than_mha():
    """llama2-to-llama3 §1.3: 4,096 dimensions in 32 heads, 8 key-value groups."""
    gqa = on_meta(lambda: llama3().GroupedQueryAttention(4096, 4096, num_heads=32, num_kv_groups=8))
    mha = on_meta(lambda: llama3().GroupedQueryAttention(4096, 4096, num_heads=32, num_kv_groups=32))
    assert sum(p.numel() for p in mha.parameters()) == 67_108_864
    assert sum(p.numel() for p in gqa.parameters()) == 41_943_040


def test_llama3_8b_parameters_and_memory():
    model = on_meta(lambda: llama3().Llama3Model(ref.with_dtype(LLAMA3_8B, "bfloat16")))
    assert sum(p.numel() for p in model.parameters()) == 8_030_261_248
    assert round(memory_gb(model), 2) == 59.84 and round(memory_gb(model, 2), 2) == 29.92


def test_llama32_1b_parameters_and_memory():
    model = on_meta(lambda: llama3().Llama3Model(ref.with_dtype(LLAMA32_1B, "bfloat16")))
    total = sum(p.numel() for p in model.parameters())
    assert total == 1_498_482_688
    assert total - model.tok_emb.weight.numel() == 1_235_814_400   # the head shares the embedding (weight tying)
    assert round(memory_gb(model), 2) == 11.23


def test_qwen3_06b_parameters_and_memory():
    model = on_meta(lambda: qwen3().Qwen3Model(ref.with_dtype(QWEN3_06B, "bfloat16")))
    total = sum(p.numel() for p in model.parameters())
    assert total == 751_632_384 and total - model.tok_emb.weight.numel() == 596_049_920
    assert round(memory_gb(model), 2) == 5.64


def test_tied_checkpoint_shares_the_embedding():
    """llama2-to-llama3 §7: Llama 3.2's checkpoint has no lm_head; the loaded model's head is its embedding."""
    cfg = ref.LLAMA
    model = llama3().Llama3Model(ref.with_dtype(cfg))
    params = {ref.hf_name(n): torch.from_numpy(w) for n, w in ref.model_weights(cfg, "tie.").items()
              if n != "out_head.weight"}
    llama3().load_weights_into_llama(model, {"n_layers": cfg["n_layers"]}, params)
    assert model.out_head.weight.data_ptr() == model.tok_emb.weight.data_ptr()
