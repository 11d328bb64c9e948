"""Checks for llama.rope_params: compute_rope_params' cos and sin tables, (context_length, head_dim), the angles
p * theta_base ** (-2i / head_dim) written twice side by side, and Llama 3's frequency scaling with freq_config,
for positions up to and beyond the original (training) context length."""
import numpy as np

from grader.checks import case, expect_shape, fail, points, sibling

ref = sibling(__file__, "llama_reference")
SCALING = {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_context_length": 64}
LLAMA31 = {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_context_length": 8192}
LLAMA31_ROWS = [0, 1, 2, 1000, 8191, 8192, 12000, 16383]
CASES = {   # name: (head_dim, theta_base, context_length, freq_config); 16 / 10,000 / 64 has all three bands
    "plain": (16, 10_000, 32, None),
    "llama3_base": (16, 500_000, 48, None),
    "scaled": (16, 10_000, 512, SCALING),
}


def _run(learner, head_dim, theta_base, context_length, freq_config):
    cos, sin = learner.compute_rope_params(head_dim=head_dim, theta_base=theta_base, context_length=context_length,
                                           freq_config=freq_config)
    return {"cos": cos, "sin": sin}


plain = case(_run, *CASES["plain"])
llama3_base = case(_run, *CASES["llama3_base"])
scaled = case(_run, *CASES["scaled"])


@case
def defaults(learner):
    cos, sin = learner.compute_rope_params(8)
    return {"shapes": [list(cos.shape), list(sin.shape)], "dtypes": [str(cos.dtype), str(sin.dtype)],
            "cos": cos[[0, 1, 4095]], "sin": sin[[0, 1, 4095]]}


@case
def llama31(learner):
    """Llama 3.1's settings: head_dim 128, rope_base 500,000, 8,192 positions of training, twice as many here."""
    cos, sin = learner.compute_rope_params(head_dim=128, theta_base=500_000.0, context_length=16_384,
                                           freq_config=LLAMA31)
    return {"cos": cos[LLAMA31_ROWS], "sin": sin[LLAMA31_ROWS]}


def _mistakes(name, names=("interleaved", "exponent_i", "no_scaling", "wrong_band", "hard_threshold",
                           "times_factor")):
    head_dim, theta_base, context_length, freq_config = CASES[name]
    advice = {
        "interleaved": "each angle is repeated in place ([a0, a0, a1, a1, ...]): write the head_dim // 2 angles "
                       "twice side by side, torch.cat([angles, angles], dim=1), so that dimension j of the first "
                       "half and dimension j of the second half share one angle",
        "exponent_i": "the exponent is i / head_dim for i = 0, 1, 2, ...: the inverse frequencies are "
                      "theta_base ** (-2i / head_dim), that is torch.arange(0, head_dim, 2) / head_dim",
        "no_scaling": "freq_config is ignored: with a freq_config, rescale inv_freq the Llama 3 way before the angles",
        "wrong_band": "the frequency scaling is applied to the wrong band: divide the LOW frequencies (wavelength "
                      "above original_context_length / low_freq_factor) by factor and keep the HIGH ones "
                      "(wavelength below original_context_length / high_freq_factor)",
        "hard_threshold": "the middle band is not blended: for wavelengths between original_context_length / "
                          "high_freq_factor and original_context_length / low_freq_factor, mix inv_freq / factor "
                          "and inv_freq with smooth_factor = (original_context_length / wavelen - low_freq_factor) "
                          "/ (high_freq_factor - low_freq_factor)",
        "times_factor": "the low frequencies are multiplied by factor: divide them, inv_freq / factor, so that "
                        "their wavelengths grow factor times",
    }
    tables = {advice[m]: ref.rope_tables(head_dim, theta_base, context_length, freq_config, m) for m in names}
    return {"cos": {a: t[0] for a, t in tables.items()}, "sin": {a: t[1] for a, t in tables.items()}}


def _expect_tables(got, expected, what, mistakes=None):
    for part in ("cos", "sin"):
        ref.expect_rope_rows(got[part], expected[part], f"{what}: {part}",
                             mistakes=(mistakes or {}).get(part))


def test_shapes_and_order(out, snap):
    got = out["defaults"]
    if got["shapes"] != [[4096, 8], [4096, 8]]:
        half = got["shapes"][0] == [4096, 4]
        fail(f"compute_rope_params(8) returned tables of shapes {got['shapes']}; expected two of [4096, 8] (the "
             "default context_length is 4096, and each row has head_dim entries" +
             (": write the head_dim // 2 angles twice side by side, torch.cat([angles, angles], dim=1))" if half
              else ")"))
    if got["dtypes"] != ["torch.float32", "torch.float32"]:
        fail(f"compute_rope_params(8) returned tables in {got['dtypes']}; expected float32")
    if np.allclose(got["cos"], snap["defaults"]["sin"], atol=1e-5) and \
            np.allclose(got["sin"], snap["defaults"]["cos"], atol=1e-5):
        fail("compute_rope_params returned (sin, cos): return cos first, then sin")
    _expect_tables(got, snap["defaults"], "compute_rope_params(8), rows 0, 1 and 4095 (default theta_base 10,000)")


@points(2)
def test_angles(out, snap):
    _expect_tables(out["plain"], snap["plain"], "compute_rope_params(head_dim=16, theta_base=10_000, "
                   "context_length=32)", _mistakes("plain", ("interleaved", "exponent_i")))


def test_theta_base(out, snap):
    _expect_tables(out["llama3_base"], snap["llama3_base"], "compute_rope_params(head_dim=16, theta_base=500_000, "
                   "context_length=48) (Llama 3's base)", {p: {
                       "theta_base is ignored: the inverse frequencies are theta_base ** (-2i / head_dim), not "
                       "10,000's": ref.rope_tables(16, 10_000, 48)[i]} for i, p in enumerate(("cos", "sin"))})


@points(3)
def test_frequency_scaling(out, snap):
    _expect_tables(out["scaled"], snap["scaled"], f"compute_rope_params(head_dim=16, theta_base=10_000, "
                   f"context_length=512, freq_config={SCALING})", _mistakes("scaled"))


@points(2)
def test_positions_beyond_the_training_length(out, snap):
    got, expected = out["llama31"], snap["llama31"]
    for part in ("cos", "sin"):
        expect_shape(got[part], [len(LLAMA31_ROWS), 128], f"rows {LLAMA31_ROWS} of Llama 3.1's {part} table")
        bad = np.abs(got[part].astype(np.float64) - expected[part]) > 1e-5 + 2.5e-7 * np.float64(LLAMA31_ROWS)[:, None]
        if bad.any():
            row, col = (int(i) for i in np.argwhere(bad)[0])
            fail(f"compute_rope_params with Llama 3.1's settings (head_dim 128, theta_base 500,000, freq_config "
                 f"{LLAMA31}, context_length 16,384) differs at position {LLAMA31_ROWS[row]}, dimension {col} of "
                 f"{part}: expected {expected[part][row, col]:.6g}, got {got[part][row, col]:.6g} (tolerance 1e-5 + "
                 "2.5e-7 * position). Positions past original_context_length use the same formula: build the "
                 "table for all context_length positions")
