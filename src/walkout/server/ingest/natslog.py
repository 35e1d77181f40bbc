"""NATS JetStream: the durable log for a fleet (nats-py).

One stream per store, ``<PREFIX>_<STORE>``, subjects
``<prefix>.<store>.<kind>.<device>``; a record is one message, its JSON the
event log's record, with ``Nats-Msg-Id`` = device and seq, so JetStream's own
duplicate window drops a resent message. An append is durable once JetStream
has acknowledged every message of it. Offsets are stream sequence - 1.

Engine workers on several machines share the stores: a worker runs a store
only while it holds the store's lease, a key in a JetStream KV bucket whose
entries expire ``lease_ttl_s`` after their last write. The holder renews it
(a compare-and-set on the revision it holds) every third of that; a worker
that cannot renew stops its engine at once, and another takes the key once it
has expired. The engine reads through a durable pull consumer that acks
(AckPolicy.ALL) only up to the offset of the last checkpoint; checkpoints live
in a JetStream object store, so whichever worker takes a store over restores
the last one and replays from its offset. Raw data is purged by the stream's
``max_age`` (the retention period)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import nats
import orjson
from nats.js import api
from nats.js.errors import (
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NotFoundError,
    ObjectNotFoundError,
)

from walkout.eventlog.codec import from_obj
from walkout.eventlog.jsonl import encode
from walkout.eventlog.records import AnyRecord
from walkout.server.ingest.dedupe import message_id
from walkout.server.ingest.port import Appended
from walkout.server.logs import log
from walkout.server.worker.checkpoints import Checkpoint

if TYPE_CHECKING:
    from walkout.server.bootstrap import Server

_BAD = re.compile(r"[^A-Za-z0-9_\-]")


def token(s: str) -> str:
    """A safe NATS subject token / stream name part."""
    return _BAD.sub("_", s)


class Loop:
    """An asyncio loop in its own thread, for nats-py from threaded code."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="nats", daemon=True)
        self.thread.start()

    def submit(self, coro: Coroutine[Any, Any, Any]) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
        return self.submit(coro).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class NatsLog:
    def __init__(self, loop: Loop, js: Any, prefix: str, store: str, retention_s: float):
        self.loop, self.js, self.store = loop, js, store
        self.prefix = token(prefix)
        self.stream = f"{self.prefix.upper()}_{token(store)}"
        self.subject = f"{self.prefix}.{token(store)}"
        self.durable = "engine"
        self.last_t: float | None = None
        self._end = 0
        self._end_at = 0.0
        self._psub: Any = None
        self._next: int | None = None
        self._unacked: dict[int, Any] = {}
        loop.run(self._ensure(retention_s))

    async def _ensure(self, retention_s: float) -> None:
        cfg = api.StreamConfig(
            name=self.stream,
            subjects=[f"{self.subject}.>"],
            storage=api.StorageType.FILE,
            max_age=retention_s,
            duplicate_window=120.0,
        )
        try:
            await self.js.stream_info(self.stream)
            await self.js.update_stream(cfg)
        except NotFoundError:
            await self.js.add_stream(cfg)
        await self._refresh_end()

    async def _refresh_end(self) -> int:
        info = await self.js.stream_info(self.stream)
        self._end, self._end_at = int(info.state.last_seq), time.monotonic()
        return self._end

    # -- appending -------------------------------------------------------------------------

    def append(self, records: list[AnyRecord]) -> Future[Appended]:
        return self.loop.submit(self._publish(records))

    def append_then(
        self, records: list[AnyRecord], done: Callable[[Appended | BaseException], None]
    ) -> None:
        fut = self.append(records)
        fut.add_done_callback(lambda f: done(f.exception() or f.result()))  # type: ignore[arg-type]

    async def _publish(self, records: list[AnyRecord]) -> Appended:
        acks = await asyncio.gather(
            *(
                self.js.publish(
                    f"{self.subject}.{r.kind}.{token(r.device)}",
                    encode(r),
                    headers={"Nats-Msg-Id": message_id(r)},
                )
                for r in records
            )
        )
        fresh = [a.seq for a in acks if not a.duplicate]
        if records:
            self.last_t = records[-1].t
        if fresh:
            self._end = max(self._end, max(fresh))
        return Appended(
            first=(min(fresh) - 1) if fresh else self._end,
            written=len(fresh),
            duplicates=len(records) - len(fresh),
        )

    def end(self) -> int:
        if time.monotonic() - self._end_at > 0.5:  # other machines append too
            self.loop.run(self._refresh_end())
        return self._end

    # -- reading (the engine worker holding the lease) ---------------------------------------

    def read(
        self, start: int, max_n: int = 2000, timeout: float = 0.2
    ) -> list[tuple[int, AnyRecord]]:
        msgs = self.loop.run(self._fetch(start, max_n, timeout), timeout + 30)
        out = []
        for seq, data in msgs:
            rec = from_obj(orjson.loads(data))
            out.append((seq - 1, rec))
        if out:
            self.last_t = max(self.last_t or -1e300, out[-1][1].t)  # type: ignore[union-attr]
        return out

    async def _fetch(self, start: int, max_n: int, timeout: float) -> list[tuple[int, bytes]]:
        if self._psub is None or self._next != start:
            await self._consumer_from(start)
        try:
            msgs = await self._psub.fetch(max_n, timeout=timeout)
        except (nats.errors.TimeoutError, TimeoutError):  # nothing new within the timeout
            return []
        out = []
        for m in msgs:
            seq = m.metadata.sequence.stream
            if seq - 1 < start:
                continue
            self._unacked[seq] = m
            out.append((seq, m.data))
        if out:
            self._next = out[-1][0]
        return out

    async def _consumer_from(self, start: int) -> None:
        """A fresh durable consumer from ``start`` (after a restore, or a takeover)."""
        if self._psub is not None:
            await self._psub.unsubscribe()
        with contextlib.suppress(NotFoundError):
            await self.js.delete_consumer(self.stream, self.durable)
        await self.js.add_consumer(
            self.stream,
            api.ConsumerConfig(
                durable_name=self.durable,
                deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
                opt_start_seq=start + 1,
                ack_policy=api.AckPolicy.ALL,
                ack_wait=3600.0,
                max_ack_pending=1_000_000,
            ),
        )
        self._psub = await self.js.pull_subscribe_bind(self.durable, self.stream)
        self._next, self._unacked = start, {}

    def processed(self, offset: int) -> None:
        """Ack everything up to the checkpointed offset (AckPolicy.ALL)."""
        upto = [s for s in self._unacked if s <= offset]
        if not upto:
            return
        last = self._unacked[max(upto)]
        for s in upto:
            del self._unacked[s]
        self.loop.run(last.ack())

    def purge(self, now: float, retention_s: float, keep_from: int) -> int:
        return 0  # the stream's max_age is the retention

    def close(self) -> None:
        if self._psub is not None:
            self.loop.run(self._psub.unsubscribe())


