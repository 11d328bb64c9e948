"""Checks for ch03.transfer_weights (exercise 3.1): SelfAttention_v2's weights, transposed, in SelfAttention_v1."""
import numpy as np

from grader.checks import case, expect_close, expect_shape, fail, fail_if_mistake, sibling
from grader.checks.weights import pattern

ref = sibling(__file__, "attention_reference")
QKV, TOY = ref.QKV, ref.TOY
SIZES = {"square": (4, 4), "book": (3, 2)}


def v2_weights(kind):
    d_in, d_out = SIZES[kind]
    return {f"{n}.weight": pattern((d_out, d_in), f"transfer.{kind}.{n}") for n in QKV}


def transfer(learner, kind):
    import torch
    from grader.checks.weights import assign
    d_in, d_out = SIZES[kind]
    sa_v2, sa_v1 = learner.SelfAttention_v2(d_in, d_out), learner.SelfAttention_v1(d_in, d_out)
    assign(sa_v2, v2_weights(kind))
    learner.transfer_weights(sa_v2, sa_v1)
    x = torch.from_numpy(TOY if d_in == 3 else pattern((5, d_in), "transfer.x", scale=1.0))
    with torch.no_grad():
        return {"v1": {n: getattr(sa_v1, n) for n in QKV}, "out_v1": sa_v1(x), "out_v2": sa_v2(x)}


square = case(transfer, "square")
book = case(transfer, "book")


def test_v1_holds_v2_weights_transposed(out):
    for kind in ("square", "book"):
        got, weights = out[kind]["v1"], v2_weights(kind)
        for name in QKV:
            want = weights[f"{name}.weight"].T
            have = got[name]
            fail_if_mistake(have, {
                f"sa_v1.{name} holds sa_v2.{name}.weight without the transpose: nn.Linear stores (d_out, d_in) and "
                "computes x @ weight.T, while v1 computes x @ W, so copy weight.T": want.T,
                **{f"sa_v1.{name} holds sa_v2.{other}.weight: copy each layer into the parameter of the same name":
                   weights[f"{other}.weight"].T for other in QKV if other != name},
            }, f"after transfer_weights (d_in={SIZES[kind][0]}, d_out={SIZES[kind][1]})", atol=1e-7, rtol=0)
            expect_shape(have, want.shape, f"sa_v1.{name} after transfer_weights (d_in={SIZES[kind][0]}, "
                                           f"d_out={SIZES[kind][1]})")
            expect_close(have, want, f"sa_v1.{name} after transfer_weights", atol=1e-7, rtol=0)


def test_outputs_equal(out):
    """v1 and v2 on the book's input after the transfer: equal within atol 1e-6."""
    got = out["book"]
    if not (isinstance(got["out_v1"], np.ndarray) and got["out_v1"].shape == got["out_v2"].shape
            and np.allclose(got["out_v1"], got["out_v2"], atol=1e-6, rtol=0)):
        fail("after transfer_weights, SelfAttention_v1 and SelfAttention_v2 give different outputs on the book's "
             "input (they should agree within 1e-6): check which of v2's layers went into which of v1's "
             "parameters, transposed")
