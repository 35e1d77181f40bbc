"""Binary encoding for long runs: zstd-compressed columnar blocks.

File: the 8-byte magic, then blocks ``<u32 raw length><u32 compressed
length><zstd frame>``. A block is one msgpack map holding up to ~1 MB of
records: the records themselves (as in JSON Lines) minus their bulk, and the
bulk in columns: every plate sample of the block as int32 centigrams, every
joint as int32 millimetres, every joint score as a byte, each column
byte-shuffled so zstd sees the slowly changing high bytes together; 2-D
keypoints likewise (int32 tenths of a pixel, score bytes). A reader
streams one block at a time in bounded memory. Values are exactly those of the
JSON Lines encoding (the log's resolution: 0.01 g, 1 mm, 0.01, 1 us).
"""

from __future__ import annotations

import io
import struct
import threading
from collections.abc import Iterable, Iterator
from typing import IO, Any

import msgpack
import numpy as np
import zstandard

from walkout.eventlog.codec import RecordError, _base, from_obj, to_obj
from walkout.eventlog.jsonl import LogError
from walkout.eventlog.records import COCO_KEYPOINTS, JOINTS, AnyRecord, PlateBatch

MAGIC = b"WLOG\x00\x03\r\n"
BLOCK_BYTES = 1 << 20
MAX_BLOCK_BYTES = 64 * BLOCK_BYTES  # what a reader of untrusted input inflates at most
_HDR = struct.Struct("<II")
_MISSING = np.iinfo(np.int32).min
_NJ = len(JOINTS)
_NK = len(COCO_KEYPOINTS)
_JOINT_BIT = {name: 1 << i for i, name in enumerate(JOINTS)}


def _shuffle(a: np.ndarray) -> bytes:
    b = np.ascontiguousarray(a).view(np.uint8).reshape(-1, a.dtype.itemsize)
    return b.T.tobytes()


def _unshuffle(raw: bytes, dtype: str) -> np.ndarray:
    size = np.dtype(dtype).itemsize
    b = np.frombuffer(raw, dtype=np.uint8).reshape(size, -1)
    return np.ascontiguousarray(b.T).view(dtype).ravel()


class _Block:
    def __init__(self) -> None:
        self.recs: list[dict[str, Any]] = []
        self.grams: list[np.ndarray] = []
        self.xyz: list[int] = []
        self.score: list[int] = []
        self.kp_uv: list[np.ndarray] = []
        self.kp_s: list[np.ndarray] = []
        self.plate_lists: list[list[str]] = []
        self._plist: dict[tuple[str, ...], int] = {}
        # id() -> (the list itself, index): holding the list keeps its id from being reused
        self._plist_by_id: dict[int, tuple[list[str], int]] = {}
        self.size = 0

    def add_plates(self, rec: PlateBatch) -> None:
        """Fast path: no per-record rounding; the block rounds all samples at once."""
        obj = _base(rec, "plates")
        obj["rate_hz"] = float(rec.rate_hz)
        hit = self._plist_by_id.get(id(rec.plates))
        if hit is not None and hit[0] is rec.plates:
            idx = hit[1]
        else:
            tup = tuple(rec.plates)
            idx = self._plist.get(tup)
            if idx is None:
                idx = self._plist[tup] = len(self.plate_lists)
                self.plate_lists.append(list(tup))
            self._plist_by_id[id(rec.plates)] = (rec.plates, idx)
        obj["plates"] = idx
        obj["grams"] = int(rec.grams.shape[0])
        self.grams.append(np.ravel(rec.grams))
        self.size += rec.grams.size * 4 + 48
        self.recs.append(obj)

    def add(self, obj: dict[str, Any]) -> None:
        kind = obj["kind"]
        if kind == "tracks":
            packed = []
            for p in obj["people"]:
                mask = 0
                for name in JOINTS:
                    j = p["joints"].get(name)
                    if j is not None:
                        mask |= _JOINT_BIT[name]
                        self.xyz.extend(
                            (round(j[0] * 1000), round(j[1] * 1000), round(j[2] * 1000))
                        )
                        self.score.append(round(j[3] * 100))
                packed.append([p["id"], mask])
            obj["people"] = packed
            self.size += len(packed) * 140 + 48
        elif kind == "keypoints":
            a = obj["people"]  # (n, 17, 3), already at the log's resolution
            self.kp_uv.append(np.rint(a[..., :2].ravel() * 10.0).astype("<i4"))
            self.kp_s.append(np.rint(a[..., 2].ravel() * 100.0).astype(np.uint8))
            obj["people"] = len(a)
            self.size += a.shape[0] * 90 + 48
        else:
            self.size += 128
        self.recs.append(obj)

    def _keypoint_columns(self) -> dict[str, bytes]:
        if not self.kp_uv:
            return {}
        return {
            "kp": _shuffle(np.concatenate(self.kp_uv)),
            "ks": np.concatenate(self.kp_s).tobytes(),
        }

    def payload(self) -> bytes:
        if self.grams:
            q = np.rint(
                np.concatenate(self.grams) * 100.0
            )  # exactly np.round(g, 2) * 100, as in JSON
            g = np.where(np.isnan(q), _MISSING, q).astype("<i4")
        else:
            g = np.empty(0, "<i4")
        return msgpack.packb(
            {
                "recs": self.recs,
                "pl": self.plate_lists,
                "g": _shuffle(g),
                "j": _shuffle(np.asarray(self.xyz, dtype="<i4")),
                "s": np.asarray(self.score, dtype=np.uint8).tobytes(),
                **self._keypoint_columns(),
            },
            use_bin_type=True,
        )


