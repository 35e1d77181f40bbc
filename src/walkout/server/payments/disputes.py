"""Disputes: a shopper says a line is wrong within the store's window (30 days
by default). What the refund would be is the exact difference of two bills
(with and without the disputed units, taxes re-rounded), so refunds never drift
from the charge. Up to the retailer's limit it is refunded at once; above it,
it waits in the dispute review queue for a reviewer's accept or reject."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from walkout.domain.tax import bill, without
from walkout.server.db.payments import ChargeRow, DisputeRow, RefundRow
from walkout.server.db.visits import ReceiptRow
from walkout.server.payments.bills import thaw
from walkout.server.payments.charges import charge_key
from walkout.server.payments.context import PaymentsContext, detached
from walkout.server.payments.policy import policy_of
from walkout.server.service.uow import UnitOfWork
from walkout.server.webhooks.queue import enqueue


class DisputeRefused(ValueError):
    """The dispute cannot be opened or decided; the message says why."""


def disputed(uow: UnitOfWork, store: str, session: str) -> dict[int, int]:
    out: dict[int, int] = {}
    for d in uow.db.scalars(
        select(DisputeRow).where(
            DisputeRow.store_id == store,
            DisputeRow.session == session,
            DisputeRow.status != "rejected",
        )
    ):
        out[d.line] = out.get(d.line, 0) + d.qty
    return out


def open_dispute(
    ctx: PaymentsContext,
    store: str,
    session: str,
    account: str | None,
    line: int,
    qty: int | None,
    reason: str | None,
) -> DisputeRow:
    now = ctx.now()
    with ctx.uow() as uow:
        charge = uow.db.get(ChargeRow, charge_key(store, session), with_for_update=True)
        if charge is None:
            raise DisputeRefused("this receipt is not final yet; nothing was charged")
        if charge.status != "succeeded":
            raise DisputeRefused(
                f"this receipt's payment is {charge.status}; only a paid receipt is disputed"
            )
        rec = uow.get(ReceiptRow, store, session)
        pol = policy_of(uow, store, ctx.settings)
        age_days = (now - rec.t_exit) / 86400
        if age_days > pol.dispute_window_days:
            raise DisputeRefused(
                f"disputes are taken within {pol.dispute_window_days} days of the visit; "
                f"this one was {age_days:.0f} days ago"
            )
        lines, included = thaw(charge.bill)
        if not 0 <= line < len(lines):
            raise DisputeRefused(
                f"the receipt has lines 0 to {len(lines) - 1}; there is no line {line}"
            )
        before = disputed(uow, store, session)
        left = lines[line].qty - before.get(line, 0)
        qty = left if qty is None else qty
        if left <= 0 or not 1 <= qty <= left:
            raise DisputeRefused(
                f"line {line} has {lines[line].qty} unit(s), {before.get(line, 0)} already disputed; "
                f"{left} can be disputed"
            )
        after = dict(before)
        after[line] = after.get(line, 0) + qty
        amount = (
            bill(without(lines, before), included).total
            - bill(without(lines, after), included).total
        )
        auto = amount <= pol.dispute_auto_refund_max
        d = DisputeRow(
            id="d_" + secrets.token_hex(8),
            store_id=store,
            session=session,
            account_id=account,
            line=line,
            sku=lines[line].sku,
            qty=qty,
            amount=amount,
            reason=reason,
            status="refunding" if auto else "review",
            route="auto" if auto else "review",
            t=now,
        )
        uow.db.add(d)
        if auto:
            _refund(uow, d, charge)
        _event(uow, ctx, d)
        uow.commit()
        detached(uow, d)
    ctx.poke()
    return d


def decide(
    ctx: PaymentsContext, store: str, dispute: str, who: str, accept: bool, note: str | None
) -> DisputeRow:
    with ctx.uow() as uow:
        d = uow.db.get(DisputeRow, dispute, with_for_update=True)
        if d is None or d.store_id != store:
            raise KeyError(dispute)
        if d.status != "review":
            raise DisputeRefused(f"dispute {dispute} is {d.status}; only one in review is decided")
        d.decided_by, d.note, d.decided_at = who, note, ctx.now()
        if accept:
            d.status = "refunding"
            _refund(uow, d, uow.get(ChargeRow, charge_key(store, d.session)))
        else:
            d.status = "rejected"
        _event(uow, ctx, d)
        uow.commit()
        detached(uow, d)
    ctx.poke()
    return d


def _refund(uow: UnitOfWork, d: DisputeRow, charge: ChargeRow) -> None:
    if d.amount <= 0:  # e.g. a free line: nothing to give back
        d.status = "refunded"
        return
    uow.db.add(
        RefundRow(
            key=f"refund:{d.id}",
            store_id=d.store_id,
            charge_key=charge.key,
            dispute_id=d.id,
            amount=d.amount,
            currency=charge.currency,
            status="pending",
        )
    )


def _event(uow: UnitOfWork, ctx: PaymentsContext, d: DisputeRow) -> None:
    from walkout.server.payments.views import dispute_views

    uow.db.flush()
    view = next(v for v in dispute_views(uow, ctx.stores[d.store_id], d.session) if v.id == d.id)
    enqueue(
        uow,
        d.store_id,
        "dispute.updated",
        f"dispute:{d.id}:{d.status}",
        {"session": d.session, "account": d.account_id, "dispute": view.model_dump()},
        ctx.now(),
        d.account_id,
    )
