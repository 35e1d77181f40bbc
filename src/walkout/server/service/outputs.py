"""Engine outputs into rows and domain events, idempotently: every key is the
engine's own deterministic id, so replaying the log after a crash finds the
rows already there and raises no event twice (never a second charge)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from walkout.fusion.outputs import AnyOutput, Receipt, ReviewTask, Session, ShelfEvent
from walkout.server.db.queues import ReviewTaskRow
from walkout.server.db.visits import (
    CredentialRow,
    ReceiptLineRow,
    ReceiptRow,
    SessionRow,
    ShelfEventRow,
)
from walkout.server.service.events import (
    ReceiptFinalized,
    ReceiptIssued,
    ReviewTaskCreated,
    SessionClosed,
    SessionOpened,
)
from walkout.server.service.pricing import prices_at
from walkout.server.service.uow import UnitOfWork


def record_outputs(uow: UnitOfWork, store: str, outputs: Sequence[AnyOutput]) -> dict[str, int]:
    """Persist a batch of outputs (the caller commits). Returns counts of new rows by kind."""
    new: dict[str, int] = {}
    for o in outputs:
        fresh = False
        if isinstance(o, Session):
            fresh = _session(uow, store, o)
        elif isinstance(o, ShelfEvent):
            fresh = _shelf_event(uow, store, o)
        elif isinstance(o, Receipt):
            fresh = _receipt(uow, store, o)
        elif isinstance(o, ReviewTask):
            fresh = _review(uow, store, o)
        if fresh:
            key = o.kind if not isinstance(o, Receipt) else f"receipt_{o.status}"
            new[key] = new.get(key, 0) + 1
    return new


def account_of(uow: UnitOfWork, token: str | None) -> str | None:
    if token is None:
        return None
    row = uow.get(CredentialRow, token)
    return row.account_id if row else None


def _session(uow: UnitOfWork, store: str, s: Session) -> bool:
    row = uow.get(SessionRow, store, s.id)
    if row is None:
        uow.db.add(
            SessionRow(
                store_id=store,
                id=s.id,
                token=s.token,
                credential=s.credential,
                admits=s.admits,
                tracks=list(s.tracks),
                t_enter=s.t_enter,
                t_exit=s.t_exit,
                staff=s.staff,
                status=s.status,
            )
        )
        uow.db.flush()
        uow.emit(SessionOpened(store=store, session=s.id, token=s.token, t_enter=s.t_enter))
        fresh = True
    else:
        fresh = False
    if s.status == "closed" and (row is None or row.status != "closed"):
        row = row or uow.get(SessionRow, store, s.id)
        row.status, row.t_exit, row.tracks = "closed", s.t_exit, list(s.tracks)
        uow.emit(SessionClosed(store=store, session=s.id, t_exit=s.t_exit))
        fresh = True
    return fresh


def _shelf_event(uow: UnitOfWork, store: str, e: ShelfEvent) -> bool:
    if uow.get(ShelfEventRow, store, e.id) is not None:
        return False
    uow.db.add(
        ShelfEventRow(
            store_id=store,
            id=e.id,
            session=e.session,
            t_decided=e.t_decided,
            data=e.model_dump(mode="json"),
        )
    )
    return True


def _receipt(uow: UnitOfWork, store: str, r: Receipt) -> bool:
    if uow.get(ReceiptRow, store, r.session) is not None:
        return False  # issued before (a replay), perhaps decided by a reviewer since
    prices = prices_at(uow.db, store, r.t_exit, {ln.sku for ln in r.lines})
    lines = [
        ReceiptLineRow(
            store_id=store,
            session=r.session,
            n=i,
            sku=ln.sku,
            qty=ln.qty,
            unit_price=prices.get(ln.sku, ln.unit_price),
            p=ln.p,
            review=ln.review,
            events=list(ln.events),
        )
        for i, ln in enumerate(r.lines)
    ]
    total = sum(ln.qty * ln.unit_price for ln in lines)
    uow.db.add(
        ReceiptRow(
            store_id=store,
            session=r.session,
            token=r.token,
            status=r.status,
            t_exit=r.t_exit,
            t_final=r.t_final,
            total=total,
            currency=r.currency,
            engine=r.model_dump(mode="json"),
        )
    )
    uow.db.add_all(lines)
    uow.db.flush()
    uow.emit(
        ReceiptIssued(
            store=store, session=r.session, status=r.status, total=total, currency=r.currency
        )
    )
    if r.status == "final":
        uow.emit(
            ReceiptFinalized(
                store=store,
                session=r.session,
                token=r.token,
                account=account_of(uow, r.token),
                total=total,
                currency=r.currency,
                lines=[_line(ln) for ln in lines],
                by="engine",
            )
        )
    return True


def _line(ln: ReceiptLineRow) -> dict[str, object]:
    return {"sku": ln.sku, "qty": ln.qty, "unit_price": ln.unit_price}


def _review(uow: UnitOfWork, store: str, t: ReviewTask) -> bool:
    if uow.get(ReviewTaskRow, store, t.id) is not None:
        return False
    uow.db.add(
        ReviewTaskRow(
            store_id=store,
            id=t.id,
            session=t.session,
            t=t.t,
            reason=t.reason,
            events=list(t.events),
            evidence=t.model_dump(mode="json")["evidence"],
        )
    )
    uow.db.flush()
    uow.emit(ReviewTaskCreated(store=store, task=t.id, session=t.session, reason=t.reason))
    return True


def receipt_lines(uow: UnitOfWork, store: str, session: str) -> list[ReceiptLineRow]:
    return list(
        uow.db.scalars(
            select(ReceiptLineRow)
            .where(ReceiptLineRow.store_id == store, ReceiptLineRow.session == session)
            .order_by(ReceiptLineRow.n)
        )
    )
