"""Staff tasks and alerts: raised by operations (idempotent by id), listed,
claimed and closed by staff."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from walkout.server.db.queues import AlertRow, StaffTaskRow
from walkout.server.service.events import AlertRaised, StaffTaskRaised
from walkout.server.service.uow import UnitOfWork
from walkout.server.worker.operations import AlertIn, OperationsItem, StaffTaskIn

QUEUES = {"tasks": StaffTaskRow, "alerts": AlertRow}


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
            uow.db.add(
                AlertRow(
                    store_id=store,
                    id=it.id,
                    kind=it.kind,
                    severity=it.severity,
                    message=it.message,
                    t=it.t,
                    data=it.data,
                )
            )
            uow.db.flush()
            uow.emit(AlertRaised(store=store, alert=it.id, kind=it.kind, severity=it.severity))
            new += 1
    return new


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
