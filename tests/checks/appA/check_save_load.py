"""Checks for appA.save_load: save_model writes a state_dict that torch.load(weights_only=True) reads,
and load_model rebuilds a NeuralNetwork of the given sizes that computes what the saved one computed."""
import numpy as np

from grader.checks import case, expect_close, expect_names, fail, forward, sibling, with_weights

ref = sibling(__file__, "appa_reference")
SIZES = [(3, 2), (4, 5)]


def _saved(learner, n_in, n_out):
    """A NeuralNetwork(n_in, n_out) with known weights, saved by the learner's save_model: (model, path, x)."""
    weights = ref.mlp_weights([n_in, 30, 20, n_out], f"save.{n_in}.{n_out}")
    model = with_weights(learner.NeuralNetwork(n_in, n_out), weights).eval()
    path = f"model-{n_in}-{n_out}.pth"
    learner.save_model(model, path)
    return model, path, ref.features(3, n_in, f"save.x.{n_in}")


def saved_file(learner, n_in, n_out):
    """What torch.load(path, weights_only=True) reads from the file save_model wrote (what it raises: said by
    test_saves_the_state_dict)."""
    import torch
    state = torch.load(_saved(learner, n_in, n_out)[1], weights_only=True)
    return {k: v for k, v in state.items() if isinstance(v, torch.Tensor)} if isinstance(state, dict) else \
        type(state).__name__


def round_trip(learner, n_in, n_out):
    """The saved model's output and that of the model load_model rebuilt from the file, on the same input."""
    import torch
    model, path, x = _saved(learner, n_in, n_out)
    loaded = learner.load_model(path, n_in, n_out)
    return {"saved": forward(model, x),
            "loaded": forward(loaded.eval(), x) if isinstance(loaded, torch.nn.Module) else type(loaded).__name__}


file_3_2 = case(saved_file, 3, 2)
file_4_5 = case(saved_file, 4, 5)
loaded_3_2 = case(round_trip, 3, 2)
loaded_4_5 = case(round_trip, 4, 5)


def test_saves_the_state_dict(out, snap):
    for n_in, n_out in SIZES:
        name, what = f"file_{n_in}_{n_out}", f"the file save_model wrote for a NeuralNetwork({n_in}, {n_out})"
        out.error(name, {"UnpicklingError": f"{what} cannot be read with torch.load(path, weights_only=True): save "
                                            "the model's weights, torch.save(model.state_dict(), path), not the "
                                            "model object"})
        got = out[name]
        if not isinstance(got, dict):
            fail(f"{what} holds a {got}, expected the model's state_dict (parameter name -> tensor)")
        expect_names(got, list(snap[name]), f"the names in {what}", "entry")
        for key, value in snap[name].items():
            expect_close(got[key], value, f"{key} in {what}", atol=1e-6, rtol=0)


def test_load_model(out, snap):
    for n_in, n_out in SIZES:
        name = f"loaded_{n_in}_{n_out}"
        what = f"load_model(path, {n_in}, {n_out}) for a saved NeuralNetwork({n_in}, {n_out})"
        out.error(name, {"RuntimeError: size mismatch": f"{what} could not load the file: build "
                                                        "NeuralNetwork(num_inputs, num_outputs) with the sizes given, "
                                                        "not fixed ones"})
        got = out[name]
        if not isinstance(got["loaded"], np.ndarray) or got["loaded"].shape != got["saved"].shape:
            loaded = got["loaded"]
            gave = loaded if isinstance(loaded, str) else f"an output of shape {list(loaded.shape)}"
            fail(f"{what} should return a NeuralNetwork; calling it gave {gave}")
        if not np.allclose(got["loaded"], got["saved"], atol=1e-5):
            fail(f"{what} computes something else than the saved model: load the file into the new model, "
                 "model.load_state_dict(torch.load(path, weights_only=True)), and return that model")
        expect_close(got["loaded"], snap[name]["saved"], what, atol=1e-5, rtol=1e-4)

