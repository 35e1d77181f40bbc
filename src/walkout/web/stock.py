"""Stock on the shelves for the floor plan. When the server runs store
operations (``walkout serve`` does), the live operations inventory (issue 5:
takes, put-backs, staff restocks and returns, review labels); otherwise, from
what the server stores: the planogram's opening stock minus the units the
engine's shelf events took (plus those put back), which misses staff restocks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from walkout.domain.store import Store
from walkout.operations.inventory import Inventory
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


def live_inventory(server: Any, store: str) -> Inventory | None:
    """The store's operations inventory, if this server runs operations for it."""
    w = getattr(server, "workers", {}).get(store)
    for watcher in getattr(w, "watchers", ()):
        inv = getattr(getattr(watcher, "ops", None), "inventory", None)
        if isinstance(inv, Inventory):
            return inv
    return None


def stock_now(server: Any, db: Session, st: Store) -> list[FacingStock]:
    """What the floor plan shows: the live inventory when there is one."""
    inv = live_inventory(server, st.id)
    return stock_by_facing(db, st) if inv is None else stock_of_inventory(inv, st)


def stock_of_inventory(inv: Inventory, st: Store) -> list[FacingStock]:
    """Each facing's units in the operations inventory (its facings are the
    planogram's, in order). Read while the engine thread moves them: a snapshot
    of ints, each as it was at some moment of the read."""
    return _facings(st, [p.units for p in inv.facings])


def _facings(st: Store, units: list[int]) -> list[FacingStock]:
    layout = layout_of(st)
    return [
        FacingStock(
            sku=f.product,
            plates=tuple(f.plates),
            fixture=layout.plate(f.plates[0]).fixture,
            capacity=f.capacity,
            units=max(0, units[i]),
        )
        for i, f in enumerate(st.planogram)
    ]


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
    opening = [f.capacity if f.stock is None else f.stock for f in st.planogram]
    return _facings(st, [start - taken[i] for i, start in enumerate(opening)])
