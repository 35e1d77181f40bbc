"""Who took it (fusion.attribution, and the engine's use of it): the hand that
was over the plates when the weight moved, not the body standing nearest."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fixtures.fusion_script import (
    EPOCH,
    Entry,
    Move,
    Outputs,
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
from walkout.eventlog.records import TrackedPerson, TrackFrame
from walkout.fusion.attribution import closest_approach, region, track_probabilities
from walkout.fusion.config import EngineConfig
from walkout.fusion.tracks import TrackBuffer

P004, P006 = 435.2, 682.4
UP = np.array([0.0, 0.0, 0.1])  # a hand this far above a plate is over it


# -- the geometry -----------------------------------------------------------------------------


def test_a_hand_over_the_plates_is_inside_their_region(layout: Layout) -> None:
    reg = region(layout, ["G1.2.1", "G1.2.2"])
    g1, g2 = layout.plate("G1.2.1"), layout.plate("G1.2.2")
    above = (g1.center + g2.center) / 2 + UP
    assert reg.distance(above[None])[0] == pytest.approx(0.0)
    # half a metre out in front of the shelf, at the same height
    out = above + 0.5 * g1.outward
    assert reg.distance(out[None])[0] == pytest.approx(0.5 - 0.03 - 0.2, abs=0.01)
    # the shelf above is not this shelf
    assert reg.distance((above + UP * 9)[None])[0] > 0.3


def test_the_region_narrows_to_the_lane_where_the_weight_moved(layout: Layout) -> None:
    """Weight left plate 1 only: a hand over plate 3 of the same three-plate region is
    well outside the unit's lane, a hand over plate 1 inside it."""
    plates = ["G1.2.1", "G1.2.2", "G1.2.3"]
    reg = region(layout, plates, {"G1.2.1": -435.0, "G1.2.2": 0.0, "G1.2.3": 0.0})
    over = lambda p: (layout.plate(p).center + UP)[None]  # noqa: E731
    assert reg.distance(over("G1.2.1"))[0] == pytest.approx(0.0)
    assert reg.distance(over("G1.2.3"))[0] == pytest.approx(0.4 - 0.06, abs=0.01)


def test_track_probabilities_favour_the_nearest_hand(cfg: EngineConfig) -> None:
    p = track_probabilities({"a": (0.0, 1.0), "b": (0.3, 1.0)}, cfg)
    assert p["a"] > 0.99 and p["b"] < 1e-3 and sum(p.values()) == pytest.approx(1.0)
    tie = track_probabilities({"a": (0.02, 1.0), "b": (0.02, 1.0)}, cfg)
    assert tie["a"] == pytest.approx(tie["b"]) == pytest.approx(0.5, abs=0.01)


def test_nobody_near_is_nobody(cfg: EngineConfig) -> None:
    """Everyone's hands far off: "nobody we track" wins, not the least far."""
    p = track_probabilities({"a": (0.6, 1.0), "b": (1.5, 1.0), "c": (np.inf, 1.0)}, cfg)
    assert p[None] > 0.99 and "c" not in p
    assert track_probabilities({}, cfg) == {None: 1.0}


def test_closest_approach_is_over_the_window_only(layout: Layout) -> None:
    """A hand that was over the plates before the window does not count in it."""
    g = layout.plate("G1.2.1")
    buf = TrackBuffer()
    for k in range(30):
        t = k / 15
        hand = g.center + UP if t < 1.0 else g.center + 0.6 * g.outward
        joints = {
            "neck": (*(g.front + 0.45 * g.outward)[:2], 1.5, 0.9),
            "r_hand": (*hand, 0.9),
        }
        buf.add_frame(
            TrackFrame(
                device="t",
                t=t,
                people=[TrackedPerson(id="a", joints=joints)],  # type: ignore[arg-type]
            )
        )
    reg = region(layout, ["G1.2.1"])
    d_in, t_in = closest_approach(reg, buf, 0.0, 0.9)["a"]
    d_out, _ = closest_approach(reg, buf, 1.3, 2.0)["a"]
    assert d_in == pytest.approx(0.0, abs=1e-6) and 0.0 <= t_in <= 0.9
    assert d_out == pytest.approx(0.6 - 0.2 - 0.03, abs=0.01)  # from the plate's centre


