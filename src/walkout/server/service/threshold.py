"""The store's review threshold, live (issue 7).

A change in the store settings is committed to the settings row, then appended
to the store's durable log as a ``review_threshold`` record: the engine worker
applies it at its place in the log, like any record, so it takes effect at
once in the running engine, travels in its checkpoints, and a replay of the log
from scratch changes the threshold at the same point. The log is the source of
truth; the row is what the settings page shows. When a worker has caught up
and finds the row holding another threshold than its engine (a log that
predates the change, a change made while no worker ran), it appends the row's
value, so the two agree again."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy.orm import Session

from walkout.eventlog.records import ReviewThresholdSet
from walkout.server.db.settings import StoreSettingsRow
from walkout.server.ingest.service import Ingestor
from walkout.server.logs import log

LOG_WAIT_S = 10.0
#: held from reading or committing the row until the record is appended, so a worker
#: catching up never appends a value the API has just replaced
LOCK = threading.Lock()


def threshold_record(threshold: float, who: str, now: float) -> ReviewThresholdSet:
    return ReviewThresholdSet(
        device=f"settings:{who}", t=round(now, 6), threshold=threshold, by=who
    )


def log_threshold(ingestor: Ingestor, store: str, threshold: float, who: str, now: float) -> int:
    """A threshold change for the store's engine, at its place in the log; its offset."""
    rec = threshold_record(threshold, who, now)
    return ingestor.append_staff(store, rec).result(timeout=LOG_WAIT_S).first


def reconcile(
    ingestor: Ingestor,
    session_factory: Callable[[], Session],
    store: str,
    current: float,
    now: float,
) -> float | None:
    """The row's threshold appended to the log if the engine (caught up, at
    ``current``) has another one; the value appended, or None. Runs in the worker's
    thread: it does not wait for the append (the engine reads it in its next batch)."""
    with LOCK:
        with session_factory() as db:
            row = db.get(StoreSettingsRow, store)
            want = None if row is None else row.review_threshold
            who = (row.updated_by if row is not None else None) or "server"
        if want is None or want == current:
            return None
        ingestor.append_staff(store, threshold_record(want, who, now))
    log.info("review threshold from the settings into the log", store=store, was=current, now=want)
    return want
