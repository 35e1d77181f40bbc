"""Review: a reviewer claims a task (a lease, so two reviewers never work one
task), reads its evidence, and decides. The decision finalizes the receipt at
once and is kept, with the evidence, as a labelled example for the engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, delete, func, or_, select, update

from walkout.server.db.queues import ReviewDecisionRow, ReviewTaskRow
from walkout.server.db.stores import ProductRow
from walkout.server.db.visits import ReceiptLineRow, ReceiptRow
from walkout.server.service.events import ReceiptFinalized
from walkout.server.service.outputs import account_of, receipt_lines
from walkout.server.service.pricing import prices_at
from walkout.server.service.queues import QueueConflict
from walkout.server.service.uow import UnitOfWork


class DecidedLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str
    qty: int = Field(ge=1, le=1000)


class EventLabel(BaseModel):
    """What really happened at one shelf event: the items and who took them."""

    model_config = ConfigDict(extra="forbid")
    items: list[tuple[str, int]] = Field(default_factory=list)
    session: str | None = None


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[DecidedLine] = Field(description="what the shopper took: the receipt to charge")
    events: dict[str, EventLabel] = Field(
        default_factory=dict, description="optional per-event labels"
    )
    note: str | None = Field(default=None, max_length=2000)


def _free(now: datetime, who: str) -> Any:
    return or_(
        ReviewTaskRow.claimed_by.is_(None),
        ReviewTaskRow.lease_until < now,
        ReviewTaskRow.claimed_by == who,
    )


def claim(
    uow: UnitOfWork, store: str, task: str, who: str, lease_s: float, now: datetime
) -> ReviewTaskRow:
    """Take (or renew) a task; refused while another reviewer's lease runs."""
    res = uow.db.execute(
        update(ReviewTaskRow)
        .where(
            ReviewTaskRow.store_id == store,
            ReviewTaskRow.id == task,
            ReviewTaskRow.status == "open",
            _free(now, who),
        )
        .values(claimed_by=who, lease_until=now + timedelta(seconds=lease_s))
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        row = uow.get(ReviewTaskRow, store, task)
        if row is None:
            raise KeyError(task)
        raise QueueConflict(
            f"task {task} is "
            + ("decided" if row.status != "open" else f"claimed by {row.claimed_by}")
        )
    uow.commit()
    row = uow.get(ReviewTaskRow, store, task)
    uow.db.refresh(row)
    return row  # type: ignore[no-any-return]


def claim_next(
    uow: UnitOfWork, store: str, who: str, lease_s: float, now: datetime
) -> ReviewTaskRow | None:
    """The oldest task nobody holds; None when the queue is empty."""
    for _ in range(5):  # another reviewer may take it between the look and the claim
        tid = uow.db.scalars(
            select(ReviewTaskRow.id)
            .where(ReviewTaskRow.store_id == store, ReviewTaskRow.status == "open", _free(now, who))
            .order_by(ReviewTaskRow.t, ReviewTaskRow.id)
            .limit(1)
        ).first()
        if tid is None:
            return None
        try:
            return claim(uow, store, tid, who, lease_s, now)
        except QueueConflict:
            continue
    return None


def decide(
    uow: UnitOfWork, store: str, task: str, who: str, d: Decision, now: datetime
) -> ReceiptRow | None:
    row = uow.get(ReviewTaskRow, store, task)
    if row is None:
        raise KeyError(task)
    if row.status != "open":
        raise QueueConflict(f"task {task} is already decided")
    lease = (
        row.lease_until.replace(tzinfo=UTC)
        if row.lease_until and not row.lease_until.tzinfo
        else row.lease_until
    )
    if row.claimed_by != who or lease is None or lease < now:
        raise QueueConflict(f"claim task {task} first (it is held by {row.claimed_by or 'nobody'})")
    known = set(uow.db.scalars(select(ProductRow.sku).where(ProductRow.store_id == store)))
    unknown = sorted({ln.sku for ln in d.lines} - known)
    if unknown:
        raise ValueError(f"unknown product(s) {', '.join(unknown)} in store {store}")
    rec = uow.get(ReceiptRow, store, row.session) if row.session else None
    engine_lines = [
        {"sku": ln.sku, "qty": ln.qty, "p": ln.p, "review": ln.review}
        for ln in (receipt_lines(uow, store, row.session) if rec else [])
    ]
    uow.db.add(
        ReviewDecisionRow(
            store_id=store,
            task_id=task,
            session=row.session,
            reviewer=who,
            lines=[ln.model_dump() for ln in d.lines],
            events={k: v.model_dump() for k, v in d.events.items()},
            evidence=row.evidence,
            engine_lines=engine_lines,
            note=d.note,
        )
    )
    row.status, row.lease_until = "decided", None
    if rec is not None and rec.status != "final":
        _finalize(uow, store, rec, d, who, now, engine_lines)
    uow.commit()
    return rec


def _finalize(
    uow: UnitOfWork,
    store: str,
    rec: ReceiptRow,
    d: Decision,
    who: str,
    now: datetime,
    engine_lines: list[dict[str, Any]],
) -> None:
    old = {ln.sku: ln for ln in receipt_lines(uow, store, rec.session)}
    prices = prices_at(uow.db, store, rec.t_exit, {ln.sku for ln in d.lines})
    uow.db.execute(
        delete(ReceiptLineRow).where(
            ReceiptLineRow.store_id == store, ReceiptLineRow.session == rec.session
        )
    )
    merged: dict[str, int] = {}
    for ln in d.lines:
        merged[ln.sku] = merged.get(ln.sku, 0) + ln.qty
    lines = [
        ReceiptLineRow(
            store_id=store,
            session=rec.session,
            n=i,
            sku=sku,
            qty=q,
            unit_price=prices.get(sku, old[sku].unit_price if sku in old else 0),
            p=1.0,
            review=False,
            events=list(old[sku].events) if sku in old else [],
        )
        for i, (sku, q) in enumerate(merged.items())
    ]
    uow.db.add_all(lines)
    rec.status, rec.t_final, rec.decided_by = "final", now.timestamp(), who
    rec.total = sum(ln.qty * ln.unit_price for ln in lines)
    uow.db.flush()
    uow.emit(
        ReceiptFinalized(
            store=store,
            session=rec.session,
            token=rec.token,
            account=account_of(uow, rec.token),
            total=rec.total,
            currency=rec.currency,
            lines=[{"sku": ln.sku, "qty": ln.qty, "unit_price": ln.unit_price} for ln in lines],
            by="review",
        )
    )


def open_count(uow: UnitOfWork, store: str) -> int:
    return int(
        uow.db.scalar(
            select(func.count())
            .select_from(ReviewTaskRow)
            .where(and_(ReviewTaskRow.store_id == store, ReviewTaskRow.status == "open"))
        )
        or 0
    )
