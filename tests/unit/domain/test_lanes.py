"""Lanes along a shelf (domain.lanes): where a unit stands and how its weight
splits between the plates under it."""

from __future__ import annotations

import pytest

from tests.fixtures.mini_store import mini_store
from tests.fixtures.shared_plates import shared_plate_store
from walkout.domain.lanes import ShelfLanes
from walkout.domain.layout import Layout


def _facing(store_lanes: ShelfLanes, sku: str) -> int:
    return next(i for i, f in enumerate(store_lanes.layout.store.planogram) if f.product == sku)


def test_neighbours_that_share_plates_meet_in_the_middle() -> None:
    lanes = ShelfLanes(Layout.of(shared_plate_store()))
    a, b = _facing(lanes, "P007"), _facing(lanes, "P008")
    # G1.3.1-3 and G1.3.2-4 (0.2 m plates) share 0.2-0.6 m: they meet at 0.4 m
    assert lanes.spans[a] == pytest.approx((0.0, 0.4))
    assert lanes.spans[b] == pytest.approx((0.4, 0.8))
    fa, fb = lanes.lane_fractions(a), lanes.lane_fractions(b)
    assert fa[-1] == {"G1.3.2": pytest.approx(1.0)}  # P007's last lane: G1.3.2 only
    assert fb[0] == {"G1.3.3": pytest.approx(1.0)}  # P008's first: G1.3.3 only
    for lane in fa + fb:
        assert sum(lane.values()) == pytest.approx(1.0)
    # no lane of the one splits its weight as any lane of the other does
    assert not [x for x in fa if any(x.keys() == y.keys() for y in fb)]


def test_facings_that_share_nothing_keep_their_whole_plates() -> None:
    store = mini_store()
    lanes = ShelfLanes(Layout.of(store))
    for i, fc in enumerate(store.planogram):
        ext = [lanes.extent(p) for p in fc.plates]
        assert lanes.spans[i] == (min(a for a, _ in ext), max(b for _, b in ext))
        # two lanes of 9 cm units over two 20 cm plates: one plate each, centred
        assert [set(fr) for fr in lanes.lane_fractions(i)] == [{p} for p in fc.plates]
