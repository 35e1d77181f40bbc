"""Prices at a moment: the store file's prices, overridden by admins' changes
from their ``valid_from`` on. A receipt is priced at its exit time, so a replay
prices it exactly as the first run did."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from walkout.server.db.stores import PriceRow


def prices_at(db: Session, store: str, t: float, skus: set[str] | None = None) -> dict[str, int]:
    q = select(PriceRow).where(PriceRow.store_id == store, PriceRow.valid_from <= t)
    if skus is not None:
        q = q.where(PriceRow.sku.in_(sorted(skus)))
    out: dict[str, tuple[float, int, int]] = {}
    for row in db.scalars(q):
        best = out.get(row.sku)
        if best is None or (row.valid_from, row.id) > (best[0], best[1]):
            out[row.sku] = (row.valid_from, row.id, row.price)
    return {sku: v[2] for sku, v in out.items()}
