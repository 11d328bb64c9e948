"""Checks for ch03.multihead_wrapper: MultiHeadAttentionWrapper's heads and their concatenation."""
import numpy as np

from grader.checks import case, expect_shape, fail, forward, points, sibling, with_weights

ref = sibling(__file__, "attention_reference")


def head_weights(d_in, d_out, heads, key, qkv_bias=False):
    return {f"heads.{h}.{name}": value for h in range(heads)
            for name, value in ref.linear_weights(d_in, d_out, f"{key}.{h}", qkv_bias).items()}


BOOK = dict(x=np.stack([ref.TOY, ref.TOY]), d_out=2, heads=2, bias=False, ref=head_weights(3, 2, 2, "wr.book"))
OTHER = dict(x=ref.inputs((3, 4, 5), "wr.other"), d_out=3, heads=3, bias=True,
             ref=head_weights(5, 3, 3, "wr.other", qkv_bias=True))


def run(learner, setup):
    x = setup["x"]
    module = learner.MultiHeadAttentionWrapper(x.shape[-1], setup["d_out"], 6, 0.2, num_heads=setup["heads"],
                                               qkv_bias=setup["bias"])
    return forward(with_weights(module, setup["ref"]).eval(), x)


@case
def heads(learner):
    module = learner.MultiHeadAttentionWrapper(5, 3, 7, 0.25, num_heads=3, qkv_bias=True)
    heads = getattr(module, "heads", None)
    listed = list(heads) if heads is not None else []
    return {"container": type(heads).__name__, "count": len(listed), "distinct": len({id(h) for h in listed}),
            "registered": len(list(module.parameters())),
            "each": [{"type": type(h).__name__, "params": sum(p.numel() for p in h.parameters()),
                      "buffers": [list(b.shape) for b in h.buffers()],
                      "dropout": float(getattr(getattr(h, "dropout", None), "p", -1.0))} for h in listed]}


book_batch = case(run, BOOK)
other_sizes = case(run, OTHER)


def test_heads_in_a_module_list(out):
    got = out["heads"]
    if got["container"] != "ModuleList":
        fail(f"self.heads is a {got['container']}: keep the heads in an nn.ModuleList, so their parameters "
             "belong to the wrapper (model.parameters(), .to(device), state_dict)")
    if got["count"] != 3:
        fail(f"MultiHeadAttentionWrapper(..., num_heads=3) built {got['count']} heads, expected 3")
    if got["distinct"] != got["count"]:
        fail("the heads are one and the same module repeated ([CausalAttention(...)] * num_heads): build a new "
             "CausalAttention for every head, e.g. in a list comprehension")


def test_heads_built_with_the_arguments(out, snap):
    got, expected = out["heads"]["each"], snap["heads"]["each"]
    for i, (g, e) in enumerate(zip(got, expected)):
        for field, what in (("type", "type"), ("params", "number of parameters"), ("buffers", "mask buffer"),
                            ("dropout", "dropout rate")):
            if g[field] != e[field]:
                fail(f"head {i} of MultiHeadAttentionWrapper(5, 3, 7, 0.25, num_heads=3, qkv_bias=True) has "
                     f"{what} {g[field]}, expected {e[field]}: build each head as CausalAttention(d_in, d_out, "
                     "context_length, dropout, qkv_bias), passing every argument on")
    if len(got) != len(expected):
        fail(f"expected {len(expected)} heads, got {len(got)}")


def _expect_concatenated(got, expected, what):
    if isinstance(got, np.ndarray) and got.ndim == 3 and got.shape[1] != expected.shape[1]:
        fail(f"{what} has shape {list(got.shape)}, expected {list(expected.shape)}: the heads were concatenated "
             "along the tokens; concatenate on the last dimension, torch.cat(..., dim=-1)")
    if isinstance(got, np.ndarray) and got.ndim == 4:
        fail(f"{what} has shape {list(got.shape)}, expected {list(expected.shape)}: torch.stack adds a dimension; "
             "concatenate the heads' outputs with torch.cat(..., dim=-1)")
    expect_shape(got, expected.shape, what)


@points(2)
def test_book_batch_values(out, snap):
    """Values at atol 1e-5, rtol 1e-4, each head's weights set by name."""
    what = "MultiHeadAttentionWrapper(3, 2, 6, ..., num_heads=2) on the book's batch"
    _expect_concatenated(out["book_batch"], snap["book_batch"], what)
    ref.expect_attention(out["book_batch"], snap["book_batch"], what, BOOK["x"], BOOK["ref"], ())


def test_other_sizes_and_shorter_sequence(out, snap):
    """3 heads, qkv_bias=True, 4 tokens with context_length 6; atol 1e-5, rtol 1e-4."""
    what = "MultiHeadAttentionWrapper(5, 3, 6, ..., num_heads=3, qkv_bias=True) on 3 sequences of 4 tokens"
    _expect_concatenated(out["other_sizes"], snap["other_sizes"], what)
    ref.expect_attention(out["other_sizes"], snap["other_sizes"], what, OTHER["x"], OTHER["ref"], ())
