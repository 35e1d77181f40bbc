"""Live inventory: units of each product at each of its places, from the
planogram's opening stock and every decided shelf event (shoppers' takes and
put-backs, staff restocks and returns, which are never charged).

A *place* is a facing of the planogram (a product on its plates) or a spot
where a unit was put back where it does not belong (``misplaced``: the plate
that took most of its weight). Restock tasks open when a product's units on
its own facings fall below its threshold and close when staff fill it again;
misplaced-item tasks open at the put and close when the unit leaves (staff
returning it, or a shopper taking it).

Every change can be recorded in a journal (``recording``), so that a
reviewer's label for an event can undo what the engine's best guess did and
apply what really moved. A misplaced put from an event still in review opens
no task (``defer``): staff are not sent to fetch what may not be there.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from walkout.domain.store import Store, parse_plate_id
from walkout.operations.config import OpsConfig
from walkout.operations.items import Alert, OpsItem, Task


@dataclass
class Place:
    product: str
    plates: tuple[str, ...]
    capacity: int
    units: int


@dataclass
class _Open:
    id: str
    t: float


Change = tuple[int | tuple[str, str], int]
"""A facing's index or a misplaced (sku, plate), and the units it gained (or lost)."""


@dataclass
class Inventory:
    store: Store
    cfg: OpsConfig
    facings: list[Place] = field(default_factory=list)
    of_product: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    misplaced: Counter[tuple[str, str]] = field(default_factory=Counter)
    restock_open: dict[str, _Open] = field(default_factory=dict)
    oos_open: dict[str, _Open] = field(default_factory=dict)
    misplaced_open: dict[tuple[str, str], _Open] = field(default_factory=dict)
    n: Counter[str] = field(default_factory=Counter)
    unexplained: int = 0  # takes of a product none of its places had
    deferred: set[tuple[str, str]] = field(default_factory=set)  # misplaced, task not opened
    borrowed: Counter[tuple[str, str]] = field(default_factory=Counter)  # see ``undo``
    journal: list[Change] | None = None  # while set, every change is appended here

    def __post_init__(self) -> None:
        for fc in self.store.planogram:
            self.of_product[fc.product].append(len(self.facings))
            self.facings.append(Place(fc.product, tuple(fc.plates), fc.capacity, fc.initial_stock))

    # -- queries -----------------------------------------------------------------------

    def units(self, sku: str) -> int:
        """Units on the product's own facings (misplaced units are not for sale there)."""
        return sum(self.facings[i].units for i in self.of_product.get(sku, ()))

    def capacity(self, sku: str) -> int:
        return sum(self.facings[i].capacity for i in self.of_product.get(sku, ()))

    def threshold(self, sku: str) -> int:
        if sku in self.cfg.restock_threshold:
            return self.cfg.restock_threshold[sku]
        return max(1, math.ceil(self.cfg.restock_share * self.capacity(sku)))

    def state(self, sku: str) -> str:
        u = self.units(sku)
        if u <= 0:
            return "out_of_stock"
        if u == 1:
            return "last_unit"
        return "low" if u < self.threshold(sku) else "ok"

    def by_plate(self) -> dict[str, dict[str, int]]:
        """Units per product per plate: a facing's units on its first plate, a
        misplaced unit on the plate that carries it."""
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for f in self.facings:
            d = out[f.plates[0]]
            d[f.product] = d.get(f.product, 0) + f.units
        for (sku, pid), n in self.misplaced.items():
            if n > 0:
                out[pid][sku] = out[pid].get(sku, 0) + n
        return dict(out)

    # -- changes -----------------------------------------------------------------------

    def _home(self, sku: str, grams: dict[str, float], need_units: bool) -> int | None:
        best, best_g = None, 0.0
        for i in self.of_product.get(sku, ()):
            f = self.facings[i]
            g = sum(abs(grams.get(p, 0.0)) for p in f.plates)
            if g > best_g and (f.units > 0 or not need_units):
                best, best_g = i, g
        return best

    def take(self, sku: str, qty: int, grams: dict[str, float], t: float) -> list[OpsItem]:
        out: list[OpsItem] = []
        for pid in sorted(grams, key=lambda p: -abs(grams[p])):
            key = (sku, pid)
            n = min(qty, self.misplaced[key])
            if n > 0:
                self._move(key, -n)
                qty -= n
            out += self._gone(key, t, "gone")
        while qty > 0:
            i = self._home(sku, grams, need_units=True)
            if i is None:  # nowhere it could come from: take from any facing that has it
                i = next((j for j in self.of_product.get(sku, ()) if self.facings[j].units), None)
            if i is None:
                self.unexplained += qty
                break
            n = min(qty, self.facings[i].units)
            self._move(i, -n)
            qty -= n
        out.extend(self._stock_check(sku, t))
        return out

    def put(
        self, sku: str, qty: int, grams: dict[str, float], t: float, defer: bool = False
    ) -> list[OpsItem]:
        """``defer``: a misplaced unit is counted, but its task waits for ``open_deferred``."""
        i = self._home(sku, grams, need_units=False)
        if i is not None:
            self._move(i, qty)
            return self._stock_check(sku, t)
        if not grams:
            return []
        pid = max(sorted(grams), key=lambda p: abs(grams[p]))
        key = (sku, pid)
        self._move(key, qty)
        if key in self.misplaced_open or self.misplaced[key] <= 0:
            return []
        if defer:
            self.deferred.add(key)
            return []
        return self._open_misplaced(key, qty, t)

    def open_deferred(self, keys: set[tuple[str, str]], t: float) -> list[OpsItem]:
        """The tasks of deferred misplaced units that are still there."""
        out: list[OpsItem] = []
        for key in sorted(keys & self.deferred):
            self.deferred.discard(key)
            if self.misplaced[key] > 0 and key not in self.misplaced_open:
                out += self._open_misplaced(key, self.misplaced[key], t)
        return out

    def undo(self, changes: list[Change]) -> None:
        """Take back recorded changes exactly, then ``settle`` their places.

        A label may say a misplaced unit was never there after a later take took
        it from there: that take took from the product's facing instead, which
        the unit's negative count, ``borrowed`` from the facing, keeps exact
        whichever of the two events is corrected first, or whether both are."""
        for where, n in reversed(changes):
            self._move(where, -n)

    def settle(
        self, places: list[int | tuple[str, str]], t: float, why: str = "review"
    ) -> list[OpsItem]:
        """Tasks and alerts of places whose counts were corrected."""
        out: list[OpsItem] = []
        skus: set[str] = set()
        for where in dict.fromkeys(places):
            if isinstance(where, tuple):
                out += self._gone(where, t, why)
                skus.add(where[0])  # it may have borrowed from its facing
            else:
                skus.add(self.facings[where].product)
        for sku in sorted(skus):
            out += self._stock_check(sku, t)
        return out

    def _move(self, where: int | tuple[str, str], n: int) -> None:
        if n == 0:
            return
        if isinstance(where, tuple):
            self._move_misplaced(where, n)
        else:
            self.facings[where].units += n
        if self.journal is not None:
            self.journal.append((where, n))

    def _move_misplaced(self, key: tuple[str, str], n: int) -> None:
        """The spot's net count (units there less units borrowed) moves by ``n``;
        below zero, the product's first facing lends the difference."""
        net = self.misplaced[key] - self.borrowed[key] + n
        owed = max(-net, 0)
        homes = self.of_product.get(key[0])
        if homes:
            self.facings[homes[0]].units -= owed - self.borrowed[key]
        elif owed:  # a product of no facing: nothing to borrow from, nothing to count
            owed, net = 0, max(net, 0)
        self.misplaced[key] = max(net, 0)
        if owed:
            self.borrowed[key] = owed
        else:
            self.borrowed.pop(key, None)

    def _gone(self, key: tuple[str, str], t: float, why: str) -> list[OpsItem]:
        if self.misplaced[key] > 0:
            return []
        self.deferred.discard(key)
        return [self._close_misplaced(key, t, why)] if key in self.misplaced_open else []

    def _open_misplaced(self, key: tuple[str, str], qty: int, t: float) -> list[OpsItem]:
        sku, pid = key
        self.n["misplaced"] += 1
        tid = f"misplaced-{self.n['misplaced']}"
        self.misplaced_open[key] = _Open(tid, t)
        fx, sh, ix = parse_plate_id(pid)
        homes = sorted({p for j in self.of_product.get(sku, ()) for p in self.facings[j].plates})
        name = self.store.products[sku].name if sku in self.store.products else sku
        return [
            Task(
                id=tid,
                kind="misplaced",
                title=f"Return {name} from {fx} shelf {sh} plate {ix}",
                t=t,
                data={"sku": sku, "plate": pid, "units": qty, "home": homes[:6]},
            )
        ]

    def _close_misplaced(self, key: tuple[str, str], t: float, why: str) -> Task:
        o = self.misplaced_open.pop(key)
        return Task(
            id=o.id,
            kind="misplaced",
            title=f"{key[0]} off plate {key[1]}",
            t=t,
            status="cancelled" if why == "review" else "done",
            data={"sku": key[0], "plate": key[1], "opened": o.t, "why": why},
        )

    def _stock_check(self, sku: str, t: float) -> list[OpsItem]:
        if sku not in self.of_product:
            return []
        out: list[OpsItem] = []
        units, thr, cap = self.units(sku), self.threshold(sku), self.capacity(sku)
        o = self.restock_open.get(sku)
        if units < thr and o is None:
            self.n["restock"] += 1
            tid = f"restock-{self.n['restock']}"
            self.restock_open[sku] = _Open(tid, t)
            places = [self.facings[i].plates[0] for i in self.of_product[sku]]
            out.append(
                Task(
                    id=tid,
                    kind="restock",
                    title=f"Restock {cap - units} x {self.store.products[sku].name}",
                    t=t,
                    data={
                        "sku": sku,
                        "units": units,
                        "threshold": thr,
                        "need": cap - units,
                        "places": places,
                    },
                )
            )
        elif units >= thr and o is not None:
            del self.restock_open[sku]
            out.append(
                Task(
                    id=o.id,
                    kind="restock",
                    title=f"Restocked {self.store.products[sku].name}",
                    t=t,
                    status="done",
                    data={"sku": sku, "units": units, "opened": o.t},
                )
            )
        oos = self.oos_open.get(sku)
        if units <= 0 and oos is None:
            self.n["oos"] += 1
            aid = f"oos-{self.n['oos']}"
            self.oos_open[sku] = _Open(aid, t)
            out.append(
                Alert(
                    id=aid,
                    kind="out_of_stock",
                    message=f"{self.store.products[sku].name} is out of stock",
                    t=t,
                    data={"sku": sku},
                )
            )
        elif units > 0 and oos is not None:
            del self.oos_open[sku]
            out.append(
                Alert(
                    id=oos.id,
                    kind="out_of_stock",
                    message=f"{self.store.products[sku].name} is back",
                    t=t,
                    cleared=True,
                    data={"sku": sku, "since": oos.t},
                )
            )
        return out
