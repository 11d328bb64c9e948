"""Plain data across the trust boundary: round trips, refusals, malformed bytes, no pickle."""
import struct

import numpy as np
import pytest
import torch

from grader.engine import wire
from grader.engine.protocol import MAX_ITEMS


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


@pytest.mark.parametrize("data, words", [
    (b"", "not a result frame"),                                        # nothing
    (b"GRW1", "not a result frame"),                                    # the magic alone, no length
    (b"nope" * 10, "not a result frame"),                               # no magic
    (wire.MAGIC + b"\xff\xff\xff\x00{}", "malformed result frame"),        # JSON length beyond the data
    (wire.pack({"a": 1})[:12], "malformed result frame"),               # cut inside the JSON
    (wire.pack({"a": 1})[:-3], "malformed result frame"),               # cut inside the arrays' length
])
def test_malformed_frames_raise_wire_error(data, words):
    with pytest.raises(wire.WireError, match=words):
        wire.unpack(data)


def test_an_overstated_array_length_reads_the_json_and_no_arrays():
    """The arrays' length is only an upper bound: a frame whose JSON is whole and refers to no array decodes to
    that JSON, however many array bytes it claims."""
    data = wire.pack({"a": 1})[:-3] + b"xxx"
    assert int.from_bytes(data[-8:], "little") > len(data)
    assert wire.unpack(data) == {"a": 1}


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


def _frame_with_npz(blob: bytes, doc: bytes = b'{"__array__": "a0"}') -> bytes:
    return wire.MAGIC + len(doc).to_bytes(4, "little") + doc + len(blob).to_bytes(8, "little") + blob


def test_compressed_arrays_are_refused_before_decompressing():
    import io
    buf = io.BytesIO()
    np.savez_compressed(buf, a0=np.zeros(10))
    with pytest.raises(wire.WireError, match="compressed"):
        wire.unpack(_frame_with_npz(buf.getvalue()))


@pytest.mark.parametrize("shape", [(10**9,), (2, 3, 4), ()])
def test_an_array_header_must_match_its_data(shape):
    import io
    import zipfile
    from numpy.lib import format as npy
    header = io.BytesIO()
    npy.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": shape})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a0.npy", b"\x93NUMPY\x01\x00" + header.getvalue()[8:] + b"\0" * 40)
    with pytest.raises(wire.WireError, match="does not match"):
        wire.unpack(_frame_with_npz(buf.getvalue()))


def test_declared_sizes_beyond_the_data_are_refused():
    data = bytearray(wire.save_npz({"a0": np.arange(4.0)}))
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (2**31).to_bytes(4, "little")  # uncompressed size in the directory
    with pytest.raises(wire.WireError):
        wire.unpack(_frame_with_npz(bytes(data)))


def test_stored_numeric_arrays_still_round_trip():
    arrays = {"a0": np.arange(6, dtype=np.int64).reshape(2, 3), "a1": np.asfortranarray(np.eye(3, dtype=np.float32)),
              "a2": np.array(True), "a3": np.zeros((0, 4))}
    back = wire.load_npz(wire.save_npz(arrays))
    for key, value in arrays.items():
        assert back[key].dtype == value.dtype and np.array_equal(back[key], value)


def test_a_frame_is_bounded_by_its_values_not_only_its_bytes():
    """60 MiB of `[[]],` once passed the byte cap and took ~68 times that to parse: a frame holding more values
    than any check reads is refused before it is parsed, and one nested deeper than results may be, after."""
    import time
    doc = b"[" + b"[[]]," * (2 * 2**20) + b"[]]"
    frame = wire.MAGIC + struct.pack("<I", len(doc)) + doc + struct.pack("<Q", 0)
    assert wire.count_items(frame) > MAX_ITEMS
    start = time.perf_counter()
    with pytest.raises(wire.WireError, match="more values"):
        wire.unpack(frame)
    assert time.perf_counter() - start < 1.0
    deep = b"[" * 200 + b"]" * 200
    with pytest.raises(wire.WireError, match="nested too deeply"):
        wire.unpack(wire.MAGIC + struct.pack("<I", len(deep)) + deep + struct.pack("<Q", 0))
    assert wire.unpack(wire.pack({"tokens": ["a", ",", "[", "b"] * 1000})) == {"tokens": ["a", ",", "[", "b"] * 1000}
