"""The embedded durable log: append-only segment files in the event log's own
binary encoding (docs/event-log.md), one block per group commit, fsync'd
before any append is acknowledged.

Segments are ``<first offset>.wlog`` (offset 0 is a header the server writes);
a segment is sealed (and a ``.json`` beside it records its span) when it
grows past ``segment_bytes`` or the log is reopened. A crash can tear the last
block of the open segment: on open it is cut back to its last whole block, and
those records were never acknowledged. Records the engine has not read yet
stay in memory too (up to ``tail_max``), so it reads them without decoding.
"""

from __future__ import annotations

import os
import queue
import struct
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, Any

import msgpack
import orjson
import zstandard

from walkout.eventlog import binary
from walkout.eventlog.records import AnyRecord, Header
from walkout.server.ingest.dedupe import Dedupe
from walkout.server.ingest.port import Appended

_HDR = struct.Struct("<II")  # <u32 raw length><u32 compressed length>, docs/event-log.md
Done = Callable[[Appended | BaseException], None]


def _settle(fut: Future[Appended], res: Appended | BaseException) -> None:
    if isinstance(res, BaseException):
        fut.set_exception(res)
    else:
        fut.set_result(res)


@dataclass
class _Segment:
    first: int
    path: Path
    count: int = 0
    sealed_at: float | None = None  # wall clock when sealed

    @property
    def meta(self) -> Path:
        return self.path.with_suffix(".json")


