"""Privacy: raw sensor data (durable log segments, dead letters) is purged once
older than the retention period (7 days by default). Purging never reaches
records the engine has not checkpointed past. The clock is injected so tests
can move time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete

from walkout.server.db.system import DeadLetterRow
from walkout.server.logs import log

if TYPE_CHECKING:
    from walkout.server.bootstrap import Server

PERIOD_S = 3600.0


class Retention:
    def __init__(self, server: Server):
        self.server = server
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def purge_now(self) -> dict[str, int]:
        srv = self.server
        now = srv.clock()
        keep_s = srv.settings.retention_days * 86400
        out = {"log_records": 0, "dead_letters": 0}
        for sid, dlog in list(srv.logs.items()):
            cp = srv.checkpoints.load(sid)
            keep_from = cp.offset if cp is not None else 0
            out["log_records"] += dlog.purge(now, keep_s, keep_from)
        cutoff = datetime.fromtimestamp(now, UTC) - timedelta(seconds=keep_s)
        with srv.session_factory() as db:
            res = db.execute(delete(DeadLetterRow).where(DeadLetterRow.received_at < cutoff))
            db.commit()
            out["dead_letters"] = int(res.rowcount or 0)  # type: ignore[attr-defined]
        for k, n in out.items():
            if n:
                srv.metrics.purged.labels(k).inc(n)
        if any(out.values()):
            log.info("retention purge", **out)
        return out

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(PERIOD_S):
            try:
                self.purge_now()
            except Exception:  # next hour it tries again; say why
                log.exception("retention purge failed")

    def stop(self) -> None:
        self._stop.set()
