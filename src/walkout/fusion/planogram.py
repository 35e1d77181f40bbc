"""The live planogram: where each product is now, not only where it belongs.

It starts from the store's planogram and follows every decided event: a unit
put back on a plate where it does not belong is then found there, and a take
from that plate can be that unit. (The AiFi competition's winner gained 6.7 F1
points from this alone.)
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from typing import Any

import numpy as np

from walkout.domain.lanes import ShelfLanes
from walkout.domain.layout import Layout
from walkout.domain.store import parse_plate_id


class LivePlanogram:
    def __init__(self, layout: Layout):
        store = layout.store
        self.products = store.products
        self.home: dict[str, list[str]] = defaultdict(list)
        self.homes_of: dict[str, set[str]] = defaultdict(set)
        self.stock: Counter[str] = Counter()  # units believed on the shelves, per product
        self.capacity: Counter[str] = Counter()  # most units its facings hold
        for fc in store.planogram:
            for pid in fc.plates:
                if fc.product not in self.home[pid]:
                    self.home[pid].append(fc.product)
                self.homes_of[fc.product].add(pid)
            self.stock[fc.product] += fc.initial_stock
            self.capacity[fc.product] += fc.capacity
        self.foreign: dict[str, Counter[str]] = defaultdict(Counter)
        self.misplaced: list[list[Any]] = []  # [sku, units, plates they stand across]
        self.index: dict[str, tuple[str, int, int]] = {}
        self.shelf_plates: dict[tuple[str, int], list[str]] = defaultdict(list)
        for p in layout.plates:
            fx, sh, ix = parse_plate_id(p.id)
            self.index[p.id] = (fx, sh, ix)
            self.shelf_plates[(fx, sh)].append(p.id)
        for lst in self.shelf_plates.values():
            lst.sort(key=lambda pid: self.index[pid][2])
        # how a unit in each of a product's lanes splits its weight over the plates
        geometry = ShelfLanes(layout)
        self.lanes: dict[str, list[dict[str, float]]] = defaultdict(list)
        for i, fc in enumerate(store.planogram):
            self.lanes[fc.product].extend(geometry.lane_fractions(i))
        self._splits: dict[tuple[str, int], tuple[list[str], np.ndarray] | None] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_splits": {}}  # a cache: checkpoints need not carry it

    def lane_splits(self, sku: str, units: int) -> tuple[list[str], np.ndarray] | None:
        """The splits ``units`` units taken from (or put in) this product's lanes can give:
        the plates, and one row of weight shares per choice of lanes."""
        key = (sku, units)
        if key not in self._splits:
            lanes = self.lanes.get(sku)
            if not lanes:
                self._splits[key] = None
            else:
                plates = sorted({p for ln in lanes for p in ln})
                one = np.array([[ln.get(p, 0.0) for p in plates] for ln in lanes])
                one = np.unique(one.round(4), axis=0)
                rows = [
                    one[list(c)].mean(axis=0)
                    for c in itertools.combinations_with_replacement(range(len(one)), units)
                ]
                self._splits[key] = (plates, np.unique(np.array(rows).round(4), axis=0))
        return self._splits[key]

    def foreign_on(self, sku: str, plates: Any) -> bool:
        """Whether units of ``sku`` were put on any of these plates where they do not belong."""
        return any(self.foreign.get(p, Counter()).get(sku, 0) > 0 for p in plates)

    def restock_logprior(self, sku: str) -> float:
        """Staff fill the facings that run low: a product with room on its shelves is
        what they are likelier setting down (a full one, about 1/(capacity + 1))."""
        cap = self.capacity.get(sku, 0)
        if cap <= 0:
            return 0.0
        room = min(max(cap - self.stock.get(sku, 0), 0), cap)
        return math.log((room + 1) / (cap + 1))

    def neighbours(self, pid: str, reach: int = 1) -> list[str]:
        fx, sh, ix = self.index[pid]
        return [q for q in self.shelf_plates[(fx, sh)] if abs(self.index[q][2] - ix) <= reach]

    def near(self, plates: list[str], reach: int = 1) -> set[str]:
        out: set[str] = set()
        for p in plates:
            out.update(self.neighbours(p, reach) if p in self.index else [p])
        return out

    def at(self, pid: str) -> set[str]:
        """Products on a plate now: its own, and any that were put there."""
        return set(self.home.get(pid, ())) | {
            s for s, n in self.foreign.get(pid, Counter()).items() if n > 0
        }

    def candidates(self, plates: list[str]) -> set[str]:
        out: set[str] = set()
        for p in self.near(plates):
            out |= self.at(p)
        return out

    def where(self, sku: str) -> set[str]:
        return self.homes_of.get(sku, set()) | {
            p for p, c in self.foreign.items() if c.get(sku, 0) > 0
        }

    def min_weight(self, pid: str) -> float | None:
        ws = [self.products[s].weight_g for s in self.home.get(pid, ()) if s in self.products]
        return min(ws) if ws else None

    def took(self, sku: str, qty: int, plates: list[str]) -> None:
        """A take decided: if it came off a plate where the product is foreign, it is gone from there."""
        self.stock[sku] -= qty
        home = self.homes_of.get(sku, set())
        off = {p for p in plates if p not in home}
        for m in self.misplaced:
            if qty <= 0:
                break
            if m[0] != sku or m[1] <= 0 or not off & set(m[2]):
                continue
            n = min(qty, m[1])
            m[1] -= n
            qty -= n
            for p in m[2]:  # a unit standing across plates leaves all of them
                self.foreign[p][sku] -= n
        self.misplaced = [m for m in self.misplaced if m[1] > 0]

    def put(self, sku: str, qty: int, plates: list[str]) -> bool:
        """A put decided; returns True when the product does not belong there (misplaced)."""
        self.stock[sku] += qty
        home = self.homes_of.get(sku, set())
        if any(p in home for p in plates):
            return False
        if plates:
            self.misplaced.append([sku, qty, tuple(plates)])
            for p in plates:
                self.foreign[p][sku] += qty
        return True