def _blocks(fh: IO[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(end byte, block) for every whole block; stops at a torn or corrupt one."""
    if fh.read(len(binary.MAGIC)) != binary.MAGIC:
        return
    dctx = zstandard.ZstdDecompressor()
    pos = len(binary.MAGIC)
    while True:
        hdr = fh.read(_HDR.size)
        if len(hdr) < _HDR.size:
            return
        raw_len, comp_len = _HDR.unpack(hdr)
        comp = fh.read(comp_len)
        if len(comp) < comp_len:
            return
        try:
            block = msgpack.unpackb(dctx.decompress(comp, max_output_size=raw_len), raw=False)
        except (zstandard.ZstdError, msgpack.UnpackException, ValueError):
            return
        pos += _HDR.size + comp_len
        yield pos, block


class FileLog:
    def __init__(
        self,
        root: Path,
        store: str,
        fsync: bool = True,
        group_commit_s: float = 0.002,
        segment_bytes: int = 64 << 20,
        tail_max: int = 50_000,
        clock: Callable[[], float] = time.time,
        on_commit: Callable[[float, int], None] | None = None,
    ):
        self.store = store
        self.root = root / store
        self.root.mkdir(parents=True, exist_ok=True)
        self.fsync = fsync
        self.group_commit_s = group_commit_s
        self.segment_bytes = segment_bytes
        self.tail_max = tail_max
        self.clock = clock
        self.on_commit = on_commit
        self.dedupe = Dedupe()
        self.segments: list[_Segment] = []
        self._end = 0
        self._cond = threading.Condition()
        self._tail: list[AnyRecord] = []
        self._tail_base = 0
        self._read_pos = 0  # the furthest the reader has asked for
        self._cursor: tuple[int, Iterator[tuple[int, AnyRecord]]] | None = None
        self.last_t: float | None = None
        self._q: queue.Queue[tuple[list[AnyRecord], Done] | None] = queue.Queue()
        self._recover()
        self._fh: IO[bytes]
        self._writer: binary.BinaryWriter
        self._open_segment()
        if self._end == 0:
            self._write_now([Header(store=store, source="live", start=self.clock())])
        self._thread = threading.Thread(target=self._commit_loop, name=f"log-{store}", daemon=True)
        self._thread.start()

    # -- opening -----------------------------------------------------------------------

    def _recover(self) -> None:
        paths = sorted(self.root.glob("*.wlog"), key=lambda p: int(p.stem))
        for i, p in enumerate(paths):
            seg = _Segment(first=int(p.stem), path=p)
            meta = orjson.loads(seg.meta.read_bytes()) if seg.meta.is_file() else None
            last = i == len(paths) - 1
            recent = i >= len(paths) - 2
            if meta is not None and not last:
                seg.count, seg.sealed_at = meta["count"], meta["sealed_at"]
                if recent:
                    self._scan(seg, remember=True, count=False)
            else:
                self._scan(seg, remember=recent)
                if seg.count == 0:
                    p.unlink()
                    continue
                self._seal(seg)
            self.segments.append(seg)
        if self.segments:
            s = self.segments[-1]
            self._end = s.first + s.count
        self._tail_base = self._end  # older records are read from disk

    def _scan(self, seg: _Segment, remember: bool, count: bool = True) -> None:
        """Count a segment's records, cut a torn tail, and (last segment) rebuild dedupe:
        a device resends only what it sent since its last acknowledgement, and every
        restart starts a new segment, so the last two hold what could come again."""
        good = len(binary.MAGIC)
        with open(seg.path, "rb") as fh:
            for end, block in _blocks(fh):
                good = end
                if count:
                    seg.count += len(block["recs"])
                if remember:
                    for obj in block["recs"]:
                        self.dedupe.see_obj(obj)
                        self.last_t = obj.get("t", self.last_t)
        if count and seg.path.stat().st_size > good:
            with open(seg.path, "r+b") as fh:
                fh.truncate(good)
                os.fsync(fh.fileno())

    def _seal(self, seg: _Segment) -> None:
        seg.sealed_at = seg.sealed_at or self.clock()
        seg.meta.write_bytes(
            orjson.dumps(
                {
                    "first": seg.first,
                    "count": seg.count,
                    "sealed_at": seg.sealed_at,
                }
            )
        )

    def _open_segment(self) -> None:
        seg = _Segment(first=self._end, path=self.root / f"{self._end:012d}.wlog")
        self._fh = open(seg.path, "wb")  # noqa: SIM115 - closed on rotation and close()
        self._writer = binary.BinaryWriter(self._fh, level=1)
        self._fh.flush()
        self.segments.append(seg)
        self._sync_dir()

    def _sync_dir(self) -> None:
        if self.fsync:
            fd = os.open(self.root, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    # -- appending -----------------------------------------------------------------------

    def append(self, records: list[AnyRecord]) -> Future[Appended]:
        fut: Future[Appended] = Future()
        self._q.put((records, partial(_settle, fut)))
        return fut

    def append_then(self, records: list[AnyRecord], done: Done) -> None:
        """As ``append``, calling ``done`` (on the log's thread) instead of resolving
        a future: cheaper, for one-record MQTT messages."""
        self._q.put((records, done))

    def _commit_loop(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                return
            batch = [item]
            if self.group_commit_s > 0:
                deadline = time.monotonic() + self.group_commit_s
                while (left := deadline - time.monotonic()) > 0:
                    try:
                        nxt = self._q.get(timeout=left)
                    except queue.Empty:
                        break
                    if nxt is None:
                        self._q.put(None)
                        break
                    batch.append(nxt)
            while True:  # and whatever else is already waiting
                try:
                    nxt = self._q.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._q.put(None)
                    break
                batch.append(nxt)
            self._commit(batch)

    def _commit(self, batch: list[tuple[list[AnyRecord], Done]]) -> None:
        results: list[tuple[Done, int, int, int]] = []
        fresh: list[AnyRecord] = []
        for recs, fut in batch:
            n0, dup = len(fresh), 0
            for r in recs:
                if isinstance(r, Header) or self.dedupe.fresh(r.device, r.kind, r.t, r.seq):
                    fresh.append(r)
                else:
                    dup += 1
            results.append((fut, n0, len(fresh) - n0, dup))
        try:
            first = self._write_now(fresh)
        except Exception as e:  # a full disk: refuse, so devices keep their data and retry
            self._writer.discard()
            for r in fresh:
                if not isinstance(r, Header):
                    self.dedupe.forget(r.device, r.kind, r.t, r.seq)
            for done, *_ in results:
                done(e)
            return
        for done, n0, n, dup in results:
            done(Appended(first=first + n0, written=n, duplicates=dup))

    def _write_now(self, recs: list[AnyRecord]) -> int:
        """Write one block and make it durable; returns the first record's offset."""
        first = self._end
        if not recs:
            return first
        t0 = time.perf_counter()
        for r in recs:
            self._writer.write(r)
        self._writer.flush()
        self._fh.flush()
        if self.fsync:
            os.fsync(self._fh.fileno())
        seg = self.segments[-1]
        seg.count += len(recs)
        with self._cond:
            self._tail.extend(recs)
            self._end += len(recs)
            # keep what the engine has not read yet (up to tail_max; beyond, it reads disk)
            done = max(0, self._read_pos - self._tail_base)
            cut = max(done, len(self._tail) - self.tail_max)
            if cut >= 2000:
                del self._tail[:cut]
                self._tail_base += cut
            self._cond.notify_all()
        last = recs[-1]
        if not isinstance(last, Header):
            self.last_t = last.t
        if self.on_commit is not None:
            self.on_commit(time.perf_counter() - t0, len(recs))
        if self._fh.tell() >= self.segment_bytes:
            self._rotate()
        return first

    def _rotate(self) -> None:
        self._writer.close()
        self._fh.close()
        self._seal(self.segments[-1])
        self._open_segment()

    # -- reading -------------------------------------------------------------------------

    def end(self) -> int:
        return self._end

    def read(
        self, start: int, max_n: int = 2000, timeout: float = 0.2
    ) -> list[tuple[int, AnyRecord]]:
        with self._cond:
            if start >= self._end and timeout > 0:
                self._cond.wait(timeout)
            if start >= self._tail_base and (self._tail or start >= self._end):
                self._read_pos = max(self._read_pos, start)
                i = start - self._tail_base
                recs = self._tail[i : i + max_n]
                return [(start + k, r) for k, r in enumerate(recs)]
        return self._read_disk(start, max_n)

    def _read_disk(self, start: int, max_n: int) -> list[tuple[int, AnyRecord]]:
        if self._cursor is None or self._cursor[0] != start:
            self._cursor = (start, self._iter_from(start))
        out: list[tuple[int, AnyRecord]] = []
        it = self._cursor[1]
        for off, rec in it:
            out.append((off, rec))
            if len(out) >= max_n:
                break
        # an iterator that ran dry (segments rotated after it began) is not kept
        self._cursor = (start + len(out), it) if len(out) >= max_n else None
        return out

    def _iter_from(self, start: int) -> Iterator[tuple[int, AnyRecord]]:
        for seg in list(self.segments):
            if seg.first + seg.count <= start and seg is not self.segments[-1]:
                continue
            skip = max(0, start - seg.first)
            off = seg.first + skip
            with open(seg.path, "rb") as fh:
                for rec in binary.iter_records(fh, str(seg.path), skip=skip):
                    if off >= self._tail_base:
                        return  # the rest is in memory
                    yield off, rec
                    off += 1

    def processed(self, offset: int) -> None:
        pass  # files are kept until retention; the checkpoint says where to replay from

    # -- retention -----------------------------------------------------------------------

    def purge(self, now: float, retention_s: float, keep_from: int) -> int:
        """Delete sealed segments older than the retention whose records the engine
        has checkpointed past. Returns the number of records dropped."""
        dropped = 0
        for seg in list(self.segments[:-1]):
            old = seg.sealed_at is not None and seg.sealed_at < now - retention_s
            if old and seg.first + seg.count <= keep_from:
                seg.path.unlink(missing_ok=True)
                seg.meta.unlink(missing_ok=True)
                self.segments.remove(seg)
                dropped += seg.count
        return dropped

    def seal_now(self) -> None:
        """Seal the open segment (so retention can reach it) and start a new one."""
        self._q.put(None)
        self._thread.join()
        if self.segments[-1].count:
            self._rotate()
        self._q = queue.Queue()
        self._thread = threading.Thread(
            target=self._commit_loop, name=f"log-{self.store}", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._q.put(None)
        self._thread.join(timeout=10)
        self._writer.close()
        self._fh.close()
        if self.segments and self.segments[-1].count:
            self._seal(self.segments[-1])
        elif self.segments:
            self.segments[-1].path.unlink(missing_ok=True)
