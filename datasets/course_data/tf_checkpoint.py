"""TensorFlow's checkpoint format (a "V2 tensor bundle"), read and written without TensorFlow.

OpenAI published GPT-2 as such a checkpoint: `model.ckpt.index`, a sorted key-value table (LevelDB's
SSTable layout, uncompressed) mapping each variable name to a BundleEntryProto (dtype, shape, offset and
size in the data file, crc32c), and `model.ckpt.data-00000-of-00001`, the raw little-endian tensor bytes.
`read_checkpoint(prefix)` returns {name: numpy array}; `write_checkpoint(prefix, arrays)` writes the same
layout (the course's tests use it to make synthetic checkpoints). Only what GPT-2's files use is supported:
one shard, no compression, float32/float16/float64/int32/int64 tensors.
"""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

MAGIC = 0xDB4775248B80FB57  # the table footer's magic number
DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 9: np.int64, 19: np.float16}
CODES = {np.dtype(v): k for k, v in DTYPES.items()}
RESTART_INTERVAL = 16


class CheckpointFormatError(ValueError):
    """The file is not a TensorFlow V2 checkpoint this reader understands; the message says why."""


def _crc_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# ---- protobuf wire format, the few fields needed ----

def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise CheckpointFormatError("truncated varint")
        byte = data[pos]
        result |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes):
    """(field number, wire type, value) of a protobuf message; value is an int or bytes."""
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _read_varint(data, pos)
        elif wire == 1:
            value, pos = struct.unpack_from("<Q", data, pos)[0], pos + 8
        elif wire == 2:
            length, pos = _read_varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = struct.unpack_from("<I", data, pos)[0], pos + 4
        else:
            raise CheckpointFormatError(f"unsupported protobuf wire type {wire}")
        yield number, wire, value


def _entry(data: bytes) -> dict:
    entry = {"dtype": 0, "shape": [], "shard_id": 0, "offset": 0, "size": 0, "slices": False}
    for number, _, value in _fields(data):
        if number == 1:
            entry["dtype"] = value
        elif number == 2:
            entry["shape"] = [dict((n, v) for n, _, v in _fields(dim)).get(1, 0)
                              for n, _, dim in _fields(value) if n == 2]
        elif number in (3, 4, 5):
            entry[{3: "shard_id", 4: "offset", 5: "size"}[number]] = value
        elif number == 7:
            entry["slices"] = True
    return entry


def _entry_bytes(dtype_code: int, shape, offset: int, size: int, crc: int) -> bytes:
    dims = b"".join(b"\x12" + _varint(len(d)) + d for d in (b"\x08" + _varint(s) for s in shape))
    return (b"\x08" + _varint(dtype_code) + b"\x12" + _varint(len(dims)) + dims
            + b"\x20" + _varint(offset) + b"\x28" + _varint(size) + b"\x35" + struct.pack("<I", crc))


# ---- the SSTable ----

