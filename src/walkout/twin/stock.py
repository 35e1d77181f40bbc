"""What is physically on the shelves: individual units in lanes over plates.

Each facing is cut into lanes (``facings`` in the planogram); a unit in a lane
rests over one to three plates, and its weight splits between them by how
much of its footprint lies on each. Units keep their own weight (drawn from
the product's spread when stocked) and a serial number (for RFID), so the
twin knows exactly what each plate feels when one is taken or put back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from walkout.domain.catalogue import Product
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
        for i, fc in enumerate(layout.store.planogram):
            lanes = [
                Lane(fractions=fr) for fr in self._lane_fractions(fc.plates, fc.facings, fc.product)
            ]
            fs = FacingStock(
                index=i, sku=fc.product, plates=list(fc.plates), capacity=fc.capacity, lanes=lanes
            )
            self.facings.append(fs)
            self.facings_of.setdefault(fc.product, []).append(i)
            for k in range(fc.initial_stock):
                self._add(fs.lanes[k % len(lanes)], self.new_unit(fc.product))

    # -- geometry ----------------------------------------------------------------

    def _extent(self, pid: str) -> tuple[float, float]:
        """A plate's span along its shelf, in metres from the shelf's left end."""
        g = self.layout.plate(pid)
        shelf_left = self._shelf_left(pid)
        axis = g.corners[1] - g.corners[0]
        axis = axis / np.linalg.norm(axis)
        a = float(np.dot(g.corners[0] - shelf_left, axis))
        return a, a + g.width

    def _shelf_left(self, pid: str) -> np.ndarray:
        fx, sh, _ = pid.rsplit(".", 2)
        first = (
            self.layout.plate(f"{fx}.{sh}.1")
            if f"{fx}.{sh}.1" in self.layout.plate_index
            else self.layout.plate(pid)
        )
        return first.corners[0]

    def _lane_fractions(self, plates: list[str], lanes: int, sku: str) -> list[dict[str, float]]:
        spans = [self._extent(p) for p in plates]
        lo = min(a for a, _ in spans)
        hi = max(b for _, b in spans)
        lane_w = (hi - lo) / lanes
        size = self.products[sku].size if sku in self.products else None
        w = min(size[0], lane_w) if size else 0.9 * lane_w
        out = []
        for k in range(lanes):
            c = lo + (k + 0.5) * lane_w
            out.append(_overlap(c - w / 2, c + w / 2, plates, spans))
        return out

    def fractions_at(self, pid: str, sku: str, offset: float) -> dict[str, float]:
        """Where a unit lands when put at ``offset`` (-0.5..0.5 of a plate) on plate ``pid``."""
        a, b = self._extent(pid)
        fx, sh, _ = pid.rsplit(".", 2)
        shelf_plates = [
            p
            for p in self.layout.plate_index
            if p.startswith(f"{fx}.{sh}.") and p.count(".") == pid.count(".")
        ]
        spans = [self._extent(p) for p in shelf_plates]
        size = self.products[sku].size
        w = size[0] if size else (b - a) * 0.9
        c = (a + b) / 2 + offset * (b - a)
        return _overlap(c - w / 2, c + w / 2, shelf_plates, spans)

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


def _overlap(
    a: float, b: float, plates: list[str], spans: list[tuple[float, float]]
) -> dict[str, float]:
    w = b - a
    out: dict[str, float] = {}
    for pid, (pa, pb) in zip(plates, spans, strict=True):
        ov = min(b, pb) - max(a, pa)
        if ov > 1e-9:
            out[pid] = ov / w
    total = sum(out.values())
    if total <= 0:  # a unit wider than the facing: put it all on the nearest plate
        mid = (a + b) / 2
        k = int(np.argmin([abs((pa + pb) / 2 - mid) for pa, pb in spans]))
        return {plates[k]: 1.0}
    return {k: v / total for k, v in out.items()}
