"""Where each facing's lanes stand along its shelf, and how a unit in a lane
splits its weight between the plates under it.

A facing covers its plates and is cut into ``facings`` lanes side by side.
Where neighbours share a plate (AIM3S's products straddle plates: napkins on
2-3, cutlery on 3-4) the two meet in the middle of what they share, since two
products cannot stand in one place: the napkins nearest the cutlery rest
partly on plate 3 and partly on plate 2, the cutlery's partly on 3 and partly
on 4. The twin stocks its shelves by this geometry; the engine reads the same
planogram to know which split of the weight each product's lanes give.
"""

from __future__ import annotations

import itertools

import numpy as np

from walkout.domain.layout import Layout

#: a unit of unknown size fills this share of its lane's width
FILL = 0.9


class ShelfLanes:
    def __init__(self, layout: Layout):
        self.layout = layout
        self.products = layout.store.products
        self.spans = self._facing_spans()

    def extent(self, pid: str) -> tuple[float, float]:
        """A plate's span along its shelf, in metres from the shelf's left end."""
        g = self.layout.plate(pid)
        axis = g.corners[1] - g.corners[0]
        axis = axis / np.linalg.norm(axis)
        a = float(np.dot(g.corners[0] - self._shelf_left(pid), axis))
        return a, a + g.width

    def _shelf_left(self, pid: str) -> np.ndarray:
        fx, sh, _ = pid.rsplit(".", 2)
        first = (
            self.layout.plate(f"{fx}.{sh}.1")
            if f"{fx}.{sh}.1" in self.layout.plate_index
            else self.layout.plate(pid)
        )
        return first.corners[0]

    def _facing_spans(self) -> list[tuple[float, float]]:
        spans: list[list[float]] = []
        shelves: dict[str, list[int]] = {}
        for i, fc in enumerate(self.layout.store.planogram):
            ext = [self.extent(p) for p in fc.plates if p in self.layout.plate_index]
            if not ext:
                spans.append([0.0, 0.0])
                continue
            spans.append([min(a for a, _ in ext), max(b for _, b in ext)])
            shelves.setdefault(fc.plates[0].rsplit(".", 1)[0], []).append(i)
        whole = [(a, b) for a, b in spans]
        for idx in shelves.values():
            idx.sort(key=lambda i: (whole[i][0], whole[i][1], i))
            for i, j in itertools.pairwise(idx):
                lo, hi = max(whole[i][0], whole[j][0]), min(whole[i][1], whole[j][1])
                cut = (lo + hi) / 2
                # meet in the middle of the shared stretch, unless one would vanish
                if hi - lo > 1e-6 and cut - spans[i][0] > 1e-3 and spans[j][1] - cut > 1e-3:
                    spans[i][1] = min(spans[i][1], cut)
                    spans[j][0] = max(spans[j][0], cut)
        return [(a, b) for a, b in spans]

    def lane_fractions(self, facing: int) -> list[dict[str, float]]:
        """For each lane of a planogram facing: the share of a unit's weight on each plate."""
        fc = self.layout.store.planogram[facing]
        plates = [p for p in fc.plates if p in self.layout.plate_index]
        spans = [self.extent(p) for p in plates]
        lo, hi = self.spans[facing]
        lane_w = (hi - lo) / fc.facings
        p = self.products.get(fc.product)
        w = min(p.size[0], lane_w) if p is not None and p.size else FILL * lane_w
        out = []
        for k in range(fc.facings):
            c = lo + (k + 0.5) * lane_w
            out.append(overlap(c - w / 2, c + w / 2, plates, spans))
        return out

    def fractions_at(self, pid: str, sku: str, offset: float) -> dict[str, float]:
        """Where a unit lands when put at ``offset`` (-0.5..0.5 of a plate) on plate ``pid``."""
        a, b = self.extent(pid)
        fx, sh, _ = pid.rsplit(".", 2)
        shelf_plates = [
            p
            for p in self.layout.plate_index
            if p.startswith(f"{fx}.{sh}.") and p.count(".") == pid.count(".")
        ]
        spans = [self.extent(p) for p in shelf_plates]
        size = self.products[sku].size
        w = size[0] if size else (b - a) * FILL
        c = (a + b) / 2 + offset * (b - a)
        return overlap(c - w / 2, c + w / 2, shelf_plates, spans)


def overlap(
    a: float, b: float, plates: list[str], spans: list[tuple[float, float]]
) -> dict[str, float]:
    """Shares of the stretch ``[a, b]`` over each plate's span (a unit wider than
    the plates: all of it on the nearest)."""
    w = b - a
    out: dict[str, float] = {}
    for pid, (pa, pb) in zip(plates, spans, strict=True):
        ov = min(b, pb) - max(a, pa)
        if ov > 1e-9:
            out[pid] = ov / w
    total = sum(out.values())
    if total <= 0:
        mid = (a + b) / 2
        k = int(np.argmin([abs((pa + pb) / 2 - mid) for pa, pb in spans]))
        return {plates[k]: 1.0}
    return {k: v / total for k, v in out.items()}