class NatsCheckpoints:
    """Checkpoints in a JetStream object store: any worker of the fleet can restore them."""

    def __init__(self, loop: Loop, obs: Any):
        self.loop, self.obs = loop, obs

    def load(self, store: str) -> Checkpoint | None:
        async def get() -> bytes | None:
            try:
                res = await self.obs.get(token(store))
            except ObjectNotFoundError:
                return None
            return bytes(res.data)

        raw = self.loop.run(get(), 120)
        return Checkpoint.unpack(raw) if raw else None

    def save(self, cp: Checkpoint) -> None:
        self.loop.run(self.obs.put(token(cp.store), cp.pack()), 120)


class Lease:
    """One store's lease in the KV bucket."""

    def __init__(self, loop: Loop, kv: Any, store: str, me: str):
        self.loop, self.kv, self.key, self.me = loop, kv, token(store), me.encode()
        self.revision: int | None = None

    def acquire(self) -> bool:
        async def go() -> int | None:
            try:
                return int(await self.kv.create(self.key, self.me))
            except KeyWrongLastSequenceError:
                pass
            try:
                e = await self.kv.get(self.key)
            except KeyNotFoundError:
                return None
            if e.value == self.me:  # ours from before a quick restart
                return int(await self.kv.update(self.key, self.me, last=e.revision))
            return None

        self.revision = self.loop.run(go())
        return self.revision is not None

    def renew(self) -> bool:
        if self.revision is None:
            return False
        try:
            self.revision = int(
                self.loop.run(self.kv.update(self.key, self.me, last=self.revision))
            )
            return True
        except Exception:  # anyone else's write, or NATS gone: the lease is lost
            self.revision = None
            return False

    def holder(self) -> str | None:
        async def go() -> str | None:
            try:
                return (await self.kv.get(self.key)).value.decode()  # type: ignore[no-any-return]
            except KeyNotFoundError:
                return None

        return self.loop.run(go())  # type: ignore[no-any-return]


class NatsFleet:
    """Wires a server to JetStream: logs for every store (any server ingests for
    any store), and engine workers only for the stores whose lease it holds."""

    def __init__(self, server: Server):
        self.server = server
        self.prefix = token(server.settings.nats_prefix)
        self.loop = Loop()
        self.leases: dict[str, Lease] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="leases", daemon=True)

    def start(self) -> None:
        s = self.server.settings
        self.nc = self.loop.run(nats.connect(s.nats_url, name=self.server.worker_id()))
        self.js = self.nc.jetstream()
        ttl = s.lease_ttl_s
        self.kv = self.loop.run(self._bucket(f"{self.prefix}_leases", ttl))
        self.obs = self.loop.run(self.js.create_object_store(bucket=f"{self.prefix}_checkpoints"))
        self.server.checkpoints = NatsCheckpoints(self.loop, self.obs)
        for st in self.server.stores.values():
            self.server.logs[st.id] = NatsLog(
                self.loop, self.js, self.prefix, st.id, s.retention_days * 86400
            )
            self.leases[st.id] = Lease(self.loop, self.kv, st.id, self.server.worker_id())
        self._tick()
        self._thread.start()

    async def _bucket(self, name: str, ttl: float) -> Any:
        try:
            return await self.js.key_value(name)
        except Exception:  # not there yet
            return await self.js.create_key_value(bucket=name, ttl=ttl, history=1)

    def _run(self) -> None:
        while not self._stop.wait(self.server.settings.lease_ttl_s / 3):
            try:
                self._tick()
            except Exception:  # NATS away: the next tick tries again (leases lapse meanwhile)
                log.exception("lease round failed")

    def _tick(self) -> None:
        for sid, lease in self.leases.items():
            w = self.server.workers.get(sid)
            if w is not None:
                if not lease.renew():
                    log.warning("lease lost: stopping the engine", store=sid)
                    w.stop(checkpoint=False)
                    del self.server.workers[sid]
            elif lease.acquire():
                log.info(
                    "lease taken: starting the engine", store=sid, worker=self.server.worker_id()
                )
                self.server.start_worker(self.server.stores[sid])

    def release(self) -> None:
        async def go() -> None:
            for sid, lease in self.leases.items():
                if sid in self.server.workers and lease.revision is not None:
                    with contextlib.suppress(Exception):  # someone else's by now
                        await self.kv.delete(lease.key, last=lease.revision)

        self.loop.run(go())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        try:
            self.release()
            self.loop.run(self.nc.drain())
        finally:
            self.loop.stop()
