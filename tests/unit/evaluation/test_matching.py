"""Matching rules on hand-made events, actions and sessions."""

from __future__ import annotations

from typing import Any

from walkout.evaluation.calibration import reliability
from walkout.evaluation.events import item_ok
from walkout.evaluation.matching import match_events, match_sessions
from walkout.evaluation.receipts import item_scores, session_f1
from walkout.evaluation.review import settle
from walkout.eventlog.truth import TruthAction, TruthPerson, TruthSession
from walkout.fusion.outputs import Hypothesis, Receipt, ReceiptLine, Session, ShelfEvent


def action(aid: str, t: float, plates: dict[str, float], **kw: Any) -> TruthAction:
    d: dict[str, Any] = {
        "id": aid,
        "op": "take",
        "t_start": t - 0.5,
        "t_end": t + 0.5,
        "t_change": t,
        "person": "p1",
        "session": "s1",
        "product": "A",
        "qty": 1,
        "plates": plates,
        "hand": "right",
    }
    d.update(kw)
    return TruthAction(**d)


def event(eid: str, t0: float, t1: float, plates: dict[str, float], **kw: Any) -> ShelfEvent:
    fixture, shelf, _ = next(iter(plates)).split(".")
    d: dict[str, Any] = {
        "id": eid,
        "t_start": t0,
        "t_end": t1,
        "fixture": fixture,
        "shelf": int(shelf),
        "plates": plates,
        "delta_g": sum(plates.values()),
        "op": "take",
        "hypotheses": [Hypothesis(items=[("A", 1)], p=0.9)],
        "p": 0.9,
        "t_decided": t1 + 1,
    }
    d.update(kw)
    return ShelfEvent(**d)


def test_time_tolerance_and_place() -> None:
    acts = [
        action("in", 10.0, {"G1.2.3": 100}),
        action("late", 21.9, {"G1.2.3": 100}),  # 0.9 s after the event: within 1 s
        action("too_late", 33.2, {"G1.2.3": 100}),  # 1.2 s after
        action("neighbour", 40.0, {"G1.2.4": 100}),  # adjacent plate
        action("far_plate", 50.0, {"G1.2.6": 100}),  # two plates away
        action("other_shelf", 60.0, {"G1.3.3": 100}),
    ]
    evs = [
        event("e1", 9.8, 10.3, {"G1.2.3": -100}),
        event("e2", 20.5, 21.0, {"G1.2.3": -100}),
        event("e3", 31.5, 32.0, {"G1.2.3": -100}),
        event("e4", 39.8, 40.3, {"G1.2.3": -100}),
        event("e5", 49.8, 50.3, {"G1.2.3": -100, "G1.2.4": -5}),
        event("e6", 59.8, 60.3, {"G1.2.3": -100}),
    ]
    m = match_events(evs, acts)
    assert m.event_of == {"in": "e1", "late": "e2", "neighbour": "e4"}
    assert match_events(evs, acts, tol=1.5).event_of["too_late"] == "e3"


def test_merged_event_takes_several_actions_but_each_event_gets_one_first() -> None:
    acts = [
        action("a1", 10.0, {"G1.2.3": 100}),
        action("a2", 10.4, {"G1.2.4": 100}, person="p2", session="s2"),
    ]
    merged = match_events([event("m", 9.5, 11.0, {"G1.2.3": -100, "G1.2.4": -100})], acts)
    assert [a.id for a in merged.actions_of["m"]] == ["a1", "a2"]
    # two overlapping events, both nearer a2 than a1 is to y: each still gets one action
    acts[1] = acts[1].model_copy(update={"t_change": 10.1})
    both = {"G1.2.3": -100.0, "G1.2.4": -100.0}
    two = match_events([event("x", 9.6, 10.6, both), event("y", 9.9, 11.5, both)], acts)
    assert two.event_of == {"a2": "x", "a1": "y"}
    # plates break a tie in time: each action goes to the event on its own plates
    same_time = match_events(
        [event("p3", 9.5, 11.0, {"G1.2.3": -100}), event("p4", 9.5, 11.0, {"G1.2.4": -100})], acts
    )
    assert same_time.event_of == {"a1": "p3", "a2": "p4"}


def _truth_session(sid: str, token: str | None, tracks: list[str], enter: float) -> TruthSession:
    people = [TruthPerson(id=f"{sid}-{i}", track=t) for i, t in enumerate(tracks)]
    return TruthSession(
        id=sid,
        account="acct" if token else None,
        token=token,
        people=people,
        enter=enter,
        exit=enter + 60,
    )


def _session(sid: str, token: str | None, tracks: list[str], enter: float) -> Session:
    return Session(
        id=sid,
        token=token,
        credential="card" if token else None,
        admits=len(tracks),
        tracks=tracks,
        t_enter=enter,
    )


