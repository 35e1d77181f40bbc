"""The figures that say what a store is: counts, and the confusable neighbours that make it hard."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from walkout.domain.geometry import polygon_area
from walkout.domain.store import Store, parse_plate_id

NEAR_WEIGHT = 0.03  # units closer than 3 % in weight cannot be told apart by a load cell alone


@dataclass(frozen=True)
class StoreSummary:
    area: float
    fixtures: int
    shelves: int
    plates: int
    empty_plates: int
    products: int
    facings: int
    cameras: int
    rfid_readers: int
    gates: int
    similarity_groups: int
    near_weight_pairs: int
    age_restricted: int
    rfid_tagged: int

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("floor area", f"{self.area:,.0f} m²"),
            ("gates", f"{self.gates}"),
            ("fixtures", f"{self.fixtures:,}"),
            ("shelves", f"{self.shelves:,}"),
            (
                "plates (load cells)",
                f"{self.plates:,}"
                + (f" ({self.empty_plates:,} empty)" if self.empty_plates else ""),
            ),
            ("products", f"{self.products:,}"),
            ("facings", f"{self.facings:,}"),
            ("cameras", f"{self.cameras:,}"),
            ("RFID readers", f"{self.rfid_readers}"),
            ("similarity groups", f"{self.similarity_groups:,}"),
            ("near-weight adjacent pairs", f"{self.near_weight_pairs:,}"),
            ("age-restricted products", f"{self.age_restricted:,}"),
            ("RFID-tagged products", f"{self.rfid_tagged:,}"),
        ]


def summarize(store: Store) -> StoreSummary:
    used = {pid for fc in store.planogram for pid in fc.plates}
    plates = store.plate_ids
    return StoreSummary(
        area=polygon_area(store.floor.outline),
        fixtures=len(store.fixtures),
        shelves=sum(len(f.shelves) for f in store.fixtures),
        plates=len(plates),
        empty_plates=sum(1 for p in plates if p not in used),
        products=len(store.catalogue),
        facings=len(store.planogram),
        cameras=len(store.cameras),
        rfid_readers=len(store.rfid_readers),
        gates=len(store.gates),
        similarity_groups=len({p.similar for p in store.catalogue if p.similar}),
        near_weight_pairs=len(near_weight_pairs(store)),
        age_restricted=sum(p.age_restricted for p in store.catalogue),
        rfid_tagged=sum(p.rfid for p in store.catalogue),
    )


def near_weight_pairs(store: Store, rel: float = NEAR_WEIGHT) -> list[tuple[str, str]]:
    """Neighbouring facings on one shelf whose products weigh within ``rel`` of each other.

    Neighbours are facings that share a plate or whose plates touch; these are
    the pairs where a pick's weight cannot say which product it was.
    """
    shelves: dict[tuple[str, int], list[tuple[int, int, str]]] = {}
    for fc in store.planogram:
        ids = [parse_plate_id(p) for p in fc.plates]
        f, s = ids[0][0], ids[0][1]
        idx = [i[2] for i in ids]
        shelves.setdefault((f, s), []).append((min(idx), max(idx), fc.product))
    prods = store.products
    out: list[tuple[str, str]] = []
    for row in shelves.values():
        row.sort()
        for (_, hi_a, a), (lo_b, _, b) in itertools.pairwise(row):
            if a == b or lo_b > hi_a + 1:
                continue
            wa, wb = prods[a].weight_g, prods[b].weight_g
            if abs(wa - wb) / min(wa, wb) < rel:
                out.append((a, b))
    return out