def _block_entries(block: bytes):
    (n_restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    end = len(block) - 4 - 4 * n_restarts
    pos, key = 0, b""
    while pos < end:
        shared, pos = _read_varint(block, pos)
        unshared, pos = _read_varint(block, pos)
        length, pos = _read_varint(block, pos)
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        yield key, block[pos:pos + length]
        pos += length


def _read_block(data: bytes, handle: bytes) -> bytes:
    offset, pos = _read_varint(handle, 0)
    size, _ = _read_varint(handle, pos)
    block, kind = data[offset:offset + size], data[offset + size:offset + size + 1]
    if len(block) != size or kind != b"\x00":
        raise CheckpointFormatError("a table block is truncated or compressed (only uncompressed tables are read)")
    (stored,) = struct.unpack_from("<I", data, offset + size + 1)
    if stored != masked_crc32c(block + kind):
        raise CheckpointFormatError(f"a table block at offset {offset} fails its checksum: the file is damaged")
    return block


def read_index(path: Path) -> dict[str, dict]:
    """The entries of a `.index` file: variable name -> {dtype, shape, shard_id, offset, size}."""
    data = Path(path).read_bytes()
    if len(data) < 48 or struct.unpack_from("<Q", data, len(data) - 8)[0] != MAGIC:
        raise CheckpointFormatError(f"{path} is not a TensorFlow checkpoint index (no table footer)")
    footer = data[-48:-8]
    _, pos = _read_varint(footer, 0)      # metaindex offset and size: unused
    _, pos = _read_varint(footer, pos)
    index = _read_block(data, footer[pos:])
    entries = {}
    for _, handle in _block_entries(index):
        for key, value in _block_entries(_read_block(data, handle)):
            if key:  # the empty key holds the bundle's header
                entries[key.decode()] = _entry(value)
    return entries


def read_checkpoint(prefix) -> dict[str, np.ndarray]:
    """{variable name: array} of the checkpoint `prefix` (`<prefix>.index` and `<prefix>.data-00000-of-00001`)."""
    prefix = str(prefix).removesuffix(".index")
    entries = read_index(Path(prefix + ".index"))
    shards = {e["shard_id"] for e in entries.values()}
    if shards - {0}:
        raise CheckpointFormatError(f"{prefix} is split over several data files; only one shard is supported")
    data_path = Path(prefix + ".data-00000-of-00001")
    if not data_path.is_file():
        raise CheckpointFormatError(f"{data_path} is missing: a checkpoint is the .index file and this data file")
    arrays = {}
    with open(data_path, "rb") as f:
        for name, e in entries.items():
            if e["dtype"] not in DTYPES or e["slices"]:
                raise CheckpointFormatError(f"{name}: unsupported tensor (dtype code {e['dtype']}, "
                                            f"sliced: {e['slices']})")
            dtype = np.dtype(DTYPES[e["dtype"]]).newbyteorder("<")
            if e["size"] != int(np.prod(e["shape"], dtype=np.int64)) * dtype.itemsize:
                raise CheckpointFormatError(f"{name}: {e['size']} bytes do not hold a {dtype.name} tensor "
                                            f"of shape {e['shape']}")
            f.seek(e["offset"])
            raw = f.read(e["size"])
            if len(raw) != e["size"]:
                raise CheckpointFormatError(f"{data_path} is truncated: {name} needs bytes up to "
                                            f"{e['offset'] + e['size']:,}")
            arrays[name] = np.frombuffer(raw, dtype=dtype).reshape(e["shape"]).astype(dtype.newbyteorder("="))
    return arrays


def _block(entries: list[tuple[bytes, bytes]]) -> bytes:
    out, restarts, last = bytearray(), [], b""
    for i, (key, value) in enumerate(entries):
        shared = 0
        if i % RESTART_INTERVAL == 0:
            restarts.append(len(out))
        else:
            while shared < min(len(key), len(last)) and key[shared] == last[shared]:
                shared += 1
        out += _varint(shared) + _varint(len(key) - shared) + _varint(len(value)) + key[shared:] + value
        last = key
    restarts = restarts or [0]
    return bytes(out) + struct.pack(f"<{len(restarts)}I", *restarts) + struct.pack("<I", len(restarts))


def write_checkpoint(prefix, arrays: dict[str, np.ndarray]) -> None:
    """Write `arrays` as a one-shard V2 checkpoint at `prefix` (the .index and .data-00000-of-00001 files)."""
    prefix = str(prefix)
    data, rows = bytearray(), []
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        if array.dtype not in CODES:
            raise ValueError(f"{name}: dtype {array.dtype} cannot be written")
        raw = array.astype(array.dtype.newbyteorder("<")).tobytes()
        rows.append((name.encode(), _entry_bytes(CODES[array.dtype], array.shape, len(data), len(raw),
                                                 masked_crc32c(raw))))
        data += raw
    header = b"\x08\x01\x1a\x02\x08\x01"  # num_shards 1, little-endian, version {producer 1}
    table, handles = bytearray(), []
    for contents in (_block([(b"", header), *rows]), _block([])):   # one data block, then the metaindex
        handles.append(_varint(len(table)) + _varint(len(contents)))
        table += contents + b"\x00" + struct.pack("<I", masked_crc32c(contents + b"\x00"))
    last_key = rows[-1][0] if rows else b""
    index = _block([(last_key + b"\x00", handles[0])])
    index_handle = _varint(len(table)) + _varint(len(index))
    table += index + b"\x00" + struct.pack("<I", masked_crc32c(index + b"\x00"))
    footer = (handles[1] + index_handle).ljust(40, b"\x00") + struct.pack("<Q", MAGIC)
    Path(prefix + ".data-00000-of-00001").write_bytes(bytes(data))
    Path(prefix + ".index").write_bytes(bytes(table + footer))
