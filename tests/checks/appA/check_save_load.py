"""Checks for appA.save_load: save_model writes a state_dict that torch.load(weights_only=True) reads,
and load_model rebuilds a NeuralNetwork of the given sizes that computes what the saved one computed."""
import numpy as np

from grader.checks import case, expect_close, expect_names, fail, forward, sibling, with_weights

ref = sibling(__file__, "appa_reference")
SIZES = [(3, 2), (4, 5)]


def _round_trip(learner, n_in, n_out):
    import torch
    weights = ref.mlp_weights([n_in, 30, 20, n_out], f"save.{n_in}.{n_out}")
    model = with_weights(learner.NeuralNetwork(n_in, n_out), weights).eval()
    x = ref.features(3, n_in, f"save.x.{n_in}")
    path = f"model-{n_in}-{n_out}.pth"
    learner.save_model(model, path)
    result = {"saved": forward(model, x), "file": None, "file_error": None, "loaded": None, "load_error": None}
    try:
        state = torch.load(path, weights_only=True)
        result["file"] = ({k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
                          if isinstance(state, dict) else type(state).__name__)
    except Exception as exc:  # noqa: BLE001 - what the file holds is the finding
        result["file_error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    try:
        loaded = learner.load_model(path, n_in, n_out)
        result["loaded"] = forward(loaded.eval(), x)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - said by test_load_model, with advice
        result["load_error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
    return result


@case
def round_trips(learner):
    return {f"{i}->{o}": _round_trip(learner, i, o) for i, o in SIZES}


def test_saves_the_state_dict(out, snap):
    for key, got in out["round_trips"].items():
        what = f"the file save_model wrote for a NeuralNetwork({key.replace('->', ', ')})"
        if got["file_error"]:
            fail(f"{what} cannot be read with torch.load(path, weights_only=True) ({got['file_error']}); "
                 "save the model's weights, torch.save(model.state_dict(), path), not the model object")
        if not isinstance(got["file"], dict):
            fail(f"{what} holds a {got['file']}, expected the model's state_dict (parameter name -> tensor)")
        expect_names(got["file"], list(snap["round_trips"][key]["file"]), f"the names in {what}", "entry")
        for name, value in snap["round_trips"][key]["file"].items():
            expect_close(got["file"][name], value, f"{name} in {what}", atol=1e-6, rtol=0)


def test_load_model(out, snap):
    for key, got in out["round_trips"].items():
        n_in, n_out = key.split("->")
        what = f"load_model(path, {n_in}, {n_out}) for a saved NeuralNetwork({n_in}, {n_out})"
        if got["load_error"]:
            advice = (": build NeuralNetwork(num_inputs, num_outputs) with the sizes given, not fixed ones"
                      if "size mismatch" in got["load_error"] else "")
            fail(f"{what} raised {got['load_error']}{advice}")
        if not isinstance(got["loaded"], np.ndarray) or got["loaded"].shape != got["saved"].shape:
            fail(f"{what} should return a NeuralNetwork; calling it gave {type(got['loaded']).__name__}")
        if not np.allclose(got["loaded"], got["saved"], atol=1e-5):
            fail(f"{what} computes something else than the saved model: load the file into the new model, "
                 "model.load_state_dict(torch.load(path, weights_only=True)), and return that model")
        expect_close(got["loaded"], snap["round_trips"][key]["saved"], what, atol=1e-5, rtol=1e-4)
