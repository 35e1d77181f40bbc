"""Change detection (fusion.detect) on synthetic sample streams: a step is found
with its grams and its time; noise, drift, shakes and short touches are not
changes; neighbouring plates moving together are one shelf event."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from tests.fixtures.fusion_script import (
    EPOCH,
    Entry,
    Move,
    Person,
    Reach,
    Script,
    front_of,
    items,
    run,
    stand,
)
from walkout.domain.layout import Layout
from walkout.domain.store import Store
from walkout.fusion.config import EngineConfig
from walkout.fusion.detect import DeviceDetector, PlateChange
from walkout.fusion.events import cluster
from walkout.fusion.planogram import LivePlanogram

RATE = 60.0
BATCH = 12
T0 = 1_000.0
PLATES = ["G1.2.1", "G1.2.2", "G1.2.3", "G1.2.4"]

Signal = Callable[[np.ndarray, int], np.ndarray]  # (times from T0, plate column) -> grams


def ramp(t: float, grams: float, ramp_s: float = 0.1) -> Callable[[np.ndarray], np.ndarray]:
    return lambda ts: grams * np.clip((ts - t) / ramp_s, 0.0, 1.0)


def detect(
    signal: Signal,
    seconds: float = 12.0,
    noise: float | list[float] = 0.6,
    seed: int = 0,
    cfg: EngineConfig | None = None,
    shake: Callable[[np.ndarray], np.ndarray] | None = None,
) -> list[PlateChange]:
    """Feed one controller's plates (tares 1000, 1050, ...) through a detector."""
    rng = np.random.default_rng(seed)
    det = DeviceDetector(list(PLATES), cfg or EngineConfig())
    sd = np.broadcast_to(np.asarray(noise, dtype=float), (len(PLATES),))
    out: list[PlateChange] = []
    for k in range(int(seconds * RATE / BATCH)):
        ts = k * BATCH / RATE + np.arange(BATCH) / RATE
        g = np.stack([1000.0 + 50 * j + signal(ts, j) for j in range(len(PLATES))], axis=1)
        extra = shake(ts)[:, None] if shake is not None else 0.0
        g = g + rng.normal(0.0, 1.0, g.shape) * (sd + extra)
        out.extend(det.feed(T0 + ts[0], RATE, g))
    return out


def on(plate: int, f: Callable[[np.ndarray], np.ndarray]) -> Signal:
    return lambda ts, j: f(ts) if j == plate else np.zeros_like(ts)


# -- a step -------------------------------------------------------------------------------


@pytest.mark.parametrize("grams", [-500.0, -40.0, 300.0])
@pytest.mark.parametrize("at", [5.0, 5.07, 5.13])
def test_a_clean_step_is_one_change_with_its_grams_and_time(grams: float, at: float) -> None:
    changes = detect(on(1, ramp(at, grams)), seed=int(at * 100))
    assert len(changes) == 1
    (c,) = changes
    assert c.plate == PLATES[1]
    assert c.delta == pytest.approx(grams, abs=1.5)
    assert c.post - c.pre == pytest.approx(c.delta)
    assert not c.unstable
    # it started when the weight did (to a sample), moved fastest during the ramp,
    # and was calm again a few batches later
    assert T0 + at - 1 / RATE <= c.t0 <= T0 + at + 0.1
    assert c.tm is not None and T0 + at - 1 / RATE <= c.tm <= T0 + at + 0.1
    assert c.ts is not None and T0 + at - 0.2 <= c.ts <= T0 + at + 0.3
    assert T0 + at + 0.1 <= c.t1 <= T0 + at + 0.8


def test_the_noise_of_each_plate_is_learnt_so_a_noisy_plate_needs_a_bigger_step() -> None:
    """A 12 g step stands out of a quiet plate's 0.6 g but not of a 10 g plate."""
    sig = lambda ts, j: ramp(5.0, -12.0)(ts) if j in (0, 3) else np.zeros_like(ts)  # noqa: E731
    changes = detect(sig, noise=[0.6, 0.6, 0.6, 10.0])
    assert [c.plate for c in changes] == [PLATES[0]]
    assert changes[0].delta == pytest.approx(-12.0, abs=1.0)


