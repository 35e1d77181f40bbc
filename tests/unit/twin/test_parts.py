"""The twin's parts one by one: shelves, routes, bodies, arrivals, scenarios, clocks."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fixtures.mini_store import mini_store
from walkout.domain.layout import Layout
from walkout.twin.arrivals import ArrivalCurve, arrivals_between
from walkout.twin.body import HEAD, L_HAND, R_HAND, RIGHT, ArmMove, Keyframes, joints
from walkout.twin.navigation import NavGrid
from walkout.twin.scenario import Arrivals, ScenarioError, load_scenario, preset
from walkout.twin.sensors.clocks import Clock
from walkout.twin.stock import Shelves

LAYOUT = Layout.of(mini_store())


# -- shelves -------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 23), st.integers(1, 4)), min_size=1, max_size=12),
    st.integers(0, 2**32 - 1),
)
def test_putting_back_undoes_taking(moves: list[tuple[int, int]], seed: int) -> None:
    """Any sequence of takes, put back in reverse order, leaves every plate as it was."""
    shelves = Shelves(LAYOUT, np.random.default_rng(seed))
    before = dict(shelves.load)
    counts = [fs.count for fs in shelves.facings]
    taken = []
    for facing, qty in moves:
        units, grams = shelves.take(facing, qty)
        assert sum(grams.values()) == pytest.approx(sum(u.grams for u in units))
        taken.append((facing, units))
    for facing, units in reversed(taken):
        shelves.put_home(facing, units)
    assert [fs.count for fs in shelves.facings] == counts
    for pid, g in before.items():
        assert shelves.load[pid] == pytest.approx(g, abs=1e-6)


def test_a_unit_splits_over_the_plates_it_stands_on() -> None:
    shelves = Shelves(LAYOUT, np.random.default_rng(0))
    for fs in shelves.facings:
        for lane in fs.lanes:
            assert sum(lane.fractions.values()) == pytest.approx(1.0)
            assert set(lane.fractions) <= set(fs.plates)
    units, grams = shelves.take(0, 1)
    assert sum(grams.values()) == pytest.approx(units[0].grams)


def test_a_misplaced_unit_lands_where_it_is_put_and_can_be_taken_back() -> None:
    shelves = Shelves(LAYOUT, np.random.default_rng(0))
    before = dict(shelves.load)
    (unit,), _ = shelves.take(0, 1)
    target = shelves.facings[5].plates[0]
    grams = shelves.put_foreign(target, unit, 0.0)
    assert sum(grams.values()) == pytest.approx(unit.grams)
    got = shelves.take_foreign(target)
    assert got is not None and got[0] is unit
    shelves.put_home(0, [unit])
    for pid, g in before.items():
        assert shelves.load[pid] == pytest.approx(g, abs=1e-6)


def test_an_empty_facing_gives_nothing() -> None:
    shelves = Shelves(LAYOUT, np.random.default_rng(0))
    n = shelves.facings[0].count
    units, _ = shelves.take(0, n + 5)
    assert len(units) == n
    assert shelves.take(0, 1) == ([], {})


# -- routes --------------------------------------------------------------------


def test_routes_go_round_fixtures_in_few_straight_legs() -> None:
    nav = NavGrid(LAYOUT)
    a, b = np.array([2.1, 1.5]), np.array([2.1, 4.4])  # either side of the first island
    route = nav.route(a, b)
    assert np.allclose(route[0], a) and np.allclose(route[-1], b)
    assert len(route) <= 6
    for p, q in itertools.pairwise(route):
        assert nav.visible(p, q)
    length = np.sum(np.linalg.norm(np.diff(route, axis=0), axis=1))
    assert length > 3.5  # it cannot go straight through the gondola (2.9 m)


def test_a_point_inside_a_fixture_snaps_to_the_floor() -> None:
    nav = NavGrid(LAYOUT)
    inside = np.array([2.0, 3.0])
    assert not nav.is_free(inside)
    assert nav.is_free(nav.nearest_free(inside))


# -- bodies ----------------------------------------------------------------------


def test_a_hand_reaches_its_target_even_on_the_bottom_shelf() -> None:
    kf = Keyframes()
    kf.add(0, (0.0, 0.0), np.pi / 2)
    kf.add(10, (0.0, 0.0), np.pi / 2)
    for z in (0.15, 0.6, 1.0, 1.5, 1.8):
        move = ArmMove(RIGHT, 1, 2, 3, 4, (0.0, 0.53, z))
        j = joints(np.array([0.0, 2.5, 5.0]), kf, 1.75, [move])
        assert np.linalg.norm(j[1, R_HAND] - [0.0, 0.53, z]) < 0.02
        assert np.linalg.norm(j[0, R_HAND] - j[2, R_HAND]) < 1e-9  # back at rest after
        if z < 0.5:
            assert j[1, HEAD, 2] < j[0, HEAD, 2] - 0.4  # crouched
    assert 1.5 < j[0, HEAD, 2] < 1.75
    assert 0.7 < j[0, L_HAND, 2] < 1.0


def test_keyframes_turn_the_short_way() -> None:
    kf = Keyframes()
    kf.add(0, (0, 0), np.radians(170))
    kf.add(1, (0, 0), np.radians(-170))
    _, h = kf.at(np.array([0.5]))
    assert abs(np.degrees(h[0]) % 360 - 180) < 1e-6


# -- arrivals ----------------------------------------------------------------------


def test_the_day_peaks_at_lunch_and_mid_afternoon() -> None:
    curve = ArrivalCurve(Arrivals(), 150)
    hours = np.linspace(8, 21, 13 * 60 + 1)
    r = curve.per_hour(hours)
    assert abs(hours[np.argmax(r)] - 12.5) < 0.2
    afternoon = (hours > 14.5) & (hours < 16.5)
    assert abs(hours[afternoon][np.argmax(r[afternoon])] - 15.5) < 0.3
    assert r.max() == pytest.approx(150, rel=1e-3)
    assert curve.per_hour(9.0) < 0.5 * 150


def test_arrivals_follow_the_rate() -> None:
    curve = ArrivalCurve(Arrivals(), 150)
    rng = np.random.default_rng(1)
    n = sum(len(arrivals_between(curve, rng, t, t + 10, 12.0)) for t in range(0, 3600 * 4, 10))
    hours = np.linspace(12.0, 16.0, 4 * 600 + 1)
    expected = float(np.mean(curve.per_hour(hours))) * 4
    assert n == pytest.approx(expected, rel=0.08)


def test_default_rate_grows_with_floor_area() -> None:
    a = Arrivals()
    assert a.peak_for(170) == pytest.approx(150)
    assert a.peak_for(2500) > 3 * a.peak_for(170)
    assert Arrivals(peak_per_hour=42).peak_for(2500) == 42


# -- scenarios -----------------------------------------------------------------------


def test_hard_doubles_realistic_and_adds_faults() -> None:
    r, h = preset("realistic"), preset("hard")
    for k, v in r.behaviours.model_dump().items():
        assert getattr(h.behaviours, k) == pytest.approx(
            min(1.0, 2 * v) if k != "restock_per_hour" else 2 * v
        )
    assert h.faults.dead_plates > 0 and r.faults.dead_plates == 0


def test_a_scenario_file_overrides_fields(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text("preset: hard\nbehaviours: {put_back: 0.5}\nrfid: {miss_rate: 0.2}\n")
    sc = load_scenario(p)
    assert sc.name == "s"
    assert sc.behaviours.put_back == 0.5
    assert sc.behaviours.wrong_shelf == preset("hard").behaviours.wrong_shelf
    assert sc.rfid.miss_rate == 0.2


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("behaviours: {put_back: 1.5}", "behaviours.put_back"),
        ("preset: medium", "preset: 'medium'"),
        ("arrivals: {peak_per_hour: -3}", "arrivals.peak_per_hour"),
        ("nonsense_field: 1", "nonsense_field"),
        ("- a list", "must be a mapping"),
    ],
)
def test_scenario_errors_name_the_field(tmp_path: Path, text: str, why: str) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(text + "\n")
    with pytest.raises(ScenarioError, match=r"bad\.yaml") as e:
        load_scenario(p)
    assert why in str(e.value)


# -- clocks --------------------------------------------------------------------------


def test_a_device_clock_has_offset_drift_and_jumps() -> None:
    c = Clock(offset_s=0.02, drift_ppm=50, epoch=1e9, skew_at=100.0, skew_s=0.5)
    assert c.device_time(0.0) == pytest.approx(1e9 + 0.02)
    assert c.device_time(99.0) == pytest.approx(1e9 + 99 + 0.02 + 50e-6 * 99)
    assert c.device_time(100.0) - c.device_time(99.9) == pytest.approx(0.6, abs=1e-3)


def test_neighbours_that_share_a_plate_are_stocked_side_by_side() -> None:
    """Two products cannot stand in one place: the twin stocks each lane where the
    store's planogram puts it (domain.lanes), the units nearest the neighbour on a
    plate of their own side."""
    from tests.fixtures.shared_plates import shared_plate_store
    from walkout.domain.lanes import ShelfLanes

    layout = Layout.of(shared_plate_store())
    shelves = Shelves(layout, np.random.default_rng(0))
    geometry = ShelfLanes(layout)
    for fs in shelves.facings:
        assert [ln.fractions for ln in fs.lanes] == geometry.lane_fractions(fs.index)
    lanes = {fs.sku: fs.lanes for fs in shelves.facings}
    assert set(lanes["P007"][-1].fractions) == {"G1.3.2"}
    assert set(lanes["P008"][0].fractions) == {"G1.3.3"}
