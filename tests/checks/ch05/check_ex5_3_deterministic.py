"""Checks for ch05.ex5_3_deterministic (exercise 5.3): two settings of generate that never draw at random — one
greedy through its temperature of 0, one sampling at a positive temperature from a single candidate."""
from grader.checks import case, expect_type, fail, sibling

ref = sibling(__file__, "decoding_reference")
STEPS = 200
BEST = max(range(len(ref.LOGITS)), key=lambda i: ref.LOGITS[i])


@case
def settings(learner):
    return learner.deterministic_settings()


@case
def runs(learner):
    """Each setting on the constant model: which tokens came out, and what multinomial was given."""
    generate = learner.module("ch05/decoding.py").generate
    result = []
    for setting in learner.deterministic_settings():
        run = ref.sample_run(generate, STEPS, temperature=setting.get("temperature", 0.0), top_k=setting.get("top_k"))
        result.append({"drawn": [t for t, c in enumerate(run["counts"]) if c], "calls": run["calls"],
                       "one_hot": all(max(r) >= 1 - 1e-6 for r in run["rows"])})
    return result


def _settings(out):
    got = out["settings"]
    expect_type(got, list, "deterministic_settings()")
    if len(got) != 2:
        fail(f"deterministic_settings() returned {len(got)} settings; expected two, one for each way")
    for s in got:
        expect_type(s, dict, "each setting")
        if set(s) - {"temperature", "top_k"}:
            fail(f"a setting has the keys {sorted(s)}; use generate's keyword arguments temperature and top_k")
    return got


def test_two_settings(out):
    _settings(out)


def test_each_is_deterministic(out):
    for setting, run in zip(_settings(out), out["runs"]):
        if run["drawn"] != [BEST] or not run["one_hot"]:
            fail(f"generate(..., **{setting}) is random: over {STEPS} steps on a model with fixed logits it drew the "
                 f"tokens {run['drawn']}. A low temperature only makes other tokens rare; to rule them out, don't "
                 "sample (temperature 0) or leave a single candidate")


def test_two_different_ways(out):
    settings = _settings(out)
    ways = ["greedy" if run["calls"] == 0 else "sampling" for run in out["runs"]]
    if sorted(ways) != ["greedy", "sampling"]:
        fail(f"both settings {settings} make generate {ways[0]}: give one with temperature 0.0 (no sampling at all) "
             "and one with a positive temperature that still cannot pick anything but the most likely token")
