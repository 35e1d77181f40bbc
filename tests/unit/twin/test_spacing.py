"""Bodies keep apart: planned paths that run through each other become side-steps."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.twin.conftest import busy
from walkout.twin.body import NECK, ArmMove, joints
from walkout.twin.plan import PersonPlan, SessionPlan
from walkout.twin.sensors.keypoints import JointRecorder
from walkout.twin.simulation import Simulation
from walkout.twin.spacing import BODY_M, SpacingState, keep_apart

RATE = 15.0


def _person(
    pid: str, sess: SessionPlan, path: list[tuple[float, tuple[float, float]]]
) -> PersonPlan:
    p = PersonPlan(id=pid, session=sess, role="shopper", height=1.75, track=pid)
    for t, xy in path:
        heading = 0.0
        p.kf.add(t, xy, heading)
    p.t_in, p.t_out = path[0][0], path[-1][0]
    return p


def _render(people: list[PersonPlan], t1: float, window: float = 10.0, walkable=None):  # type: ignore[no-untyped-def]
    """Bodies of ``people`` from 0 to ``t1``, window by window, as the twin renders them."""
    state = SpacingState()
    necks, feet = [], []
    t0 = 0.0
    while t0 < t1:
        times = np.arange(t0, min(t0 + window, t1), 1.0 / RATE)
        true = np.stack([joints(times, p.kf, p.height, p.arms) for p in people], axis=1)
        floor = np.stack([p.kf.at(times)[0] for p in people], axis=1)
        present = np.ones((len(times), len(people)), dtype=bool)
        floor = floor + keep_apart(times, people, true, present, floor, state, walkable)
        necks.append(true[:, :, NECK, :2])
        feet.append(floor)
        t0 += window
    return np.concatenate(necks), np.concatenate(feet)


def _closest(xy: np.ndarray) -> float:
    d = np.linalg.norm(xy[:, 0] - xy[:, 1], axis=1)
    return float(d.min())


def _fastest_step(xy: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(xy, axis=0), axis=2).max())


def test_a_walker_steps_round_someone_standing_on_their_path() -> None:
    """A group member walks on to the next stop straight through a companion who
    stands still (the case that used to put two bodies on one spot)."""
    s = SessionPlan(id="s1", account="a", token="t", credential="qr", t_arrive=0.0)
    walker = _person(
        "p1", s, [(0.0, (0.0, 0.0)), (1.0, (0.0, 0.0)), (3.0, (2.4, 0.0)), (6.0, (2.4, 0.0))]
    )
    stander = _person("p2", s, [(0.0, (1.2, 0.0)), (6.0, (1.2, 0.0))])
    neck, feet = _render([walker, stander], 6.0, window=2.0)  # the encounter spans windows
    assert _closest(neck) >= BODY_M - 0.01
    assert _closest(feet) >= BODY_M - 0.01
    # side-steps at walking pace: no body moves faster than ~2.5 m/s in a frame
    assert _fastest_step(neck) < 2.5 / RATE + 0.05
    # and once past, both are back where they planned to stand
    assert np.allclose(neck[-1, 0], (2.4, 0.0), atol=0.02)
    assert np.allclose(neck[-1, 1], (1.2, 0.0), atol=0.02)


def test_two_people_trading_places_pass_side_by_side() -> None:
    s1 = SessionPlan(id="s1", account="a", token="t", credential="qr", t_arrive=0.0)
    s2 = SessionPlan(id="s2", account="b", token="u", credential="qr", t_arrive=0.0)
    a = _person("p1", s1, [(0.0, (0.0, 0.0)), (3.0, (3.0, 0.0)), (4.0, (3.0, 0.0))])
    b = _person("p2", s2, [(0.0, (3.0, 0.0)), (3.0, (0.0, 0.0)), (4.0, (0.0, 0.0))])
    neck, _ = _render([a, b], 4.0)
    assert _closest(neck) >= BODY_M - 0.01
    assert _fastest_step(neck) < 2.5 / RATE + 0.05
    # they went round each other (one side each), not through or back
    mid = int(1.5 * RATE)
    assert abs(neck[mid, 0, 1] - neck[mid, 1, 1]) > 0.3


def test_two_planned_on_one_spot_stand_apart_and_a_hand_in_a_shelf_stays_put() -> None:
    s = SessionPlan(id="s1", account="a", token="t", credential="qr", t_arrive=0.0)
    a = _person("p1", s, [(0.0, (0.0, 0.0)), (4.0, (0.0, 0.0))])
    b = _person("p2", s, [(0.0, (0.1, 0.0)), (4.0, (0.1, 0.0))])
    a.arms.append(ArmMove(1, 0.0, 0.5, 3.5, 4.0, (0.0, 0.6, 1.2)))  # reaching into a shelf
    neck, feet = _render([a, b], 4.0)
    k = int(2.0 * RATE)
    assert np.linalg.norm(neck[k, 0] - neck[k, 1]) >= BODY_M - 0.01
    assert np.linalg.norm(feet[k, 0] - feet[k, 1]) >= BODY_M - 0.01
    # the one reaching held their ground; the other gave way
    assert np.linalg.norm(feet[k, 0] - (0.0, 0.0)) < 0.02


def test_a_body_is_not_pushed_into_a_fixture() -> None:
    """With a wall at y > 0.1 the only way out for a squeezed body is away from it."""
    s = SessionPlan(id="s1", account="a", token="t", credential="qr", t_arrive=0.0)
    a = _person("p1", s, [(0.0, (0.0, 0.0)), (3.0, (0.0, 0.0))])
    b = _person("p2", s, [(0.0, (0.0, 0.05)), (3.0, (0.0, 0.05))])
    _, feet = _render([a, b], 3.0, walkable=lambda xy: bool(xy[1] <= 0.1))
    assert (feet[:, :, 1] <= 0.1 + 1e-9).all()
    assert _closest(feet) >= BODY_M - 0.01


@pytest.mark.parametrize("seed", [3])
def test_a_busy_twin_never_puts_two_bodies_on_one_spot(mini, seed: int) -> None:  # type: ignore[no-untyped-def]
    """The mini store crowded at 200 arrivals an hour: every pair of torsos stays
    apart, the run is deterministic, and nobody jumps (a jump from one body to the
    next would be > 0.45 m in a frame; squeezing past in a crowd is brisk, not that)."""

    def run() -> JointRecorder:
        jr = JointRecorder()
        for _ in Simulation(mini, busy("realistic", 200), seed, 150, sensors=[jr]).records():
            pass
        return jr

    jr = run()
    closest, fastest = np.inf, 0.0
    for _, ids, j in jr.frames:
        xy = j[:, :, NECK, :2].astype(float)
        if len(ids) > 1:
            d = np.linalg.norm(xy[:, :, None] - xy[:, None], axis=3)
            d[:, np.arange(len(ids)), np.arange(len(ids))] = np.inf
            closest = min(closest, float(np.nanmin(d)))
        step = np.linalg.norm(np.diff(xy, axis=0), axis=2)
        fastest = max(fastest, float(np.nanmax(step, initial=0.0)))
    assert closest >= 0.33, closest
    assert fastest < 0.4, fastest
    again = run()
    assert all(
        np.array_equal(a[2], b[2], equal_nan=True)
        for a, b in zip(jr.frames, again.frames, strict=True)
    )
