"""Stock on the shelves for the floor plan, from what the server stores: the
planogram's opening stock minus the units the engine's shelf events took
(plus those put back). One function, so the operations inventory (issue 5,
``walkout.operations``) can replace it without touching the pages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from walkout.domain.store import Store
from walkout.server.db.visits import ShelfEventRow
from walkout.web.layouts import layout_of


@dataclass(frozen=True)
class FacingStock:
    sku: str
    plates: tuple[str, ...]
    fixture: str
    capacity: int
    units: int

    @property
    def fraction(self) -> float:
        return max(0.0, min(1.0, self.units / self.capacity)) if self.capacity else 0.0


def stock_by_facing(db: Session, st: Store) -> list[FacingStock]:
    """Each facing's units now, by the engine's top hypothesis of every shelf event
    on its plates (staff restocking is not seen by the engine: issue 5 models it)."""
    facing_of: dict[tuple[str, str], int] = {}
    for i, f in enumerate(st.planogram):
        for pid in f.plates:
            facing_of[(pid, f.product)] = i
    taken = [0] * len(st.planogram)
    rows = db.scalars(select(ShelfEventRow.data).where(ShelfEventRow.store_id == st.id))
    for data in rows:
        op = data.get("op")
        hyps = data.get("hypotheses") or []
        if op not in ("take", "put") or not hyps:
            continue
        sign = 1 if op == "take" else -1
        for sku, units in hyps[0]["items"]:
            for pid in data.get("plates", {}):
                k = facing_of.get((pid, sku))
                if k is not None:
                    taken[k] += sign * int(units)
                    break
    layout = layout_of(st)
    out = []
    for i, f in enumerate(st.planogram):
        start = f.capacity if f.stock is None else f.stock
        out.append(
            FacingStock(
                sku=f.product,
                plates=tuple(f.plates),
                fixture=layout.plate(f.plates[0]).fixture,
                capacity=f.capacity,
                units=max(0, start - taken[i]),
            )
        )
    return out