# -- what is not a change -------------------------------------------------------------------


@pytest.mark.parametrize("noise", [0.6, 2.5, 9.5])  # median, p90 and p99 plates of the real data
def test_noise_alone_is_no_change(noise: float) -> None:
    assert detect(lambda ts, j: np.zeros_like(ts), seconds=60.0, noise=noise, seed=3) == []


@pytest.mark.parametrize("g_per_min", [20.0, -20.0, 2.0 / 60.0])  # the twin's drift fault; 2 g/h
def test_slow_drift_is_no_change(g_per_min: float) -> None:
    assert detect(lambda ts, j: ts * g_per_min / 60.0, seconds=90.0, seed=4) == []


def test_a_take_after_a_long_drift_still_measures_its_own_grams() -> None:
    """The level follows the drift, so the step is measured against where the
    plate was just before it, not where it was at the start."""
    sig = lambda ts, j: ts * 20.0 / 60.0 + (ramp(70.0, -435.2)(ts) if j == 2 else 0.0)  # noqa: E731
    changes = detect(sig, seconds=75.0, seed=5)
    assert [c.plate for c in changes] == [PLATES[2]]
    assert changes[0].delta == pytest.approx(-435.2, abs=2.0)


def test_a_shaken_shelf_whose_level_holds_is_no_change() -> None:
    """Someone's hand on the fixture shakes every plate (sd 8 g for 2 s): no change."""
    shake = lambda ts: np.where((ts > 5.0) & (ts < 7.0), 8.0, 0.0)  # noqa: E731
    assert detect(lambda ts, j: np.zeros_like(ts), shake=shake, seed=6) == []


def test_a_put_on_a_shaken_shelf_is_read_for_longer_not_lost() -> None:
    """A crowded shelf shakes (sd 14 g, 40 g while someone leans on it) as a 56 g unit
    is set down: three calm batches are not yet clear of that scatter, more are (seed
    9's lunch hour lost such a put-back, and charged the shopper for it)."""

    def shake(ts: np.ndarray) -> np.ndarray:
        return np.where((ts > 4.8) & (ts < 8.5), 40.0, np.where(ts < 10.0, 14.0, 0.0))

    changes = detect(on(1, ramp(5.0, 56.0)), shake=shake, seed=0)
    assert [c.plate for c in changes] == [PLATES[1]]
    assert changes[0].delta == pytest.approx(56.0, abs=12.0)


@pytest.mark.parametrize("rest_s", [0.2, 0.4])
@pytest.mark.parametrize("grams", [40.0, 300.0])
def test_a_hand_resting_a_moment_then_lifting_is_no_change(rest_s: float, grams: float) -> None:
    def touch(ts: np.ndarray) -> np.ndarray:
        return ramp(5.0, grams)(ts) - ramp(5.1 + rest_s, grams)(ts)

    assert detect(on(0, touch), seed=7) == []


def test_a_press_before_a_lift_is_not_counted_in_the_lift() -> None:
    """The hand presses 40 g for 0.4 s, then lifts a 435 g unit: one change of -435 g."""

    def press_and_lift(ts: np.ndarray) -> np.ndarray:
        return 40.0 * ((ts >= 4.6) & (ts < 5.0)) + ramp(5.0, -435.2)(ts)

    changes = detect(on(1, press_and_lift), seed=8)
    assert len(changes) == 1
    assert changes[0].delta == pytest.approx(-435.2, abs=1.5)
    assert changes[0].peak == pytest.approx(-435.2, abs=5.0)


def test_a_dead_plate_beside_a_step_is_ignored() -> None:
    """A channel that reports nothing (NaN) changes nothing; its neighbour's take is found."""

    def sig(ts: np.ndarray, j: int) -> np.ndarray:
        if j == 0:
            return np.full_like(ts, np.nan)
        return ramp(5.0, -300.0)(ts) if j == 1 else np.zeros_like(ts)

    changes = detect(sig, seed=9)
    assert [(c.plate, round(c.delta)) for c in changes] == [(PLATES[1], -300)]


