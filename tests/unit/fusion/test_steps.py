"""Event splitting (fusion.steps): the separate lifts inside one shelf event,
and which units left in which lift."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fixtures.fusion_script import (
    Entry,
    Move,
    Person,
    Reach,
    Script,
    front_of,
    items,
    lines,
    run,
    stand,
)
from walkout.domain.layout import Layout
from walkout.domain.store import Store
from walkout.fusion.detect import PlateChange
from walkout.fusion.steps import WINDOW_S, Step, assign_units, find_steps, fit_units, plate_steps

RATE = 60.0
P001, P004, P005 = 150.2, 435.2, 472.8


def curve(
    lifts: list[tuple[float, dict[int, float]]],
    plates: int = 2,
    seconds: float = 3.0,
    ramp_s: float = 0.0,
    seed: int = 0,
    snap: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Samples (times, samples x plates) of plates losing ``grams`` on plate ``j`` at ``t``.

    ``snap``: each lift starts on the first sample of a 0.1-s window as find_steps
    cuts them (so that a clean jump falls in no window's middle)."""
    rng = np.random.default_rng(seed)
    ts = np.arange(0.0, seconds, 1 / RATE)
    window = np.floor((ts - ts[0]) / WINDOW_S).astype(int)
    xs = np.tile(1000.0 + 50.0 * np.arange(plates), (len(ts), 1))
    xs += rng.normal(0.0, 0.6, xs.shape)
    for t, grams in lifts:
        if snap:
            t = float(ts[np.argmax(window == window[np.searchsorted(ts, t - 1e-9)])])
        for j, g in grams.items():
            if ramp_s > 0:
                xs[:, j] += g * np.clip((ts - t) / ramp_s, 0.0, 1.0)
            else:
                xs[:, j] += g * (ts >= t)
    return ts, xs


def test_a_two_unit_curve_is_two_lifts_of_one_unit_each(store: Store) -> None:
    """Two P004 lifted 0.8 s apart, each at a window's edge: two steps, one unit each."""
    ts, xs = curve([(1.0, {0: -P004}), (1.8, {1: -P004})])
    steps = find_steps(ts, xs, ["a", "b"], 0.4 * P004)
    assert len(steps) == 2
    assert [s.grams for s in steps] == [pytest.approx(-P004, abs=2), pytest.approx(-P004, abs=2)]
    assert steps[0].t == pytest.approx(1.0, abs=0.1) and steps[1].t == pytest.approx(1.8, abs=0.1)
    # each step on the plate its unit stood on
    assert steps[0].plates["a"] == pytest.approx(-P004, abs=2) and abs(steps[0].plates["b"]) < 2
    assert steps[1].plates["b"] == pytest.approx(-P004, abs=2) and abs(steps[1].plates["a"]) < 2
    fit = assign_units(steps, [("P004", 2)], store.products, -2 * P004)
    assert fit is not None
    parts, worst_z = fit
    assert parts == [{"P004": 1}, {"P004": 1}]
    assert worst_z < 1.0


def test_two_products_lifted_apart_each_go_to_their_own_lift(store: Store) -> None:
    ts, xs = curve([(1.0, {1: -P005}), (2.0, {0: -P004})])
    steps = find_steps(ts, xs, ["a", "b"], 0.4 * P004)
    fit = assign_units(steps, [("P004", 1), ("P005", 1)], store.products, -(P004 + P005))
    assert fit is not None
    assert fit[0] == [{"P005": 1}, {"P004": 1}]


def test_three_units_in_two_lifts(store: Store) -> None:
    ts, xs = curve([(1.0, {0: -2 * P004}), (2.0, {1: -P004})])
    steps = find_steps(ts, xs, ["a", "b"], 0.4 * P004)
    fit = assign_units(steps, [("P004", 3)], store.products, -3 * P004)
    assert fit is not None and fit[0] == [{"P004": 2}, {"P004": 1}]


