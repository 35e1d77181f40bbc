"""Staff tasks and alerts: raised by operations (idempotent by id), listed,
claimed and closed by staff. What the sensors see resolve itself arrives as an
info alert of its own naming the item (``closes_task``, ``clears_alert``): it
closes that item (unless staff already did) and is stored closed itself, a
record rather than work, so the open queues hold only open work."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from walkout.server.db.queues import AlertRow, StaffTaskRow
from walkout.server.service.events import AlertRaised, StaffTaskRaised
from walkout.server.service.uow import UnitOfWork
from walkout.server.worker.operations import AlertIn, OperationsItem, StaffTaskIn

QUEUES = {"tasks": StaffTaskRow, "alerts": AlertRow}
RESOLUTION = "resolution (sensors)"  # the note of a stored resolution record


def record_operations(uow: UnitOfWork, store: str, items: list[OperationsItem]) -> int:
    new = 0
    for it in items:
        if isinstance(it, StaffTaskIn):
            if uow.get(StaffTaskRow, store, it.id) is None:
                uow.db.add(
                    StaffTaskRow(
                        store_id=store, id=it.id, kind=it.kind, title=it.title, t=it.t, data=it.data
                    )
                )
                uow.db.flush()
                uow.emit(StaffTaskRaised(store=store, task=it.id, kind=it.kind))
                new += 1
        elif isinstance(it, AlertIn) and uow.get(AlertRow, store, it.id) is None:
            row = AlertRow(
                store_id=store,
                id=it.id,
                kind=it.kind,
                severity=it.severity,
                message=it.message,
                t=it.t,
                data=it.data,
            )
            uow.db.add(row)
            if it.closes_task or it.clears_alert:
                _resolve(uow, store, it)
                row.status, row.closed_at = "closed", datetime.now(UTC)
                row.note = RESOLUTION
            uow.db.flush()
            uow.emit(AlertRaised(store=store, alert=it.id, kind=it.kind, severity=it.severity))
            new += 1
    return new


def _resolve(uow: UnitOfWork, store: str, it: AlertIn) -> None:
    """Close the task or alert the sensors saw resolved (left alone if staff closed it)."""
    for row_t, item in ((StaffTaskRow, it.closes_task), (AlertRow, it.clears_alert)):
        if item is None:
            continue
        row = uow.get(row_t, store, item)
        if row is not None and row.status != "closed":
            row.status, row.closed_at = "closed", datetime.now(UTC)
            row.note = f"{it.message} ({it.id})"


class QueueConflict(ValueError):
    pass


def claim(uow: UnitOfWork, queue: str, store: str, item: str, who: str) -> None:
    """Take an open item; refused when someone else holds it or it is closed."""
    row_t = QUEUES[queue]
    res = uow.db.execute(
        update(row_t)
        .where(row_t.store_id == store, row_t.id == item, row_t.status == "open")
        .values(status="claimed", claimed_by=who)
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        row = uow.get(row_t, store, item)
        if row is None:
            raise KeyError(item)
        if row.claimed_by != who or row.status == "closed":
            raise QueueConflict(
                f"{item} is {row.status}" + (f" by {row.claimed_by}" if row.claimed_by else "")
            )
    uow.commit()


def close(uow: UnitOfWork, queue: str, store: str, item: str, who: str, note: str | None) -> None:
    """Close an item; it must be open or claimed by the one closing it."""
    row_t = QUEUES[queue]
    row = uow.get(row_t, store, item)
    if row is None:
        raise KeyError(item)
    if row.status == "closed" or (row.status == "claimed" and row.claimed_by != who):
        raise QueueConflict(
            f"{item} is {row.status}" + (f" by {row.claimed_by}" if row.claimed_by else "")
        )
    row.status, row.claimed_by, row.note, row.closed_at = "closed", who, note, datetime.now(UTC)
    uow.commit()