# -- the engine ---------------------------------------------------------------------------------


def shelf_row(layout: Layout) -> float:
    return front_of(layout, "G1.2.1")[1]


def two_shoppers(
    store: Store, a: Person, b: Person, moves: list[Move], seconds: float = 20.0
) -> Outputs:
    script = Script(
        store, seconds, moves=moves, people=[a, b], entries=[Entry(0.2, "qr-a"), Entry(1.2, "qr-b")]
    )
    return run(script.records(), store)


def test_the_one_shopper_whose_hand_is_in_the_shelf_gets_the_take(
    store: Store, layout: Layout
) -> None:
    y = shelf_row(layout)
    a = Person("a1", stand(1.7, y, 0.5, 16.0), [Reach(5.8, 6.6, "G1.2.1")])
    b = Person("b2", stand(3.5, y + 0.3, 1.5, 16.5))  # passing by, hands down
    out = two_shoppers(store, a, b, [Move(6.2, {"G1.2.1": -P004})])
    (ev,) = out.events
    assert items(ev) == [("P004", 1)] and ev.session == out.session_of_track("a1")
    assert ev.attribution[0].track == "a1" and ev.attribution[0].p > 0.99
    assert not ev.review and ev.p > 0.99
    assert lines(out.receipt_of(out.session_of_track("a1"))) == {"P004": 1}
    assert lines(out.receipt_of(out.session_of_track("b2"))) == {}


def test_two_shoppers_at_one_shelf_taking_at_once_each_get_their_own(
    store: Store, layout: Layout
) -> None:
    """A takes P004 from plates 1-2 while B takes P006 from plates 5-6 of the same
    shelf, 0.1 s later: two events, each to the hand that was there."""
    y = shelf_row(layout)
    a = Person("a1", stand(1.7, y, 0.5, 16.0), [Reach(5.8, 6.6, "G1.2.1")])
    b = Person("b2", stand(2.5, y, 1.5, 16.5), [Reach(5.9, 6.7, "G1.2.6", hand="l")])
    out = two_shoppers(store, a, b, [Move(6.2, {"G1.2.1": -P004}), Move(6.3, {"G1.2.6": -P006})])
    got = {items(e)[0][0]: e for e in out.moves()}
    assert set(got) == {"P004", "P006"}
    sa, sb = out.session_of_track("a1"), out.session_of_track("b2")
    assert got["P004"].session == sa and got["P006"].session == sb
    assert not any(e.review for e in got.values())
    assert lines(out.receipt_of(sa)) == {"P004": 1}
    assert lines(out.receipt_of(sb)) == {"P006": 1}
    assert all(r.status == "final" for r in out.receipts)


def test_a_neighbours_hand_in_the_next_lane_does_not_take_the_item(
    store: Store, layout: Layout
) -> None:
    """B's hand rests in the shelf over P005's plate while A lifts P004 next to it."""
    y = shelf_row(layout)
    a = Person("a1", stand(1.6, y, 0.5, 16.0), [Reach(5.8, 6.6, "G1.2.1")])
    b = Person("b2", stand(2.1, y, 1.5, 16.5), [Reach(5.5, 7.0, "G1.2.3", hand="l")])
    out = two_shoppers(store, a, b, [Move(6.2, {"G1.2.1": -P004})])
    (ev,) = out.events
    assert ev.session == out.session_of_track("a1") and ev.p > 0.95 and not ev.review