def _decode_block(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    g = _unshuffle(block["g"], "<i4") if block["g"] else np.empty(0, np.int32)
    # the whole column at once (a record's samples are a view of it): per record this
    # was the reader's biggest cost
    gf = g.astype(np.float64)
    gf /= 100.0
    gf[g == _MISSING] = np.nan
    xyz = _unshuffle(block["j"], "<i4") if block["j"] else np.empty(0, np.int32)
    sc = np.frombuffer(block["s"], dtype=np.uint8)
    kp = _unshuffle(block["kp"], "<i4") if block.get("kp") else np.empty(0, np.int32)
    ks = np.frombuffer(block.get("ks", b""), dtype=np.uint8)
    gi = ji = si = ki = 0
    lists = block.get("pl", [])
    for obj in block["recs"]:
        kind = obj.get("kind")
        if kind == "plates":
            obj["plates"] = lists[obj["plates"]]
            rows, cols = int(obj["grams"]), len(obj["plates"])
            n = rows * cols
            if gi + n > gf.size:
                raise ValueError(f"the block holds fewer samples than its records name ({gf.size})")
            obj["grams"] = gf[gi : gi + n].reshape(rows, cols)
            gi += n
        elif kind == "tracks":
            people = []
            for pid, mask in obj["people"]:
                joints = {}
                for name in JOINTS:
                    if mask & _JOINT_BIT[name]:
                        x, y, z = xyz[ji : ji + 3]
                        joints[name] = [
                            int(x) / 1000,
                            int(y) / 1000,
                            int(z) / 1000,
                            int(sc[si]) / 100,
                        ]
                        ji += 3
                        si += 1
                people.append({"id": pid, "joints": joints})
            obj["people"] = people
        elif kind == "keypoints":
            n = int(obj["people"]) * _NK
            a = np.empty((n, 3))
            a[:, :2] = kp[2 * ki : 2 * (ki + n)].reshape(n, 2) / 10.0
            a[:, 2] = ks[ki : ki + n] / 100.0
            ki += n
            obj["people"] = a.reshape(-1, _NK, 3)
        yield obj


class BinaryWriter:
    def __init__(self, fh: IO[bytes], level: int = 3):
        self._fh = fh
        self._zstd = zstandard.ZstdCompressor(level=level)
        self._block = _Block()
        fh.write(MAGIC)

    def write(self, rec: AnyRecord) -> None:
        if isinstance(rec, PlateBatch):
            self._block.add_plates(rec)
        else:
            self._block.add(to_obj(rec))
        if self._block.size >= BLOCK_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self._block.recs:
            return
        raw = self._block.payload()
        comp = self._zstd.compress(raw)
        self._fh.write(_HDR.pack(len(raw), len(comp)))
        self._fh.write(comp)
        self._block = _Block()

    def discard(self) -> None:
        """Drop the records written since the last flush (a write that failed)."""
        self._block = _Block()

    def close(self) -> None:
        self.flush()


_local = threading.local()


def _decompressor() -> zstandard.ZstdDecompressor:
    """One per thread (they are not thread-safe, and making one costs more than
    decompressing a small batch)."""
    d = getattr(_local, "dctx", None)
    if d is None:
        d = _local.dctx = zstandard.ZstdDecompressor()
    return d


def encode_records(records: Iterable[AnyRecord], level: int = 1) -> bytes:
    """Records as one self-contained payload (the magic, then blocks), e.g. a store
    gateway's batch: a fraction of JSON's size, and far cheaper to parse because the
    samples arrive as columns (docs/event-log.md, binary batches)."""
    buf = io.BytesIO()
    w = BinaryWriter(buf, level)
    for r in records:
        w.write(r)
    w.close()
    return buf.getvalue()


_CORRUPT = (
    zstandard.ZstdError,
    msgpack.UnpackException,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
)


def _blocks(
    fh: IO[bytes], name: str, dctx: zstandard.ZstdDecompressor, max_bytes: int | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each block after the magic, unpacked, with the byte it starts at; a truncated
    or corrupt block, or more than ``max_bytes`` in all once decompressed, is a LogError."""
    offset, total = len(MAGIC), 0
    while True:
        hdr = fh.read(_HDR.size)
        if not hdr:
            return
        if len(hdr) < _HDR.size:
            raise LogError(f"{name}: truncated block header at byte {offset}")
        raw_len, comp_len = _HDR.unpack(hdr)
        comp = fh.read(comp_len)
        if len(comp) < comp_len:
            raise LogError(
                f"{name}: truncated block at byte {offset} ({len(comp)} of {comp_len} bytes)"
            )
        total += raw_len
        if max_bytes is not None and total > max_bytes:
            raise LogError(f"{name}: more than {max_bytes:,} bytes once decompressed")
        try:
            block = msgpack.unpackb(dctx.decompress(comp, max_output_size=raw_len), raw=False)
        except _CORRUPT as e:
            raise LogError(f"{name}: corrupt block at byte {offset}: {e}") from None
        yield offset, block
        offset += _HDR.size + comp_len


def decode_objects(
    raw: bytes, name: str = "payload", max_bytes: int = MAX_BLOCK_BYTES
) -> list[dict[str, Any]]:
    """The plain records of such a payload, not yet validated (the caller checks each
    one, so that a bad record is refused by itself). A corrupt payload is a LogError."""
    if not raw.startswith(MAGIC):
        raise LogError(f"{name}: not a walkout binary payload (magic {raw[:8]!r})")
    fh = io.BytesIO(raw)
    fh.seek(len(MAGIC))
    out: list[dict[str, Any]] = []
    for offset, block in _blocks(fh, name, _decompressor(), max_bytes):
        try:
            out.extend(_decode_block(block))
        except _CORRUPT as e:
            raise LogError(f"{name}: corrupt block at byte {offset}: {e}") from None
    return out


def iter_records(fh: IO[bytes], name: str, skip: int = 0) -> Iterator[AnyRecord]:
    """Records in order; the first ``skip`` are passed over without decoding
    whole blocks of them (resuming a log from an offset)."""
    magic = fh.read(len(MAGIC))
    if magic != MAGIC:
        raise LogError(
            f"{name}: not a walkout binary log, or another version of it (magic {magic[:8]!r})"
        )
    index = 0
    for offset, block in _blocks(fh, name, zstandard.ZstdDecompressor()):
        try:
            n = len(block["recs"])
            if skip >= n:
                skip, index = skip - n, index + n
                continue
            objs = list(_decode_block(block))[skip:]
        except _CORRUPT as e:
            raise LogError(f"{name}: corrupt block at byte {offset}: {e}") from None
        index += skip
        skip = 0
        for obj in objs:
            index += 1
            try:
                yield from_obj(obj)
            except RecordError as e:
                raise LogError(f"{name}: record {index}: {e}") from None