# -- neighbouring plates ----------------------------------------------------------------------


def test_two_neighbouring_plates_changing_at_once_are_two_changes_at_one_time() -> None:
    """A unit standing across plates 1 and 2: each plate reports its share."""
    sig = lambda ts, j: (  # noqa: E731
        ramp(5.0, -200.0)(ts) if j == 0 else ramp(5.0, -235.2)(ts) if j == 1 else 0 * ts
    )
    changes = sorted(detect(sig, seed=10), key=lambda c: c.plate)
    assert [c.plate for c in changes] == PLATES[:2]
    assert [c.delta for c in changes] == [
        pytest.approx(-200.0, abs=1.5),
        pytest.approx(-235.2, abs=1.5),
    ]
    a, b = changes
    assert abs(a.t0 - b.t0) < 0.05 and abs(a.t1 - b.t1) < 0.25


def _change(plate: str, t0: float, t1: float, delta: float) -> PlateChange:
    return PlateChange(
        plate=plate, t0=t0, t1=t1, delta=delta, pre=0.0, post=delta, sigma=0.6, peak=delta
    )


def test_cluster_joins_neighbours_that_overlap_in_time(plan: LivePlanogram) -> None:
    cs = [
        _change("G1.2.1", 5.0, 5.4, -200.0),
        _change("G1.2.2", 5.02, 5.4, -235.0),
        _change("G1.2.5", 5.0, 5.4, -680.0),  # same moment, three plates away: another unit
        _change("G1.2.3", 9.0, 9.4, -470.0),  # a neighbour, but seconds later
    ]
    groups = sorted(sorted(c.plate for c in g) for g in cluster(cs, plan, 0.4))
    assert groups == [["G1.2.1", "G1.2.2"], ["G1.2.3"], ["G1.2.5"]]


def test_cluster_keeps_a_take_and_a_put_apart(plan: LivePlanogram) -> None:
    cs = [_change("G1.2.1", 5.0, 5.4, -435.0), _change("G1.2.2", 5.0, 5.4, 470.0)]
    assert len(cluster(cs, plan, 0.4)) == 2


def test_cluster_links_plates_through_a_late_middle_plate(plan: LivePlanogram) -> None:
    """Plates 1 and 3 move first, plate 2 a moment later: one item over three plates."""
    cs = [
        _change("G1.2.1", 5.0, 5.3, -100.0),
        _change("G1.2.3", 5.0, 5.3, -100.0),
        _change("G1.2.2", 5.5, 5.9, -235.0),
    ]
    assert [len(g) for g in cluster(cs, plan, 0.4)] == [3]


def test_the_engine_makes_one_event_of_a_unit_across_two_plates(
    store: Store, layout: Layout
) -> None:
    x, y = front_of(layout, "G1.2.1")
    alice = Person("a1", stand(x + 0.1, y, 0.5, 12.0), [Reach(5.7, 6.6, "G1.2.1")])
    script = Script(
        store,
        15.0,
        moves=[Move(6.2, {"G1.2.1": -200.0, "G1.2.2": -235.2})],
        people=[alice],
        entries=[Entry(0.2, "qr-a")],
    )
    out = run(script.records(), store)
    (ev,) = out.events
    assert ev.op == "take" and items(ev) == [("P004", 1)]
    assert ev.plates == {
        "G1.2.1": pytest.approx(-200.0, abs=2),
        "G1.2.2": pytest.approx(-235.2, abs=2),
    }
    assert ev.delta_g == pytest.approx(-435.2, abs=2)
    assert EPOCH + 6.2 - 0.05 <= ev.t_start <= EPOCH + 6.3
    assert ev.session == out.session_of_track("a1") and not ev.review