def test_reaching_across_someone_standing_at_the_shelf(store: Store, layout: Layout) -> None:
    """B stands right in front of P004, hands down; A, a metre along the shelf,
    reaches past B and takes it. The body nearest is B's, the hand is A's."""
    y = shelf_row(layout)
    a = Person("a1", stand(2.5, y, 0.5, 16.0), [Reach(5.8, 6.6, "G1.2.1", hand="l")])
    b = Person("b2", stand(1.65, y, 1.5, 16.5))
    out = two_shoppers(store, a, b, [Move(6.2, {"G1.2.1": -P004})])
    (ev,) = out.events
    sa, sb = out.session_of_track("a1"), out.session_of_track("b2")
    assert ev.session == sa and ev.p > 0.99
    assert {at.track: at.p for at in ev.attribution}.get("b2", 0.0) < 0.01
    assert lines(out.receipt_of(sa)) == {"P004": 1} and lines(out.receipt_of(sb)) == {}


def test_two_shoppers_lifting_one_unit_each_from_one_facing(store: Store, layout: Layout) -> None:
    """Both hands in P004's facing, lifts 0.6 s apart: the shelf never settles in
    between, so it is one event of two units; each shopper is charged one."""
    y = shelf_row(layout)
    a = Person("a1", stand(1.55, y, 0.5, 16.0), [Reach(5.8, 6.4, "G1.2.1")])
    b = Person("b2", stand(1.85, y, 1.5, 16.5), [Reach(6.2, 7.0, "G1.2.2", hand="l")])
    out = two_shoppers(store, a, b, [Move(6.1, {"G1.2.1": -P004}), Move(6.7, {"G1.2.2": -P004})])
    parts = out.moves()
    assert len(parts) == 2 and {e.parent for e in parts} == {"E0000001"}
    sa, sb = out.session_of_track("a1"), out.session_of_track("b2")
    assert {e.session for e in parts} == {sa, sb}
    assert all(items(e) == [("P004", 1)] for e in parts)
    assert lines(out.receipt_of(sa)) == lines(out.receipt_of(sb)) == {"P004": 1}


def test_two_hands_in_the_same_lane_is_a_coin_toss_for_a_human(
    store: Store, layout: Layout
) -> None:
    """Both shoppers' hands over P004's plate when it is lifted: the engine cannot
    tell, says so (p about one half), and both receipts wait for review."""
    y = shelf_row(layout)
    a = Person("a1", stand(1.5, y, 0.5, 16.0), [Reach(5.8, 6.6, "G1.2.1")])
    b = Person("b2", stand(1.9, y, 1.5, 16.5), [Reach(5.8, 6.6, "G1.2.1", hand="l")])
    out = two_shoppers(store, a, b, [Move(6.2, {"G1.2.1": -P004})])
    (ev,) = out.events
    assert items(ev) == [("P004", 1)]
    assert ev.review and ev.p == pytest.approx(0.5, abs=0.05)
    assert {at.track for at in ev.attribution[:2]} == {"a1", "b2"}
    assert all(r.status == "review" and r.t_final is None for r in out.receipts)
    assert sorted(t.session for t in out.reviews) == sorted(out.sessions)
    assert all(t.events == [ev.id] for t in out.reviews)


def test_no_tracker_no_taker(store: Store) -> None:
    """Weights only (no tracker in the log): the take is found and identified, given to
    nobody, and flagged for review."""
    script = Script(store, 12.0, moves=[Move(5.0, {"G1.2.1": -P004})], tracker=False)
    out = run(script.records(), store)
    (ev,) = out.events
    assert items(ev) == [("P004", 1)] and ev.session is None and ev.review
    assert ev.attribution[0].track is None
    assert ev.t_decided >= EPOCH + 5.0


