"""A receipt's bill (lines, taxes by the store's rules, total) as frozen on its
charge, and the itemized receipt shoppers see, money formatted for the store."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from walkout.domain.money import format_money
from walkout.domain.store import Store
from walkout.domain.tax import Bill, TaxableLine, bill
from walkout.server.db.stores import ProductRow
from walkout.server.service.uow import UnitOfWork


def bill_lines(
    uow: UnitOfWork, store: Store, lines: Sequence[dict[str, Any]]
) -> tuple[list[TaxableLine], dict[str, str]]:
    """Taxable lines (each product's category's rate, now) and the products' names."""
    skus = sorted({str(ln["sku"]) for ln in lines})
    rows = {
        r.sku: r
        for r in uow.db.scalars(
            select(ProductRow).where(ProductRow.store_id == store.id, ProductRow.sku.in_(skus))
        )
    }
    out = []
    for ln in lines:
        row = rows.get(str(ln["sku"]))
        category = row.category if row else "general"
        out.append(
            TaxableLine.of(
                str(ln["sku"]), int(ln["qty"]), int(ln["unit_price"]), category, store.tax
            )
        )
    return out, {sku: r.name for sku, r in rows.items()}


def freeze(b: Bill, names: dict[str, str]) -> dict[str, Any]:
    """The bill as JSON (rates as exact strings), kept on the charge."""
    return {
        "included": b.included,
        "lines": [
            {
                "sku": ln.sku,
                "name": names.get(ln.sku, ln.sku),
                "qty": ln.qty,
                "unit_price": ln.unit_price,
                "amount": ln.amount,
                "rate": str(ln.rate),
                "tax": ln.tax,
            }
            for ln in b.lines
        ],
        "rates": [{"rate": str(r.rate), "base": r.base, "tax": r.tax} for r in b.rates],
        "subtotal": b.subtotal,
        "tax": b.tax,
        "total": b.total,
    }


def thaw(frozen: dict[str, Any]) -> tuple[list[TaxableLine], bool]:
    lines = [
        TaxableLine(ln["sku"], ln["qty"], ln["unit_price"], Decimal(ln["rate"]))
        for ln in frozen["lines"]
    ]
    return lines, bool(frozen["included"])


def rebill(frozen: dict[str, Any]) -> Bill:
    lines, included = thaw(frozen)
    return bill(lines, included)


# -- the itemized receipt -----------------------------------------------------------------------


class MoneyText(BaseModel):
    minor: int
    text: str


class ItemLine(BaseModel):
    n: int
    sku: str
    name: str
    qty: int
    unit_price: MoneyText
    amount: MoneyText
    tax_rate: str
    tax: MoneyText
    disputed_qty: int = 0


class TaxLine(BaseModel):
    rate: str
    base: MoneyText
    tax: MoneyText


class Payment(BaseModel):
    status: str
    amount: MoneyText | None = None
    refunded: MoneyText | None = None
    error: str | None = None


class DisputeView(BaseModel):
    id: str
    line: int
    sku: str
    qty: int
    amount: MoneyText
    status: str
    route: str
    note: str | None = None


class ItemizedReceipt(BaseModel):
    store: str
    session: str
    status: str  # final | review
    t_exit: float
    currency: str
    locale: str
    tax_included: bool
    lines: list[ItemLine]
    taxes: list[TaxLine]
    subtotal: MoneyText
    tax: MoneyText
    total: MoneyText
    payment: Payment
    disputes: list[DisputeView] = []


def money(minor: int, store: Store) -> MoneyText:
    return MoneyText(minor=minor, text=format_money(minor, store.currency, store.locale))


def itemize(
    store: Store,
    session: str,
    status: str,
    t_exit: float,
    frozen: dict[str, Any],
    payment: Payment,
    disputes: list[DisputeView],
) -> ItemizedReceipt:
    disputed: dict[int, int] = {}
    for d in disputes:
        if d.status != "rejected":
            disputed[d.line] = disputed.get(d.line, 0) + d.qty
    return ItemizedReceipt(
        store=store.id,
        session=session,
        status=status,
        t_exit=t_exit,
        currency=store.currency,
        locale=store.locale,
        tax_included=frozen["included"],
        lines=[
            ItemLine(
                n=i,
                sku=ln["sku"],
                name=ln["name"],
                qty=ln["qty"],
                unit_price=money(ln["unit_price"], store),
                amount=money(ln["amount"], store),
                tax_rate=ln["rate"],
                tax=money(ln["tax"], store),
                disputed_qty=disputed.get(i, 0),
            )
            for i, ln in enumerate(frozen["lines"])
        ],
        taxes=[
            TaxLine(rate=r["rate"], base=money(r["base"], store), tax=money(r["tax"], store))
            for r in frozen["rates"]
        ],
        subtotal=money(frozen["subtotal"], store),
        tax=money(frozen["tax"], store),
        total=money(frozen["total"], store),
        payment=payment,
        disputes=disputes,
    )