def test_a_unit_of_the_lightest_product_counts_on_the_heaviest_shelf(store: Store) -> None:
    """Grams an event needs: a share of the lightest product there, but never so many that
    a misplaced unit of the store's lightest product (81 g here) goes unseen on a shelf of
    355 g bottles; and never under 25 g for that, whatever a catalogue lists (the NanoStore's
    has 0.2 g products, and its real plates move by 16 g without anyone taking anything)."""
    from walkout.fusion.engine import Engine

    lightest = min(p.weight_g for p in store.products.values())
    bottles = ["G1.1.3", "G1.1.4"]  # P002, 355 g
    assert Engine(store)._min_g(bottles) == pytest.approx(0.6 * lightest)
    data = store.model_dump()
    data["catalogue"].append({**data["catalogue"][0], "sku": "FEATHER", "weight_g": 0.2})
    data["catalogue"][-1]["gtin"] = None
    odd = Store.model_validate(data)
    assert Engine(odd)._min_g(bottles) == pytest.approx(25.0)


def test_a_shaken_plate_is_holding_its_level_and_a_lifted_one_is_not() -> None:
    """A leaving shopper's receipt waits for plates they touched that are still moving,
    but not for one that is only shaken (someone leaning on the freezer): its level holds."""
    rng = np.random.default_rng(12)
    det = DeviceDetector(list(PLATES), EngineConfig())
    for k in range(40):  # 8 s: quiet, then plate 0 shaken (sd 20 g), plate 1 lifted 400 g (sd 40 g)
        ts = k * BATCH / RATE + np.arange(BATCH) / RATE
        g = np.tile(1000.0 + 50 * np.arange(len(PLATES)), (BATCH, 1))
        g += rng.normal(0.0, 0.6, g.shape)
        if ts[0] >= 4.0:
            g[:, 0] += rng.normal(0.0, 20.0, BATCH)
            g[:, 1] += -400.0 + rng.normal(0.0, 40.0, BATCH)  # shaken harder: never calm
        det.feed(T0 + ts[0], RATE, g)
    assert det.active[0] and det.active[1]
    assert det.holding(0, 25.0)
    assert not det.holding(1, 25.0)


# -- the short path ------------------------------------------------------------------------


def _stream(seconds: float = 14.0, seed: int = 3) -> list[tuple[float, np.ndarray]]:
    """Noisy batches of the four plates with a take at 4 s and a put at 9 s."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(int(seconds * RATE / BATCH)):
        ts = k * BATCH / RATE + np.arange(BATCH) / RATE
        g = np.stack([1000.0 + 50 * j + 0.0 * ts for j in range(len(PLATES))], axis=1)
        g[:, 1] += ramp(4.0, -300.0)(ts) + ramp(9.0, 120.0)(ts)
        out.append((T0 + ts[0], g + rng.normal(0.0, 0.7, g.shape)))
    return out


def _run(each: Callable[[DeviceDetector], DeviceDetector]) -> tuple[list, DeviceDetector]:
    det = DeviceDetector(list(PLATES), EngineConfig())
    out: list[PlateChange] = []
    for t, g in _stream():
        det = each(det)
        out.extend(det.feed(t, RATE, g))
    return out, det


def _old_checkpoint(det: DeviceDetector) -> DeviceDetector:
    """A pickle round trip of a detector saved before it had ``moving``."""
    import pickle

    state = dict(det.__dict__)
    state.pop("moving", None)
    old = DeviceDetector.__new__(DeviceDetector)
    old.__dict__.update(pickle.loads(pickle.dumps(state)))
    return old


def test_the_short_path_gives_the_bits_of_the_per_plate_path() -> None:
    def per_plate(det: DeviceDetector) -> DeviceDetector:
        det.moving = True  # every batch through _moving
        return det

    fast, a = _run(lambda d: d)
    slow, b = _run(per_plate)
    assert [c.plate for c in fast] == [PLATES[1], PLATES[1]]
    assert fast == slow  # frozen dataclasses: every float equal
    for name in ("level", "sigma", "last_mean"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes()


def test_a_detector_from_an_older_checkpoint_goes_on_the_same() -> None:
    fast, a = _run(lambda d: d)
    restored, b = _run(_old_checkpoint)
    assert fast == restored
    assert a.level.tobytes() == b.level.tobytes()
    assert a.sigma.tobytes() == b.sigma.tobytes()
