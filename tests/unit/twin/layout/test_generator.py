"""The generated stores: counts near the brief's targets, deterministic, valid, and built the way stores are."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from walkout.domain.catalogue import gtin_check_digit_ok
from walkout.domain.geometry import polygon_area
from walkout.domain.layout import Layout
from walkout.domain.store import Store, parse_plate_id
from walkout.storefile import store_to_yaml
from walkout.twin.layout import generate_store, summarize
from walkout.twin.layout.walkable import floor_grid, points_in_polygon

from .conftest import KINDS

# (area m^2, products, plates, cameras) as (low, high); None: no target given
TARGETS = {
    "corner-shop": ((35, 45), (100, 150), None, None),
    "convenience": ((160, 180), (450, 560), (1350, 1650), (50, 70)),
    "supermarket": ((2300, 2700), (3500, 4500), (10_000, 14_000), None),
}


@pytest.mark.parametrize("kind", KINDS)
def test_counts_near_targets(stores: dict[str, Store], kind: str) -> None:
    s = summarize(stores[kind])
    for (lo, hi), value in zip(
        (t for t in TARGETS[kind] if t),
        (
            v
            for v, t in zip((s.area, s.products, s.plates, s.cameras), TARGETS[kind], strict=True)
            if t
        ),
        strict=True,
    ):
        assert lo <= value <= hi, (kind, value, (lo, hi))
    assert s.empty_plates == 0
    assert s.products == s.facings  # each product on exactly one facing


@pytest.mark.parametrize("kind", ["corner-shop", "convenience"])
def test_same_seed_same_bytes(stores: dict[str, Store], kind: str) -> None:
    assert store_to_yaml(generate_store(kind)) == store_to_yaml(stores[kind])
    assert store_to_yaml(generate_store(kind, seed=2)) != store_to_yaml(stores[kind])


def test_supermarket_is_deterministic(stores: dict[str, Store]) -> None:
    """Model equality implies equal YAML, which is a function of the model."""
    assert generate_store("supermarket") == stores["supermarket"]


def test_areas_scale_the_store() -> None:
    small, big = (summarize(generate_store("convenience", a)) for a in (100, 300))
    assert abs(small.area - 100) < 3 and abs(big.area - 300) < 3
    assert 2 < big.plates / small.plates < 4.5
    assert 2 < big.cameras / small.cameras < 4.5
    with pytest.raises(ValueError, match="m²"):
        generate_store("corner-shop", 5)
    with pytest.raises(ValueError, match="no store kind"):
        generate_store("mall")


@pytest.mark.parametrize("kind", KINDS)
def test_fixtures_are_realistic(stores: dict[str, Store], kind: str) -> None:
    store = stores[kind]
    for f in store.fixtures:
        if f.kind == "obstacle":
            assert not f.shelves
            continue
        assert f.size[0] == pytest.approx(1.2)  # one fixture per 1.2 m segment
        heights = [sh.pose.at[2] for sh in f.shelves]
        assert heights == sorted(heights)
        for sh in f.shelves:
            assert 0.4 <= sh.size[1] <= 0.6
        if f.kind == "table":
            assert len(f.shelves) == 1
            continue
        assert 4 <= len(f.shelves) <= 6
        assert 0.1 <= heights[0] <= 0.25 and 1.4 <= heights[-1] <= 1.85
    assert len({f.device for f in store.fixtures}) == len(store.fixtures)  # a controller each


@pytest.mark.parametrize("kind", KINDS)
def test_aisles_are_wide_enough(layouts: dict[str, Layout], kind: str) -> None:
    """From every plate, straight out from its fixture's front to the next obstacle."""
    lay = layouts[kind]
    least = 1.8 if kind == "supermarket" else 1.2
    grid = floor_grid(lay.store, radius=0.0, resolution=0.05)
    inset = {(f.id, sh.index): sh.pose.at[1] for f in lay.store.fixtures for sh in f.shelves}
    starts = np.array(
        [p.front[:2] + p.outward[:2] * inset[(p.fixture, p.shelf)] for p in lay.plates]
    )
    out = np.array([p.outward[:2] for p in lay.plates])
    steps = np.arange(0.03, least, 0.02)
    pts = starts[:, None, :] + steps[None, :, None] * out[:, None, :]
    i, j = grid.cell(pts[..., 0], pts[..., 1])
    on_floor = points_in_polygon(pts[..., 0], pts[..., 1], np.asarray(lay.store.floor.outline))
    blocked = ~grid.inside[i, j] | ~on_floor
    assert not blocked.any(), [lay.plates[k].id for k in np.nonzero(blocked.any(axis=1))[0][:5]]


