"""The ingestion service shared by MQTT and HTTP: validate, dead-letter the bad,
append the good to the store's durable log, count both."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from walkout.eventlog.records import AnyRecord, StaffInput
from walkout.server.db.system import DeadLetterRow
from walkout.server.ingest.port import Appended, DurableLog
from walkout.server.ingest.validate import Rejected, check_record
from walkout.server.logs import log
from walkout.server.metrics import Metrics

MAX_PAYLOAD = 4 << 20


@dataclass
class Refusal:
    index: int
    reason: str


@dataclass
class Submitted:
    """What happened to a batch; ``appended`` resolves once the good records are durable."""

    appended: Future[Appended] | None
    accepted: int
    refused: list[Refusal] = field(default_factory=list)


class Ingestor:
    def __init__(
        self,
        logs: Mapping[str, DurableLog],
        session_factory: Callable[[], Session],
        metrics: Metrics,
        clock: Callable[[], float] = time.time,
    ):
        self.logs = logs
        self.session_factory = session_factory
        self.metrics = metrics
        self.clock = clock

    def submit(
        self,
        store: str,
        objs: list[Any],
        source: str,
        where: str,
        kind: str | None = None,
        device: str | None = None,
        raw: list[bytes] | None = None,
    ) -> Submitted:
        """Validate and log a batch of plain objects (parsed JSON)."""
        dlog = self.logs.get(store)
        if dlog is None:
            reason = f"unknown store {store!r}; this server runs {', '.join(sorted(self.logs)) or 'none'}"
            self.dead_letter(None, source, where, reason, raw[0] if raw else _dump(objs))
            return Submitted(None, 0, [Refusal(i, reason) for i in range(len(objs))])
        now = self.clock()
        good: list[AnyRecord] = []
        refused: list[Refusal] = []
        for i, obj in enumerate(objs):
            try:
                good.append(check_record(obj, now, kind, device))
            except Rejected as e:
                refused.append(Refusal(i, str(e)))
                payload = raw[i] if raw is not None else _dump(obj)
                self.dead_letter(
                    store, source, f"{where}[{i}]" if len(objs) > 1 else where, str(e), payload
                )
        kinds = Counter(r.kind for r in good)  # one labelled counter per kind, not per record
        for k, n in kinds.items():
            self.metrics.records_in.labels(store, k, source).inc(n)
        return Submitted(dlog.append(good) if good else None, len(good), refused)

    def append_staff(self, store: str, rec: StaffInput) -> Future[Appended]:
        """A staff input the server made itself (an ID verified, a policy changed):
        straight into the store's log, stamped with its arrival; durable when the
        future resolves. Devices can never send these (``check_record`` refuses them)."""
        dlog = self.logs.get(store)
        if dlog is None:
            raise KeyError(store)
        if rec.rx is None:
            rec = rec.model_copy(update={"rx": round(self.clock(), 6)})
        self.metrics.records_in.labels(store, rec.kind, "staff").inc()
        return dlog.append([rec])

    def submit_one(
        self,
        store: str,
        obj: Any,
        source: str,
        where: str,
        kind: str,
        device: str,
        raw: bytes,
        done: Callable[[Appended | BaseException | None], None],
    ) -> None:
        """One MQTT message: validated, then ``done`` once durable; ``done(None)`` at
        once when refused (it is a dead letter then, so the device must not resend)."""
        dlog = self.logs.get(store)
        if dlog is None:
            self.submit(store, [obj], source, where, raw=[raw])  # the unknown store's dead letter
            done(None)
            return
        try:
            rec = check_record(obj, self.clock(), kind, device)
        except Rejected as e:
            self.dead_letter(store, source, where, str(e), raw)
            done(None)
            return
        self.metrics.records_in.labels(store, rec.kind, source).inc()
        dlog.append_then([rec], done)

    def dead_letter(
        self, store: str | None, source: str, where: str, reason: str, payload: bytes
    ) -> None:
        """Keep what was refused, with why: never silently dropped."""
        why = reason.split(":", 1)[0][:60]
        self.metrics.rejects.labels(store or "?", source, why).inc()
        log.warning("record refused", store=store, source=source, where=where, reason=reason)
        with self.session_factory() as db:
            db.add(
                DeadLetterRow(
                    received_at=datetime.fromtimestamp(self.clock(), UTC),
                    store_id=store,
                    source=source,
                    where=where[:512],
                    reason=reason,
                    payload=payload[:MAX_PAYLOAD],
                )
            )
            db.commit()


def _dump(obj: Any) -> bytes:
    import orjson

    try:
        return orjson.dumps(obj)
    except TypeError:
        return repr(obj).encode()