def test_batches_stamped_out_of_order_give_the_same_steps() -> None:
    """A controller's batches can overlap in time (its clock steps back between two):
    the samples are read in time order, not in the order they came (once a crash)."""
    ts, xs = curve([(1.0, {0: -P004}), (1.8, {1: -P004})])
    cut = len(ts) // 2
    shuffled_t = np.concatenate([ts[cut:], ts[:cut]])
    shuffled_x = np.concatenate([xs[cut:], xs[:cut]])
    got = find_steps(shuffled_t, shuffled_x, ["a", "b"], 0.4 * P004)
    assert got == find_steps(ts, xs, ["a", "b"], 0.4 * P004)
    assert len(got) == 2


def test_a_press_before_the_lift_is_no_step() -> None:
    """The hand presses 40 g for 0.4 s, then lifts: the press is far below a unit."""
    ts, xs = curve([(0.8, {0: 40.0}), (1.2, {0: -40.0 - P004})])
    steps = find_steps(ts, xs, ["a", "b"], 0.4 * P004)
    assert len(steps) == 1 and steps[0].grams == pytest.approx(-P004 - 40, abs=2)


def test_a_single_lift_is_not_split(store: Store) -> None:
    ts, xs = curve([(1.0, {0: -2 * P004})])
    steps = find_steps(ts, xs, ["a", "b"], 0.4 * P004)
    assert len(steps) == 1
    assert assign_units(steps, [("P004", 2)], store.products, -2 * P004) is None


def test_lifts_that_do_not_add_up_to_the_event_are_not_used(store: Store) -> None:
    steps = [Step(1.0, {"a": -P004}), Step(2.0, {"a": -P004})]
    assert assign_units(steps, [("P004", 3)], store.products, -3 * P004) is None


def test_lifts_that_are_no_whole_number_of_units_are_not_used(store: Store) -> None:
    """Two jumps of 300 g and 570 g: they add up to two P004, but neither is one."""
    steps = [Step(1.0, {"a": -300.0}), Step(2.0, {"a": -570.4})]
    assert assign_units(steps, [("P004", 2)], store.products, -2 * P004) is None


def test_too_few_samples_are_no_steps() -> None:
    assert find_steps(np.arange(3) / RATE, np.zeros((3, 1)), ["a"], 10.0) == []


@pytest.mark.parametrize("ramp_s", [0.05, 0.15])
def test_a_lift_is_measured_whole_wherever_it_falls_in_a_window(ramp_s: float) -> None:
    got = []
    for phase in np.linspace(0.0, 0.09, 7):
        ts, xs = curve(
            [(1.0 + phase, {0: -P004}), (1.8 + phase, {1: -P004})], ramp_s=ramp_s, snap=False
        )
        got.append([round(s.grams) for s in find_steps(ts, xs, ["a", "b"], 0.4 * P004)])
    assert all(g == [pytest.approx(-P004, rel=0.08)] * 2 for g in got), got


def test_two_shoppers_lifting_two_neighbouring_products_in_one_event(
    store: Store, layout: Layout
) -> None:
    """A lifts a P004 off G1.2.2, B a P005 off G1.2.3 half a second later: the shelf
    never settles in between, so it is one event; its lifts tell who took which."""
    _, y = front_of(layout, "G1.2.2")
    a = Person("a1", stand(1.75, y, 0.5, 16.0), [Reach(5.8, 6.4, "G1.2.2")])
    b = Person("b2", stand(2.15, y, 1.5, 16.5), [Reach(6.3, 7.1, "G1.2.3", hand="l")])
    script = Script(
        store,
        20.0,
        moves=[Move(6.1, {"G1.2.2": -P004}, ramp_s=0.1), Move(6.6, {"G1.2.3": -P005}, ramp_s=0.1)],
        people=[a, b],
        entries=[Entry(0.2, "qr-a"), Entry(1.2, "qr-b")],
    )
    out = run(script.records(), store)
    assert lines(out.receipt_of(out.session_of_track("a1"))) == {"P004": 1}
    assert lines(out.receipt_of(out.session_of_track("b2"))) == {"P005": 1}