def test_sessions_by_token_then_by_track() -> None:
    truth = [
        _truth_session("t1", "card-1", ["aa"], 100.0),
        _truth_session("t2", "card-1", ["bb"], 500.0),  # the same card, a later visit
        _truth_session("t3", None, ["cc", "dd"], 510.0),  # a tailgater
    ]
    engine = [
        _session("e2", "card-1", ["zz"], 501.0),
        _session("e1", "card-1", ["aa"], 100.5),
        _session("e3", None, ["dd"], 511.0),
        _session("e4", None, ["qq"], 520.0),
    ]
    m = match_sessions(engine, truth)
    assert m.engine_to_truth == {"e1": "t1", "e2": "t2", "e3": "t3"}


def _receipt(status: str, lines: list[ReceiptLine]) -> Receipt:
    return Receipt(
        session="e1",
        token=None,
        t_exit=100.0,
        t_final=None if status == "review" else 101.0,
        status=status,  # type: ignore[arg-type]
        lines=lines,
        total=0,
        currency="USD",
    )


def test_review_adds_takes_and_removes_puts_never_below_zero() -> None:
    acts = [
        action("a1", 10.0, {"G1.2.3": 100}, product="B", qty=2),
        action("a2", 20.0, {"G1.2.3": 100}, product="B", op="put", qty=3),
        action("a3", 30.0, {"G1.2.3": 100}, product="C"),
    ]
    evs = [
        event("e1", 9.5, 10.5, {"G1.2.3": -200}, review=True),
        event("e2", 19.5, 20.5, {"G1.2.3": 300}, op="put", review=True),
        event("e3", 29.5, 30.5, {"G1.2.3": -100}, review=False),
    ]
    m = match_events(evs, acts)
    sure = ReceiptLine(sku="A", qty=1, unit_price=100, p=0.99)
    doubt = ReceiptLine(sku="B", qty=5, unit_price=100, p=0.4, review=True)
    out = settle({"s1": _receipt("review", [sure, doubt])}, evs, m)
    # B: 0 after dropping the doubtful line, +2, -3 -> clipped at 0; C: not flagged
    assert out == {"s1": {"A": 1}}
    final = settle({"s1": _receipt("final", [sure, doubt])}, evs, m)
    assert final == {"s1": {"A": 1, "B": 5}}
    assert settle({"s1": None}, evs, m) == {"s1": {}}


def test_item_scores_and_session_f1() -> None:
    assert session_f1({}, {}) == 1.0
    assert session_f1({"A": 1}, {}) == 0.0
    assert session_f1({"A": 2}, {"A": 1, "B": 1}) == 0.5
    s = item_scores([({"A": 2}, {"A": 1, "B": 1}), ({}, {})])
    assert (s.precision, s.recall, s.f1, s.mean_session_f1) == (0.5, 0.5, 0.5, 0.75)
    assert item_scores([({}, {})]).precision is None


def test_reliability_bins_and_ece() -> None:
    c = reliability("x", [(1.0, True), (0.95, False), (0.15, False), (0.0, False)])
    assert c.count == 4 and [b.count for b in c.bins] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    last = c.bins[-1]
    assert last.mean_p == 0.975 and last.accuracy == 0.5
    # bins: [0,0.1): p 0 acc 0; [0.1,0.2): p .15 acc 0; [0.9,1]: p .975 acc .5
    assert c.ece == (0 + 0.15 + 2 * 0.475) / 4
    assert reliability("none", []).ece is None


def test_a_merged_event_is_identified_right_only_with_all_its_units() -> None:
    a1 = action("a1", 10.0, {"G1.2.3": 100})
    a2 = action("a2", 10.2, {"G1.2.3": 100}, product="B", qty=2)
    both = event(
        "m", 9.8, 10.5, {"G1.2.3": -300}, hypotheses=[Hypothesis(items=[("B", 2), ("A", 1)], p=0.8)]
    )
    assert item_ok(both, [a1, a2])
    assert not item_ok(event("m", 9.8, 10.5, {"G1.2.3": -300}), [a1, a2])
    assert not item_ok(both.model_copy(update={"op": "put"}), [a1, a2])


def test_parts_alike_but_for_their_weight_go_to_the_action_of_their_weight() -> None:
    """One event split into a 1-unit and a 2-unit part on the same plates, both given
    to one shopper; the two true takes were 1 unit (463 g) and 2 units (948 g)."""
    plates_1 = {"G31.2.2": -129.1, "G31.2.3": -342.7}
    plates_2 = {"G31.2.2": -249.7, "G31.2.3": -692.9}
    parts = [
        event("E1.1", 10.0, 11.5, plates_2, parent="E1", session="S1"),
        event("E1.2", 10.0, 11.5, plates_1, parent="E1", session="S1"),
    ]
    acts = [
        action("one", 10.4, {"G31.2.2": 126.3, "G31.2.3": 336.9}),
        action("two", 11.1, {"G31.2.2": 258.4, "G31.2.3": 689.1}, qty=2),
    ]
    m = match_events(parts, acts)
    assert m.event_of == {"one": "E1.2", "two": "E1.1"}