@pytest.mark.parametrize("kind", KINDS)
def test_gates_and_clear_zone(stores: dict[str, Store], kind: str) -> None:
    store = stores[kind]
    entries, exits = store.gates_of_kind("entry"), store.gates_of_kind("exit")
    assert entries and exits and not set(g.id for g in entries) & set(g.id for g in exits)
    lay = Layout.of(store)
    nearest_fixture = min(float(f.footprint[:, 1].min()) for f in lay.fixtures)
    for g in store.gates:
        assert g.a[1] == g.b[1] == 0.0  # on the front wall
        assert 0.9 <= float(np.hypot(g.b[0] - g.a[0], g.b[1] - g.a[1])) <= 1.2
    assert nearest_fixture >= 1.5  # nothing stands in the zone behind the gates
    assert store.floor.height >= 2.7
    assert polygon_area(store.floor.outline) > 0


@pytest.mark.parametrize("kind", KINDS)
def test_planogram(stores: dict[str, Store], layouts: dict[str, Layout], kind: str) -> None:
    store, lay = stores[kind], layouts[kind]
    products = store.products
    assert Counter(fc.product for fc in store.planogram) == Counter(
        list(products)
    )  # each placed once
    clear = {}
    for f in store.fixtures:
        hs = [sh.pose.at[2] for sh in f.shelves]
        for k, sh in enumerate(f.shelves):
            clear[(f.id, sh.index)] = (
                hs[k + 1] - 0.03 if k + 1 < len(hs) else f.size[2] + 0.1
            ) - hs[k]
    for fc in store.planogram:
        assert 1 <= len(fc.plates) <= 3
        p = products[fc.product]
        w, d, h = p.size
        fid, shelf, _ = parse_plate_id(fc.plates[0])
        width = sum(lay.plate(pid).width for pid in fc.plates)
        assert fc.facings * w <= width + 1e-6 or len(fc.plates) == 1  # coarse plates are shared
        assert h <= clear[(fid, shelf)] + 1e-6 and d <= lay.plate(fc.plates[0]).depth
        assert 0 <= fc.initial_stock <= fc.capacity
    stocks = [fc.initial_stock / fc.capacity for fc in store.planogram]
    assert 0.6 < np.mean([s == 1 for s in stocks]) < 0.95  # mostly full, some not


@pytest.mark.parametrize("kind", KINDS)
def test_heavy_goods_stand_low(stores: dict[str, Store], kind: str) -> None:
    store = stores[kind]
    by_shelf: dict[tuple[str, int], list[float]] = {}
    for fc in store.planogram:
        fid, shelf, _ = parse_plate_id(fc.plates[0])
        by_shelf.setdefault((fid, shelf), []).append(store.products[fc.product].weight_g)
    lower = []
    for f in store.fixtures:
        if len(f.shelves) > 1:
            lo, hi = by_shelf[(f.id, 1)], by_shelf[(f.id, len(f.shelves))]
            lower.append(np.mean(lo) >= np.mean(hi))
    assert np.mean(lower) > 0.9