def test_look_alikes_fit_either_way_round(store: Store) -> None:
    """P007 (150 g) and P008 (152 g) lifted apart: weight cannot say which left first,
    so both ways round are offered (where each lift happened decides, in the engine)."""
    steps = [Step(1.0, {"G1.3.2": -150.0}), Step(2.0, {"G1.3.3": -152.0})]
    fits = fit_units(steps, [("P007", 1), ("P008", 1)], store.products, -302.0)
    assert sorted(tuple(sorted(p[0])) for p, _, _ in fits) == [("P007",), ("P008",)]
    assert {tuple(p[0]) for p, _, _ in fits} == {("P007",), ("P008",)}
    assert all(worst < 1.0 for _, worst, _ in fits)


def change(plate: str, delta: float, ts: float) -> PlateChange:
    return PlateChange(
        plate=plate,
        t0=ts - 0.3,
        t1=ts + 0.4,
        delta=delta,
        pre=0.0,
        post=delta,
        sigma=0.6,
        peak=delta,
        tm=ts - 0.1,
        ts=ts,
        step=abs(delta),
    )


def test_lifts_from_different_plates_are_told_apart_by_when_each_plate_moved() -> None:
    """One unit off plate 2, then two units off plates 1 and 3 together, 0.45 s later
    (a hand bouncing the shelf in between does not touch the plates' net changes)."""
    changes = [change("a.1", -91.5, 1.05), change("a.2", -86.5, 0.6), change("a.3", -88.3, 1.1)]
    steps = plate_steps(changes, take=True)
    assert [sorted(s.plates) for s in steps] == [["a.2"], ["a.1", "a.3"]]
    assert steps[0].grams == pytest.approx(-86.5) and steps[1].grams == pytest.approx(-179.8)
    assert steps[0].t == pytest.approx(0.6) and steps[1].t == pytest.approx(1.075, abs=0.01)
    # plates that all moved at once are one lift: nothing to split
    assert plate_steps([change("a.1", -90.0, 1.0), change("a.2", -88.0, 1.1)], take=True) == []
    # a put on a plate does not count among the lifts of a take
    assert plate_steps([change("a.1", -90.0, 1.0), change("a.2", 88.0, 2.0)], take=True) == []


def test_one_unit_and_two_units_by_two_hands_from_neighbouring_plates(
    store: Store, layout: Layout
) -> None:
    """A lifts one P001 (150 g) off G1.1.1; half a second later B, who pressed on the
    shelf with 80 g first, lifts two off G1.1.2. Three units, two hands; the summed
    curve's jumps do not add up (the press), the plates' own changes say which hand
    took two."""
    y = front_of(layout, "G1.1.1")[1]
    a = Person("a1", stand(1.4, y, 0.5, 16.0), [Reach(5.8, 6.5, "G1.1.1")])
    b = Person("b2", stand(2.1, y, 1.5, 16.5), [Reach(6.1, 7.0, "G1.1.2", hand="l")])
    script = Script(
        store,
        20.0,
        moves=[
            Move(6.2, {"G1.1.1": -P001}),
            Move(6.65, {"G1.1.2": -2 * P001}, press_g=80.0, press_s=0.3),
        ],
        people=[a, b],
        entries=[Entry(0.2, "qr-a"), Entry(1.2, "qr-b")],
    )
    out = run(script.records(), store)
    parts = sorted((min(e.plates), items(e)) for e in out.events if e.parent)
    assert parts == [("G1.1.1", [("P001", 1)]), ("G1.1.2", [("P001", 2)])]
    assert lines(out.receipt_of(out.session_of_track("a1"))) == {"P001": 1}
    assert lines(out.receipt_of(out.session_of_track("b2"))) == {"P001": 2}
