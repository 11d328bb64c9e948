"""Plain data across the trust boundary: JSON for structure, .npz (allow_pickle=False) for arrays.

`to_plain` runs in the worker and turns results of learner code into None/bool/int/float/str,
lists, str-keyed dicts and numpy arrays; anything else is refused with a message. `pack` and
`unpack` move such a value as bytes; nothing is ever unpickled.
"""
from __future__ import annotations

import io
import json
import math
import struct
import zipfile

import numpy as np

from .protocol import MAX_BYTES, MAX_ITEMS, MAX_JSON_BYTES

MAGIC = b"GRW1"
MAX_DEPTH = 32
RECORD_DEPTH = MAX_DEPTH + 8   # a record wraps the value in a few levels of its own
MAX_ARRAYS = 4096
NUMERIC_KINDS = "biufc"     # bool, signed, unsigned, float, complex: nothing else crosses


class WireError(ValueError):
    """A value cannot cross, or bytes that came back are malformed."""


class TensorArray(np.ndarray):
    """A numpy array that came from a torch tensor; keeps the tensor's dtype name and grad flag."""

    torch_dtype: str = ""
    requires_grad: bool = False

    def __array_finalize__(self, obj):
        self.torch_dtype = getattr(obj, "torch_dtype", "")
        self.requires_grad = getattr(obj, "requires_grad", False)