@pytest.mark.parametrize("kind", KINDS)
def test_similar_products_stand_together(stores: dict[str, Store], kind: str) -> None:
    store = stores[kind]
    rows: dict[tuple[str, int], list[tuple[int, str]]] = {}
    for fc in store.planogram:
        fid, shelf, idx = parse_plate_id(fc.plates[0])
        rows.setdefault((fid, shelf), []).append((idx, fc.product))
    where: dict[str, list[tuple[tuple[str, int], int]]] = {}
    for key, row in rows.items():
        for pos, (_, sku) in enumerate(sorted(row)):
            group = store.products[sku].similar
            if group:
                where.setdefault(group, []).append((key, pos))
    assert where
    for group, spots in where.items():
        assert len(spots) >= 2, group
        assert len({k for k, _ in spots}) == 1, group  # one shelf
        pos = sorted(p for _, p in spots)
        assert pos == list(range(pos[0], pos[0] + len(pos))), group  # side by side


@pytest.mark.parametrize("kind", KINDS)
def test_catalogue(stores: dict[str, Store], kind: str) -> None:
    store = stores[kind]
    cat = store.catalogue
    gtins = [p.gtin for p in cat]
    assert all(g and len(g) == 13 and gtin_check_digit_ok(g) for g in gtins)
    assert len(set(gtins)) == len(gtins)
    assert len({p.name for p in cat}) == len(cat)
    for p in cat:
        assert len(p.name.split()) >= 4  # Brand Product Flavour Size
        assert p.price > 0 and p.price % 10 == 9
        assert 0 < p.weight_sd_g <= 0.1 * p.weight_g + 0.01
        assert p.age_restricted == (p.category in ("alcohol", "tobacco"))
        if p.category == "drinks":
            assert 330 <= p.weight_g <= 2100
        if p.category in ("snacks", "candy"):
            assert 40 <= p.weight_g <= 120
    assert any(p.category == "alcohol" for p in cat)
    rfid = [p for p in cat if p.rfid]
    assert bool(rfid) == bool(store.rfid_readers)
    exits = {g.id for g in store.gates_of_kind("exit")}
    assert all(r.gate in exits for r in store.rfid_readers)


def test_rfid_tags_on_high_value_items(stores: dict[str, Store]) -> None:
    tagged = [p for p in stores["supermarket"].catalogue if p.rfid]
    assert tagged and all(
        any(w in p.name for w in ("Razor", "Spirits", "Batteries", "Cable", "Earbuds", "Vape"))
        for p in tagged
    )
    assert np.median([p.price for p in tagged]) > np.median(
        [p.price for p in stores["supermarket"].catalogue]
    )


@pytest.mark.parametrize("kind", KINDS)
def test_near_weight_neighbours_exist(stores: dict[str, Store], kind: str) -> None:
    from walkout.twin.layout import near_weight_pairs

    pairs = near_weight_pairs(stores[kind])
    assert len(pairs) >= 5
    for a, b in pairs:
        wa, wb = stores[kind].products[a].weight_g, stores[kind].products[b].weight_g
        assert abs(wa - wb) / min(wa, wb) < 0.03


def test_money_and_locales(stores: dict[str, Store]) -> None:
    us, de = stores["convenience"], stores["supermarket"]
    assert (us.currency, us.locale, us.timezone, us.tax.included) == (
        "USD",
        "en_US",
        "America/Los_Angeles",
        False,
    )
    assert float(us.tax.default) == 0.0725 and float(us.tax.rate("snacks")) == 0.0
    assert float(us.tax.rate("alcohol")) == 0.0725
    assert (de.currency, de.locale, de.timezone, de.tax.included) == (
        "EUR",
        "de_DE",
        "Europe/Berlin",
        True,
    )
    assert float(de.tax.rate("grocery")) == 0.07 and float(de.tax.rate("drinks")) == 0.19
    assert any(p.gtin.startswith(("40", "41", "42", "43", "44")) for p in de.catalogue)
