"""Checks for ch05.calc_loss_batch: the cross-entropy between next-token logits and the shifted targets, as a
tensor backward() can use; an untrained GPT's loss is near ln(vocab_size)."""
import math

from grader.checks import case, expect_close, fail, points, sibling, with_weights

stand = sibling(__file__, "standins")
SHAPES = {"main": (2, 6), "one_row": (1, 8), "short": (3, 3)}
GPT2_VOCAB = 50257
TOL = dict(atol=1e-5, rtol=1e-4)
ADVICE = {"unshifted": "you compare the logits with the inputs: the targets are target_batch, already shifted by "
                       "one position by the data loader",
          "shifted twice": "you shift the targets again (logits[:, :-1] against target_batch[:, 1:]): the data "
                           "loader already shifted them, so logits and targets line up position by position",
          "summed": "you sum the losses of all tokens; cross_entropy's default averages them (reduction='mean')",
          "softmax first": "you apply softmax before cross_entropy, which applies log-softmax itself: pass the raw "
                           "logits",
          "no log-softmax": "nll_loss on raw logits skips the log-softmax: use torch.nn.functional.cross_entropy"}
FLATTEN = ("calc_loss_batch raised an error: cross_entropy wants logits of shape (N, vocab_size) and targets of "
           "shape (N): flatten the batch and token dimensions of both (logits.flatten(0, 1), target_batch.flatten())")


def _batch(shape, key):
    import torch
    ids = stand.stream(shape[0] * (shape[1] + 1) + 3, key)
    rows = [ids[r * (shape[1] + 1):(r + 1) * (shape[1] + 1)] for r in range(shape[0])]
    return torch.tensor([r[:-1] for r in rows]), torch.tensor([r[1:] for r in rows])


def loss_of(learner, name):
    """calc_loss_batch on one batch (tiny GPT, known weights, eval mode): what it returned, described."""
    x, y = _batch(SHAPES[name], f"clb.{name}")
    value = learner.calc_loss_batch(x, y, stand.tiny_gpt(learner).eval(), "cpu")
    single = hasattr(value, "__float__") and getattr(value, "numel", lambda: 1)() == 1
    return {"type": type(value).__name__, "shape": list(getattr(value, "shape", [])) or None,
            "value": float(value) if single else None}


main = case(loss_of, "main")
one_row = case(loss_of, "one_row")
short = case(loss_of, "short")


@case
def mistakes(learner):
    """The loss each usual mistake gives on each batch, computed here from the same model."""
    import torch
    import torch.nn.functional as F
    model, result = stand.tiny_gpt(learner).eval(), {}
    for name, shape in SHAPES.items():
        x, y = _batch(shape, f"clb.{name}")
        with torch.no_grad():
            logits = model(x)
        flat = logits.flatten(0, 1)
        result[name] = {"unshifted": F.cross_entropy(flat, x.flatten()),
                        "shifted twice": F.cross_entropy(logits[:, :-1].flatten(0, 1), y[:, 1:].flatten()),
                        "summed": F.cross_entropy(flat, y.flatten(), reduction="sum"),
                        "softmax first": F.cross_entropy(torch.softmax(flat, dim=-1), y.flatten()),
                        "no log-softmax": F.nll_loss(flat, y.flatten())}
        result[name] = {k: float(v) for k, v in result[name].items()}
    return result


@case
def backward(learner):
    """The loss of a model in training mode must carry a graph back to every parameter."""
    model = stand.tiny_gpt(learner).train()
    x, y = _batch(SHAPES["main"], "clb.main")
    loss = learner.calc_loss_batch(x, y, model, "cpu")
    if not getattr(loss, "requires_grad", False):
        return False
    loss.backward()
    return sum(p.grad is not None for p in model.parameters()) == len(list(model.parameters()))


@case
def untrained(learner):
    """A GPT-2-vocabulary model whose output head is tiny: its predictions are nearly uniform."""
    import torch
    cfg = {**stand.TINY, "vocab_size": GPT2_VOCAB}
    weights = stand.gpt_ref.model_weights(cfg, "clb.u.")
    weights["out_head.weight"] = weights["out_head.weight"] * 1e-3
    model = with_weights(learner.module("ch04/gpt.py").GPTModel(cfg), weights).eval()
    x = torch.tensor([[16833, 3626, 6100], [40, 1107, 588]])   # the book's "every effort moves", "I really like"
    y = torch.tensor([[3626, 6100, 345], [1107, 588, 11311]])
    with torch.no_grad():
        return float(learner.calc_loss_batch(x, y, model, "cpu"))


def _result(out, name):
    out.error(name, {kind: FLATTEN for kind in ("RuntimeError", "ValueError", "IndexError")})
    return out[name]


def test_returns_a_scalar_tensor(out):
    for name in SHAPES:
        got = _result(out, name)
        if got["type"] in ("float", "int"):
            fail("calc_loss_batch returned a Python number: return the loss tensor itself (no .item()), so that "
                 "the training loop can call loss.backward()")
        if got["shape"] not in (None, []):
            fail(f"calc_loss_batch returned a tensor of shape {got['shape']}; expected a single number (the mean "
                 "over every token of the batch)")
        if got["value"] is None:
            fail(f"calc_loss_batch returned a {got['type']}; expected the loss as a one-number tensor")


def test_loss_backpropagates(out):
    if not out["backward"]:
        fail("after calc_loss_batch(...).backward() some parameters have no gradient: compute the loss from the "
             "model's logits without torch.no_grad() or .detach()")


@points(2)
def test_loss_values(out, snap):
    for name, shape in SHAPES.items():
        got = _result(out, name)
        if got["value"] is None:
            fail(f"calc_loss_batch returned a {got['type']} of shape {got['shape']} for a batch of shape "
                 f"{list(shape)}; expected one number, the mean loss")
        expect_close(got["value"], snap[name]["value"], f"the loss for a batch of shape {list(shape)} (tiny GPT, "
                     "known weights, eval mode)", **TOL,
                     mistakes={ADVICE[k]: v for k, v in out["mistakes"][name].items()})


def test_untrained_loss_is_near_ln_vocab(out, snap):
    got, ln_v = out["untrained"], math.log(GPT2_VOCAB)
    if abs(got - ln_v) > 0.05:
        fail(f"a GPT whose predictions are nearly uniform over GPT-2's {GPT2_VOCAB:,} tokens should have a loss near "
             f"ln({GPT2_VOCAB}) = {ln_v:.3f} (the book's untrained model: 10.79); got {got:.4f}")
    expect_close(got, snap["untrained"], "the loss of a nearly uniform GPT on the book's batch", **TOL)
