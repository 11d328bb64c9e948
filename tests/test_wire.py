"""Plain data across the trust boundary: round trips, refusals, malformed bytes, no pickle."""
import numpy as np
import pytest
import torch

from grader import wire


def test_round_trip_of_plain_values_and_tensors():
    value = {"ids": [1, 2, 3], "text": "héllo", "nested": {"x": 1.5, "none": None, "flag": True},
             "t": torch.arange(6, dtype=torch.long).reshape(2, 3), "f": torch.ones(2, requires_grad=True) * 2,
             "a": np.eye(2, dtype=np.float32), "inf": float("inf"), "tuple": (1, "a")}
    back = wire.unpack(wire.pack(wire.to_plain(value)))
    assert back["ids"] == [1, 2, 3] and back["text"] == "héllo" and back["nested"]["none"] is None
    assert back["t"].torch_dtype == "torch.int64" and back["t"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert back["f"].requires_grad and back["f"].torch_dtype == "torch.float32"
    assert back["a"].dtype == np.float32 and back["inf"] == float("inf") and back["tuple"] == [1, "a"]


def test_bfloat16_crosses_as_float32_with_its_name():
    back = wire.unpack(wire.pack(wire.to_plain(torch.ones(2, dtype=torch.bfloat16))))
    assert back.torch_dtype == "torch.bfloat16" and back.dtype == np.float32


@pytest.mark.parametrize("value, words", [
    (object(), "type object"),
    (np.array([object()]), "Python objects"),
    ({(1, 2): 3}, "keys"),
    (lambda: 1, "type function"),
])
def test_objects_are_refused(value, words):
    with pytest.raises(wire.WireError, match=words):
        wire.to_plain(value)


def test_subclasses_of_str_and_list_arrive_as_plain_values():
    class Liar(str):
        def __eq__(self, other):
            return True
        __hash__ = str.__hash__
    back = wire.unpack(wire.pack(wire.to_plain([Liar("x")])))
    assert type(back[0]) is str and back[0] != "y"


@pytest.mark.parametrize("data", [b"", b"GRW1", b"nope" * 10, wire.MAGIC + b"\xff\xff\xff\x00{}",
                                  wire.pack({"a": 1})[:-3] + b"xxx"])
def test_malformed_frames_raise_wire_error(data):
    try:
        wire.unpack(data)
    except wire.WireError:
        return
    # a truncated frame whose JSON still parses is acceptable only if it decodes to plain data
    assert data.startswith(wire.MAGIC)


def test_pickled_arrays_are_never_loaded():
    import io
    buf = io.BytesIO()
    np.savez(buf, a0=np.array([{"evil": 1}], dtype=object))
    data = wire.MAGIC + (b'{"__array__": "a0"}').__len__().to_bytes(4, "little") + b'{"__array__": "a0"}'
    data += len(buf.getvalue()).to_bytes(8, "little") + buf.getvalue()
    with pytest.raises(wire.WireError):
        wire.unpack(data)


def test_references_to_missing_arrays_raise_wire_error():
    doc = b'{"__array__": "a9"}'
    data = wire.MAGIC + len(doc).to_bytes(4, "little") + doc + (0).to_bytes(8, "little")
    with pytest.raises(wire.WireError):
        wire.unpack(data)


def test_absurdly_nested_json_is_a_wire_error():
    doc = b"[" * 100000 + b"]" * 100000
    data = wire.MAGIC + len(doc).to_bytes(4, "little") + doc + (0).to_bytes(8, "little")
    with pytest.raises(wire.WireError):
        wire.unpack(data)