def to_plain(value, depth: int = 0):
    """Convert a learner's result to plain data (runs in the worker)."""
    if depth > MAX_DEPTH:
        raise WireError("the result is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and type(value) in (int, float, bool):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise WireError("got a numpy array of Python objects; expected numbers")
        return np.array(value, copy=True)
    torch = _torch()
    if torch is not None and isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
        if tensor.dtype == torch.bfloat16:
            tensor = tensor.float()
        array = np.array(tensor.numpy(), copy=True).view(TensorArray)
        array.torch_dtype = str(value.dtype)
        array.requires_grad = bool(value.requires_grad)
        return array
    if torch is not None and isinstance(value, (torch.Size, torch.dtype, torch.device)):
        return list(value) if isinstance(value, torch.Size) else str(value)
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_ITEMS:
            raise WireError(f"the result has {len(value)} items; too many to check")
        return [to_plain(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, (str, int)) and type(k) in (str, int) for k in value):
            raise WireError("dict keys must be strings or ints")
        return {str(k): to_plain(v, depth + 1) for k, v in value.items()}
    raise WireError(f"got an object of type {type(value).__name__}; expected numbers, strings, lists or tensors")


def _torch():
    import sys
    return sys.modules.get("torch")


def split_arrays(value, arrays: dict[str, np.ndarray]):
    """Replace arrays in a plain value by JSON references, collecting them in `arrays`."""
    if isinstance(value, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = np.asarray(value)
        ref = {"__array__": key}
        if isinstance(value, TensorArray):
            ref.update(torch_dtype=value.torch_dtype, requires_grad=value.requires_grad)
        return ref
    if isinstance(value, list):
        return [split_arrays(v, arrays) for v in value]
    if isinstance(value, dict):
        return {k: split_arrays(v, arrays) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    return value


def join_arrays(value, arrays):
    if isinstance(value, list):
        return [join_arrays(v, arrays) for v in value]
    if isinstance(value, dict):
        if "__array__" in value:
            array = arrays[value["__array__"]]
            if "torch_dtype" in value:
                array = array.view(TensorArray)
                array.torch_dtype = str(value["torch_dtype"])
                array.requires_grad = bool(value["requires_grad"])
            return array
        if "__float__" in value:
            return float(value["__float__"])
        return {k: join_arrays(v, arrays) for k, v in value.items()}
    return value


def save_npz(arrays: dict[str, np.ndarray]) -> bytes:
    if not arrays:
        return b""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def load_npz(data: bytes) -> dict[str, np.ndarray]:
    """Arrays from an .npz that an untrusted process wrote, read strictly: stored (uncompressed)
    members only, whose declared sizes fit the bytes received, each a numeric .npy whose header's
    shape matches its data exactly — so nothing is decompressed or allocated beyond what was sent."""
    if not data:
        return {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        if len(members) > MAX_ARRAYS:
            raise WireError(f"{len(members)} arrays; too many")
        for member in members:
            if member.compress_type != zipfile.ZIP_STORED or member.flag_bits & 0x1:
                raise WireError(f"array {member.filename!r} is compressed or encrypted; only stored arrays are read")
        if sum(m.file_size for m in members) > len(data):
            raise WireError("the arrays' declared sizes exceed the data sent")
        arrays = {}
        for member in members:
            if not member.filename.endswith(".npy") or member.file_size != member.compress_size:
                raise WireError(f"unexpected member {member.filename!r}")
            arrays[member.filename[:-4]] = _read_npy(archive.read(member))
        return arrays
    except WireError:
        raise
    except Exception as exc:  # noqa: BLE001 - malformed bytes from an untrusted process
        raise WireError(f"malformed array data: {exc}") from None


def _read_npy(raw: bytes) -> np.ndarray:
    from numpy.lib import format as npy
    stream = io.BytesIO(raw)
    version = npy.read_magic(stream)
    header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
    shape, fortran, dtype = header(stream, max_header_size=10_000)
    if dtype.hasobject or dtype.kind not in NUMERIC_KINDS or dtype.fields is not None:
        raise WireError(f"array of dtype {dtype}: only numbers cross")
    count = math.prod(shape)
    if count * dtype.itemsize != len(raw) - stream.tell():
        raise WireError("an array's header does not match its data")
    array = np.frombuffer(raw, dtype=dtype, count=count, offset=stream.tell())
    return array.reshape(shape, order="F" if fortran else "C").copy()


def pack(value) -> bytes:
    """Plain value -> bytes: MAGIC, JSON length, JSON, npz length, npz."""
    arrays: dict[str, np.ndarray] = {}
    doc = json.dumps(split_arrays(value, arrays), allow_nan=False).encode()
    blob = save_npz(arrays)
    return MAGIC + struct.pack("<I", len(doc)) + doc + struct.pack("<Q", len(blob)) + blob


def json_items(doc: bytes) -> int:
    """An upper bound on the values of a JSON document, counted by their separators before anything is parsed
    (a separator inside a string counts too): what parsing it may cost is bounded by count, not only bytes."""
    return sum(doc.count(c) for c in (b",", b":", b"[", b"{")) + 1


def count_items(data: bytes) -> int:
    """json_items of a frame's JSON part."""
    if data[:4] != MAGIC or len(data) < 8:
        return 0
    (n,) = struct.unpack("<I", data[4:8])
    return json_items(data[8:8 + min(n, MAX_JSON_BYTES + 1)])


def depth(value, limit: int) -> int:
    """How deeply a parsed value nests (lists and dicts), looked at without recursion, up to limit + 1."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            stack += [(v, level + 1) for v in (item.values() if isinstance(item, dict) else item)]
    return deepest


def unpack(data: bytes):
    """Bytes from `pack` -> plain value. Raises WireError on anything malformed, and on a frame whose JSON is
    larger, holds more values or nests deeper than any result may (checked before and after parsing)."""
    if len(data) > MAX_BYTES:
        raise WireError("result too large")
    if data[:4] != MAGIC or len(data) < 8:
        raise WireError("not a result frame")
    (n,) = struct.unpack("<I", data[4:8])
    if n > len(data) - 8:
        raise WireError("malformed result frame: its JSON runs past the end of the frame")
    if n > MAX_JSON_BYTES or count_items(data) > MAX_ITEMS:
        raise WireError("the result holds more values than any check reads")
    try:
        doc = json.loads(data[8:8 + n])
        (m,) = struct.unpack("<Q", data[8 + n:16 + n])
    except (ValueError, struct.error, RecursionError) as exc:
        raise WireError(f"malformed result frame: {exc}") from None
    if depth(doc, RECORD_DEPTH) > RECORD_DEPTH:
        raise WireError("the result is nested too deeply")
    arrays = load_npz(data[16 + n:16 + n + m])
    try:
        return join_arrays(doc, arrays)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise WireError(f"malformed result frame: {exc!r}") from None