def test_two_shoppers_lifting_look_alikes_side_by_side_each_get_their_own(
    store: Store, layout: Layout
) -> None:
    """A lifts P007 (150 g) from its edge plate and B, a moment later, P008 (152 g)
    from the plate next to it: one weight change, two lifts. The scales read A's unit
    as 152.5 g and B's as 149.5 g, so by weight each lift looks like the other's
    product; where each lift happened says which it was."""
    y = front_of(layout, "G1.3.2")[1]
    a = Person("a1", stand(1.6, y, 0.5, 16.0), [Reach(5.9, 6.6, "G1.3.2")])
    b = Person("b2", stand(2.6, y, 1.5, 16.5), [Reach(6.2, 6.9, "G1.3.3", hand="l")])
    out = two_shoppers(store, a, b, [Move(6.2, {"G1.3.2": -152.5}), Move(6.5, {"G1.3.3": -149.5})])
    sa, sb = out.session_of_track("a1"), out.session_of_track("b2")
    parts = [e for e in out.events if e.parent]
    assert len(parts) == 2
    assert lines(out.receipt_of(sa)) == {"P007": 1}
    assert lines(out.receipt_of(sb)) == {"P008": 1}


def test_a_hand_at_the_shelf_above_is_not_in_this_shelf(layout: Layout) -> None:
    """Shelves stand 0.4 m apart: a hand gripping an item 10 cm over shelf 2 is well
    above shelf 1's region, whose items it would have to pass through shelf 2 to reach."""
    reg = region(layout, ["G1.1.1"])
    g = layout.plate("G1.2.1")
    hand = (g.center + UP)[None]
    assert layout.headroom("G1", 1) == pytest.approx(0.4)
    assert reg.distance(hand)[0] > 0.1
    assert layout.headroom("G1", 4) is None


def test_the_next_hand_arriving_at_a_lift_did_not_make_it(store: Store, layout: Layout) -> None:
    """A lifts one P004; B's hand reaches into the same lane 0.3 s later and lifts two
    more. One weight change, two lifts: the first was A's hand, there all through
    that lift, not B's, arriving after it."""
    y = shelf_row(layout)
    a = Person("a1", stand(1.3, y, 0.5, 16.0), [Reach(5.8, 6.5, "G1.2.1")])
    b = Person("b2", stand(2.0, y, 1.5, 16.5), [Reach(6.5, 7.2, "G1.2.1", hand="l")])
    out = two_shoppers(
        store, a, b, [Move(6.2, {"G1.2.1": -P004}), Move(6.8, {"G1.2.1": -2 * P004})]
    )
    assert lines(out.receipt_of(out.session_of_track("a1"))) == {"P004": 1}
    assert lines(out.receipt_of(out.session_of_track("b2"))) == {"P004": 2}
    first = min((e for e in out.events if e.parent), key=lambda e: -e.delta_g)
    assert first.session == out.session_of_track("a1") and first.p > 0.95


def test_a_hand_at_the_plates_but_outside_the_units_lane_still_takes_it(
    store: Store, layout: Layout
) -> None:
    """A P004 leaves plate 2 while the tracker shows the shopper's one hand at the
    outer end of plate 1 (the hand that lifted it hidden from every camera): no
    hand in the unit's lane, but one at its facing and nobody else near. The take
    is this shopper's (a little less sure), not nobody's, so it reaches their
    receipt instead of leaving it short."""
    y = shelf_row(layout)
    g = layout.plate("G1.2.1")
    along = (g.corners[1] - g.corners[0]) / np.linalg.norm(g.corners[1] - g.corners[0])
    end = g.center - 0.13 * along + UP
    a = Person("a1", stand(1.5, y, 0.5, 16.0), [Reach(5.8, 6.6, at=tuple(map(float, end)))])
    b = Person("b2", stand(4.0, y + 0.3, 1.5, 16.5))
    out = two_shoppers(store, a, b, [Move(6.2, {"G1.2.2": -P004})])
    (ev,) = out.moves()
    assert items(ev) == [("P004", 1)]
    assert ev.session == out.session_of_track("a1") and ev.attribution[0].track == "a1"
    assert lines(out.receipt_of(out.session_of_track("a1"))) == {"P004": 1}
