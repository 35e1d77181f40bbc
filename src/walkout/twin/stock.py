"""What is physically on the shelves: individual units in lanes over plates.

Each facing is cut into lanes (``facings`` in the planogram, placed by
``walkout.domain.lanes``); a unit in a lane rests over one to three plates,
and its weight splits between them by how much of its footprint lies on each. Units keep their own weight (drawn from
the product's spread when stocked) and a serial number (for RFID), so the
twin knows exactly what each plate feels when one is taken or put back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from walkout.domain.catalogue import Product
from walkout.domain.lanes import ShelfLanes
from walkout.domain.layout import Layout


@dataclass
class Unit:
    sku: str
    grams: float
    serial: int
    origin: tuple[int, int] | None = None  # (facing, lane) it was last taken from


@dataclass
class Lane:
    fractions: dict[str, float]
    units: list[Unit] = field(default_factory=list)


@dataclass
class FacingStock:
    index: int
    sku: str
    plates: list[str]
    capacity: int
    lanes: list[Lane]

    @property
    def count(self) -> int:
        return sum(len(lane.units) for lane in self.lanes)

    def stocked_plates(self) -> list[str]:
        """Plates a hand reaches to for a unit: under a lane that still holds some."""
        out = [
            p
            for p in self.plates
            if any(ln.units and ln.fractions.get(p, 0.0) >= 0.3 for ln in self.lanes)
        ]
        return out or list(self.plates)


@dataclass
class Foreign:
    """A unit standing where it does not belong (a wrong-shelf put-back)."""

    unit: Unit
    fractions: dict[str, float]


class Shelves:
    def __init__(self, layout: Layout, rng: np.random.Generator):
        self.layout = layout
        self.products: dict[str, Product] = layout.store.products
        self.rng = rng
        self._serial = 0
        self.load: dict[str, float] = {p.id: 0.0 for p in layout.plates}
        self.facings: list[FacingStock] = []
        self.foreign: dict[str, list[Foreign]] = {}
        self.facings_of: dict[str, list[int]] = {}
        self.geometry = ShelfLanes(layout)
        for i, fc in enumerate(layout.store.planogram):
            lanes = [Lane(fractions=fr) for fr in self.geometry.lane_fractions(i)]
            fs = FacingStock(
                index=i, sku=fc.product, plates=list(fc.plates), capacity=fc.capacity, lanes=lanes
            )
            self.facings.append(fs)
            self.facings_of.setdefault(fc.product, []).append(i)
            for k in range(fc.initial_stock):
                self._add(fs.lanes[k % len(lanes)], self.new_unit(fc.product))

    def fractions_at(self, pid: str, sku: str, offset: float) -> dict[str, float]:
        """Where a unit lands when put at ``offset`` (-0.5..0.5 of a plate) on plate ``pid``."""
        return self.geometry.fractions_at(pid, sku, offset)

    # -- units -------------------------------------------------------------------

    def new_unit(self, sku: str) -> Unit:
        p = self.products[sku]
        g = float(self.rng.normal(p.weight_g, p.weight_sd_g)) if p.weight_sd_g > 0 else p.weight_g
        self._serial += 1
        return Unit(sku=sku, grams=max(g, 0.3 * p.weight_g), serial=self._serial)

    def _add(self, lane: Lane, unit: Unit) -> None:
        lane.units.append(unit)
        for pid, f in lane.fractions.items():
            self.load[pid] += unit.grams * f

    def take(
        self, facing: int, qty: int, near: str | None = None
    ) -> tuple[list[Unit], dict[str, float]]:
        """Remove ``qty`` units from the lane under the hand (``near``), else the fullest;
        returns them and the grams each plate lost."""
        fs = self.facings[facing]
        taken: list[Unit] = []
        grams: dict[str, float] = {}
        for _ in range(qty):
            k = max(
                range(len(fs.lanes)),
                key=lambda i: (
                    len(fs.lanes[i].units) > 0,
                    fs.lanes[i].fractions.get(near or "", 0.0),
                    len(fs.lanes[i].units),
                ),
            )
            lane = fs.lanes[k]
            if not lane.units:
                break
            u = lane.units.pop()
            u.origin = (facing, k)
            taken.append(u)
            for pid, f in lane.fractions.items():
                self.load[pid] -= u.grams * f
                grams[pid] = grams.get(pid, 0.0) + u.grams * f
        return taken, grams

    def put_home(self, facing: int, units: list[Unit], near: str | None = None) -> dict[str, float]:
        fs = self.facings[facing]
        grams: dict[str, float] = {}
        for u in units:
            # back where it came from, as people do; else under the hand; else the emptiest lane
            if u.origin is not None and u.origin[0] == facing:
                lane = fs.lanes[u.origin[1]]
            elif near is not None and any(near in ln.fractions for ln in fs.lanes):
                lane = max(fs.lanes, key=lambda ln: (ln.fractions.get(near, 0.0), -len(ln.units)))
            else:
                lane = min(fs.lanes, key=lambda ln: len(ln.units))
            self._add(lane, u)
            for pid, f in lane.fractions.items():
                grams[pid] = grams.get(pid, 0.0) + u.grams * f
        return grams

    def put_foreign(self, pid: str, unit: Unit, offset: float) -> dict[str, float]:
        fr = self.fractions_at(pid, unit.sku, offset)
        self.foreign.setdefault(pid, []).append(Foreign(unit=unit, fractions=fr))
        for p, f in fr.items():
            self.load[p] += unit.grams * f
        return {p: unit.grams * f for p, f in fr.items()}

    def take_foreign(self, pid: str) -> tuple[Unit, dict[str, float]] | None:
        lst = self.foreign.get(pid)
        if not lst:
            return None
        fo = lst.pop()
        for p, f in fo.fractions.items():
            self.load[p] -= fo.unit.grams * f
        return fo.unit, {p: fo.unit.grams * f for p, f in fo.fractions.items()}
