"""Binary encoding for long runs: zstd-compressed blocks of msgpack records.

Layout: the 8-byte magic, then blocks of ``<u32 raw length><u32 compressed
length><zstd frame>``; a block holds whole records, so a reader streams one
block at a time in bounded memory. Plate samples are stored as int32
centigrams, delta-coded along time (quiet plates then compress to a few bits a
sample); joints as int32 tenths of a millimetre. Values are exactly those of
the JSON Lines encoding.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import IO, Any

import msgpack
import numpy as np
import zstandard

from walkout.eventlog.codec import RecordError, from_obj, to_obj
from walkout.eventlog.jsonl import LogError
from walkout.eventlog.records import JOINTS, AnyRecord

MAGIC = b"WLOG\x00\x01\r\n"
BLOCK_BYTES = 1 << 20
_HDR = struct.Struct("<II")
_MISSING = np.iinfo(np.int32).min
_JOINT_BIT = {name: 1 << i for i, name in enumerate(JOINTS)}


def _pack_grams(g: np.ndarray) -> bytes:
    q = np.round(g * 100.0)
    missing = np.isnan(q)
    qi = np.where(missing, 0, q).astype(np.int64)
    d = np.empty_like(qi)
    d[0] = qi[0]
    d[1:] = qi[1:] - qi[:-1]
    d = np.where(missing, _MISSING, d)
    return d.astype("<i4").tobytes()


def _unpack_grams(b: bytes, n_plates: int) -> np.ndarray:
    d = np.frombuffer(b, dtype="<i4").astype(np.int64).reshape(-1, n_plates)
    missing = d == _MISSING
    q = np.cumsum(np.where(missing, 0, d), axis=0).astype(np.float64) / 100.0
    q[missing] = np.nan
    return q


def _pack_people(people: list[dict[str, Any]]) -> list[Any]:
    out = []
    for p in people:
        mask = 0
        vals: list[float] = []
        for name in JOINTS:
            j = p["joints"].get(name)
            if j is not None:
                mask |= _JOINT_BIT[name]
                vals.extend((j[0] * 1e4, j[1] * 1e4, j[2] * 1e4, j[3] * 1e3))
        arr = np.round(np.array(vals, dtype=np.float64)).astype("<i4")
        out.append([p["id"], mask, arr.tobytes()])
    return out


def _unpack_people(packed: list[Any]) -> list[dict[str, Any]]:
    out = []
    for pid, mask, raw in packed:
        arr = np.frombuffer(raw, dtype="<i4").reshape(-1, 4)
        joints = {}
        k = 0
        for name in JOINTS:
            if mask & _JOINT_BIT[name]:
                x, y, z, s = arr[k]
                joints[name] = [int(x) / 1e4, int(y) / 1e4, int(z) / 1e4, int(s) / 1e3]
                k += 1
        out.append({"id": pid, "joints": joints})
    return out


def encode_obj(rec: AnyRecord) -> dict[str, Any]:
    obj = to_obj(rec)
    kind = obj["kind"]
    if kind == "plates":
        obj["grams"] = _pack_grams(obj["grams"])
    elif kind == "tracks":
        obj["people"] = _pack_people(obj["people"])
    return obj


def decode_obj(obj: dict[str, Any]) -> dict[str, Any]:
    kind = obj.get("kind")
    if kind == "plates":
        obj["grams"] = _unpack_grams(obj["grams"], len(obj["plates"]))
    elif kind == "tracks":
        obj["people"] = _unpack_people(obj["people"])
    return obj


class BinaryWriter:
    def __init__(self, fh: IO[bytes], level: int = 3):
        self._fh = fh
        self._packer = msgpack.Packer(use_bin_type=True)
        self._zstd = zstandard.ZstdCompressor(level=level)
        self._buf: list[bytes] = []
        self._size = 0
        fh.write(MAGIC)

    def write(self, rec: AnyRecord) -> None:
        b = self._packer.pack(encode_obj(rec))
        self._buf.append(b)
        self._size += len(b)
        if self._size >= BLOCK_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self._buf:
            return
        raw = b"".join(self._buf)
        comp = self._zstd.compress(raw)
        self._fh.write(_HDR.pack(len(raw), len(comp)))
        self._fh.write(comp)
        self._buf.clear()
        self._size = 0

    def close(self) -> None:
        self.flush()


def iter_records(fh: IO[bytes], name: str) -> Iterator[AnyRecord]:
    magic = fh.read(len(MAGIC))
    if magic != MAGIC:
        raise LogError(f"{name}: not a walkout binary log (bad magic {magic[:8]!r})")
    dctx = zstandard.ZstdDecompressor()
    offset = len(MAGIC)
    index = 0
    while True:
        hdr = fh.read(_HDR.size)
        if not hdr:
            return
        if len(hdr) < _HDR.size:
            raise LogError(f"{name}: truncated block header at byte {offset}")
        raw_len, comp_len = _HDR.unpack(hdr)
        comp = fh.read(comp_len)
        if len(comp) < comp_len:
            raise LogError(f"{name}: truncated block at byte {offset} ({len(comp)} of {comp_len} bytes)")
        try:
            raw = dctx.decompress(comp, max_output_size=raw_len)
        except zstandard.ZstdError as e:
            raise LogError(f"{name}: corrupt block at byte {offset}: {e}") from None
        offset += _HDR.size + comp_len
        unpacker = msgpack.Unpacker(raw=False)
        unpacker.feed(raw)
        for obj in unpacker:
            index += 1
            try:
                yield from_obj(decode_obj(obj))
            except (RecordError, ValueError, TypeError, KeyError) as e:
                raise LogError(f"{name}: record {index}: {e}") from None
