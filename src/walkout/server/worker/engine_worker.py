"""One store's engine, fed from its durable log.

The loop: read a batch from the log at ``offset``; apply each record; persist
the outputs (one transaction, idempotent by the engine's ids); every few
seconds checkpoint the engine together with ``offset``. Outputs are always
committed before the checkpoint that passes them, so after a crash the worker
restores the last checkpoint and replays the log from its offset: the replay
re-derives exactly the outputs already stored (the engine is deterministic)
and the idempotent writes turn them into no-ops, then carries on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from walkout.domain.store import Store
from walkout.fusion.config import EngineConfig
from walkout.fusion.engine import ENGINE_VERSION, Engine
from walkout.fusion.outputs import AnyOutput, ReviewTask
from walkout.server.ingest.port import DurableLog
from walkout.server.logs import log
from walkout.server.metrics import Metrics
from walkout.server.service.bus import MessageBus
from walkout.server.service.outputs import record_outputs
from walkout.server.service.queues import record_operations
from walkout.server.worker.checkpoints import Checkpoint, CheckpointStore
from walkout.server.worker.operations import OperationsItem, OperationsWatcher

BATCH = 2000


class EngineWorker:
    def __init__(
        self,
        store: Store,
        dlog: DurableLog,
        bus: MessageBus,
        checkpoints: CheckpointStore,
        metrics: Metrics,
        config: EngineConfig | None = None,
        checkpoint_every_s: float = 10.0,
        checkpoint_every_records: int = 200_000,
        watchers: list[OperationsWatcher] | None = None,
        on_depth: Callable[[str], None] | None = None,
        on_caught_up: Callable[[EngineWorker], None] | None = None,
    ):
        self.store = store
        self.log = dlog
        self.bus = bus
        self.checkpoints = checkpoints
        self.metrics = metrics
        self.config = config or EngineConfig()
        self.every_s = checkpoint_every_s
        self.every_n = checkpoint_every_records
        self.watchers = watchers or []
        self.on_depth = on_depth
        self.on_caught_up = on_caught_up  # once, in the worker's thread, when first caught up
        self.offset = 0
        self.closed = False
        self.close_at: int | None = None
        self.ready = threading.Event()  # restored and caught up with the log once
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.engine: Engine

    # -- life ------------------------------------------------------------------------------

    def start(self) -> None:
        self._restore()
        self._thread = threading.Thread(
            target=self._run, name=f"engine-{self.store.id}", daemon=True
        )
        self._thread.start()

    def stop(self, checkpoint: bool = True) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
        if checkpoint and self.error is None:
            self._checkpoint()

    def request_close(self, at: int) -> None:
        """End the day once every record before ``at`` is applied: decide what is
        pending and issue every receipt (``Engine.flush``)."""
        self.close_at = at

    def _restore(self) -> None:
        cp = self.checkpoints.load(self.store.id)
        if cp is not None and cp.engine_version == ENGINE_VERSION:
            self.engine = Engine.restore(cp.engine)
            self.offset, self.closed = cp.offset, cp.closed
            for w, blob in zip(self.watchers, cp.watchers, strict=False):
                w.restore(blob)
            log.info("engine restored", store=self.store.id, offset=cp.offset, closed=cp.closed)
        else:
            if cp is not None:
                log.warning(
                    "checkpoint of another engine version: replaying the whole log",
                    store=self.store.id,
                )
            self.engine = Engine(self.store, self.config)
            self.offset, self.closed = 0, False
        for w in self.watchers:  # operations that feed back into the engine (faulty plates)
            bind = getattr(w, "bind_engine", None)
            if bind is not None:
                bind(self.engine)

    # -- the loop ----------------------------------------------------------------------------

    def _run(self) -> None:
        sid = self.store.id
        last_cp_t, last_cp_off = time.monotonic(), self.offset
        try:
            while not self._stop.is_set():
                if self.closed:
                    self.ready.set()
                    self._stop.wait(0.2)
                    continue
                batch = self.log.read(self.offset, BATCH, timeout=0.2)
                outs: list[AnyOutput] = []
                ops: list[OperationsItem] = []
                for off, rec in batch:
                    if self.close_at is not None and off >= self.close_at:
                        break
                    got = self.engine.apply(rec)
                    outs.extend(got)
                    for w in self.watchers:
                        ops.extend(w.apply(rec, got))
                    self.offset = off + 1
                closing = self.close_at is not None and self.offset >= self.close_at
                if closing:
                    last = self.engine.flush()
                    outs.extend(last)
                    for w in self.watchers:
                        flush = getattr(w, "flush", None)
                        if flush is not None:
                            ops.extend(flush(last))
                if outs or ops:
                    self._persist(outs, ops)
                if closing:
                    self.closed = True  # only now: the day's last receipts are committed
                self._gauges(len(batch))
                if not batch and self.log.end() <= self.offset:
                    if not self.ready.is_set() and self.on_caught_up is not None:
                        self.on_caught_up(self)
                    self.ready.set()
                if closing or (
                    self.offset > last_cp_off
                    and (
                        time.monotonic() - last_cp_t >= self.every_s
                        or self.offset - last_cp_off >= self.every_n
                    )
                ):
                    self._checkpoint()
                    last_cp_t, last_cp_off = time.monotonic(), self.offset
        except BaseException as e:  # the worker must say why it stopped, and readiness must drop
            self.error = e
            self.ready.clear()
            log.exception("engine worker stopped", store=sid)

    def _persist(self, outs: list[AnyOutput], ops: list[OperationsItem]) -> None:
        sid = self.store.id
        with self.bus.uow() as uow:
            new = record_outputs(uow, sid, outs)
            if ops:
                record_operations(uow, sid, ops)
            uow.commit()
        for k, n in new.items():
            if k.startswith("receipt_"):
                self.metrics.receipts.labels(sid, k.removeprefix("receipt_")).inc(n)
        if self.on_depth is not None and any(isinstance(o, ReviewTask) for o in outs):
            self.on_depth(sid)
        self.bus.dispatch_pending()

    def _gauges(self, n: int) -> None:
        sid = self.store.id
        end = self.log.end()
        self.metrics.applied.labels(sid).inc(n)
        self.metrics.engine_offset.labels(sid).set(self.offset)
        self.metrics.log_end.labels(sid).set(end)
        self.metrics.engine_lag.labels(sid).set(max(0, end - self.offset))
        last_t = getattr(self.log, "last_t", None)
        if last_t is not None:
            self.metrics.log_age.labels(sid).set(time.time() - last_t)
            if self.engine.now > -1e300:
                self.metrics.engine_lag_s.labels(sid).set(max(0.0, last_t - self.engine.now))

    def _checkpoint(self) -> None:
        cp = Checkpoint(
            store=self.store.id,
            offset=self.offset,
            engine_version=ENGINE_VERSION,
            engine=self.engine.checkpoint(),
            watchers=tuple(w.checkpoint() for w in self.watchers),
            closed=self.closed,
            written_at=time.time(),
        )
        self.checkpoints.save(cp)
        self.log.processed(self.offset)
        self.metrics.checkpoints.labels(self.store.id).inc()
