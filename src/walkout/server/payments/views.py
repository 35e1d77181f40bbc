"""What shoppers and webhooks see of a receipt: itemized, taxed, formatted,
with its payment, refunds and disputes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from walkout.domain.store import Store
from walkout.domain.tax import bill
from walkout.server.db.payments import ChargeRow, DisputeRow, RefundRow
from walkout.server.db.visits import ReceiptRow
from walkout.server.payments.bills import (
    DisputeView,
    ItemizedReceipt,
    Payment,
    bill_lines,
    freeze,
    itemize,
    money,
)
from walkout.server.service.outputs import receipt_lines
from walkout.server.service.uow import UnitOfWork

SHOWN_STATUS = {
    "calling": "pending",
    "declined": "unpaid",
    "no_account": "no account",
    "held": "waiting for an ID check",
}


def refunded(uow: UnitOfWork, key: str) -> int:
    return int(
        uow.db.scalar(
            select(func.coalesce(func.sum(RefundRow.amount), 0)).where(
                RefundRow.charge_key == key, RefundRow.status == "succeeded"
            )
        )
        or 0
    )


def payment_view(uow: UnitOfWork, store: Store, row: ChargeRow | None) -> Payment:
    if row is None:
        return Payment(status="awaiting review")
    back = refunded(uow, row.key)
    return Payment(
        status=SHOWN_STATUS.get(row.status, row.status),
        amount=money(row.amount, store),
        refunded=money(back, store) if back else None,
        error=row.error,
    )


def dispute_views(uow: UnitOfWork, store: Store, session: str) -> list[DisputeView]:
    rows = uow.db.scalars(
        select(DisputeRow)
        .where(DisputeRow.store_id == store.id, DisputeRow.session == session)
        .order_by(DisputeRow.t, DisputeRow.id)
    )
    return [
        DisputeView(
            id=d.id,
            line=d.line,
            sku=d.sku,
            qty=d.qty,
            amount=money(d.amount, store),
            status=d.status,
            route=d.route,
            note=d.note,
        )
        for d in rows
    ]


def itemized(uow: UnitOfWork, store: Store, rec: ReceiptRow) -> ItemizedReceipt:
    """The bill frozen on the charge once final; while in review, the lines as they stand."""
    from walkout.server.payments.charges import charge_key

    row = uow.get(ChargeRow, charge_key(store.id, rec.session))
    if row is not None:
        frozen = row.bill
    else:
        lines = [
            {"sku": ln.sku, "qty": ln.qty, "unit_price": ln.unit_price}
            for ln in receipt_lines(uow, store.id, rec.session)
        ]
        taxable, names = bill_lines(uow, store, lines)
        frozen = freeze(bill(taxable, store.tax.included), names)
    return itemize(
        store,
        rec.session,
        rec.status,
        rec.t_exit,
        frozen,
        payment_view(uow, store, row),
        dispute_views(uow, store, rec.session),
    )


def receipt_payload(uow: UnitOfWork, store: Store, row: ChargeRow, by: str) -> dict[str, Any]:
    rec = uow.get(ReceiptRow, store.id, row.session)
    view = itemize(
        store,
        row.session,
        "final",
        rec.t_exit if rec else 0.0,
        row.bill,
        payment_view(uow, store, row),
        [],
    )
    return {"account": row.account_id, "decided_by": by, "receipt": view.model_dump(mode="json")}
