"""Leaving: the exit's beam closes a visit, its receipt comes within a second, and
nothing after it (the tracker still seeing the person, another shopper's take
elsewhere) opens a new visit or holds the receipt up."""

from __future__ import annotations

from tests.fixtures.fusion_script import (
    EPOCH,
    Entry,
    Move,
    Person,
    Reach,
    Script,
    front_of,
    lines,
    run,
    stand,
)
from walkout.domain.layout import Layout
from walkout.domain.store import Store
from walkout.eventlog.records import AnyRecord, GatePass


def with_out_pass(records: list[AnyRecord], t: float) -> list[AnyRecord]:
    """The exit gate's beam broken at ``t``, in arrival order."""
    rec = GatePass(device="out", t=EPOCH + t, rx=EPOCH + t + 0.01, direction="out")
    k = next(i for i, r in enumerate(records) if (getattr(r, "rx", None) or 0) > rec.rx)
    return [*records[:k], rec, *records[k:]]


def test_a_track_seen_after_its_visit_ended_opens_no_new_visit(
    store: Store, layout: Layout
) -> None:
    """The exit's beam says A left; the tracker still reports A walking on through the
    exit for two seconds after the receipt. That is not a new shopper."""
    x, y = front_of(layout, "G1.2.1")
    path = stand(x, y, 0.5, 12.0)
    path.append((15.0, 6.5, -1.0))  # on through the exit, still in view
    a = Person("a1", path, [Reach(5.8, 6.6, "G1.2.1")])
    script = Script(
        store, 18.0, moves=[Move(6.2, {"G1.2.1": -435.2})], people=[a], entries=[Entry(0.2, "q")]
    )
    out = run(with_out_pass(script.records(), 12.0), store)
    assert len(out.sessions) == 1
    (rec,) = out.receipts
    assert rec.status == "final" and lines(rec) == {"P004": 1}
    assert rec.t_final is not None and rec.t_final - rec.t_exit < 1.0


def test_another_shoppers_take_elsewhere_does_not_hold_the_receipt(
    store: Store, layout: Layout
) -> None:
    """B lifts something at the far gondola 0.2 s before A walks out: B's event is
    decided a second or more later, but A's hands were metres away from it, so A's
    receipt does not wait for it."""
    x, y = front_of(layout, "G1.2.1")
    a = Person("a1", stand(x, y, 0.5, 12.0), [Reach(5.8, 6.6, "G1.2.1")])
    bx, by = front_of(layout, "G2.2.1")
    b = Person("b2", stand(bx, by, 1.5, 20.0), [Reach(11.5, 12.3, "G2.2.1", hand="l")])
    script = Script(
        store,
        22.0,
        moves=[Move(6.2, {"G1.2.1": -435.2}), Move(11.8, {"G2.2.1": -337.5})],
        people=[a, b],
        entries=[Entry(0.2, "qr-a"), Entry(1.2, "qr-b")],
    )
    out = run(with_out_pass(script.records(), 12.0), store)
    ra = out.receipt_of(out.session_of_track("a1"))
    assert ra.status == "final" and lines(ra) == {"P004": 1}
    assert ra.t_final is not None and ra.t_final - ra.t_exit < 1.0
    (eb,) = [e for e in out.events if e.session == out.session_of_track("b2")]
    assert eb.t_decided > ra.t_final  # decided after A's receipt went out


def test_a_take_at_the_shelf_by_the_exit_is_on_the_receipt(store: Store, layout: Layout) -> None:
    """The exit's beam breaks while the plate A lifted from is still settling (a
    contrived store where the shelf is a step from the gate): the receipt waits for
    that change, because A's hand was there, so the item is on it."""
    x, y = front_of(layout, "G1.2.1")
    path = [*stand(x, y, 0.5, 6.6)[:2], (6.6, x, y), (7.0, 6.5, 0.3)]
    a = Person("a1", path, [Reach(5.8, 6.6, "G1.2.1")])
    script = Script(
        store,
        14.0,
        moves=[Move(6.2, {"G1.2.1": -435.2}, ramp_s=0.9)],
        people=[a],
        entries=[Entry(0.2, "q")],
    )
    out = run(with_out_pass(script.records(), 7.0), store, flush=False)
    (rec,) = out.receipts
    assert rec.status == "final" and lines(rec) == {"P004": 1}


def test_two_visits_at_the_exit_the_one_whose_track_stops_there_went(
    store: Store, layout: Layout
) -> None:
    """A and B (two accounts) reach the exit together and the beam breaks once: it
    cannot say which went. A's track stops at the gate just then, B's goes on; A's
    receipt is out within a second (it waited 1-1.5 s for A's track to count as lost),
    and B's visit stays open for B's later take."""
    x, y = front_of(layout, "G1.2.1")
    a = Person("a1", stand(x, y, 0.5, 12.0), [Reach(5.8, 6.6, "G1.2.1")])
    bx, by = front_of(layout, "G2.2.1")
    b = Person(
        "b2",
        [
            (1.7, 1.5, 0.3),
            (11.0, 6.75, 0.6),
            (13.0, 6.75, 0.6),
            (17.0, bx, by),
            (30.0, bx, by),
            (34.0, 6.5, 0.3),
        ],
        [Reach(20.0, 20.8, "G2.2.1", hand="l")],
    )
    script = Script(
        store,
        36.0,
        moves=[Move(6.2, {"G1.2.1": -435.2}), Move(20.3, {"G2.2.1": -337.5})],
        people=[a, b],
        entries=[Entry(0.2, "qr-a"), Entry(1.4, "qr-b")],
    )
    out = run(with_out_pass(with_out_pass(script.records(), 12.0), 34.0), store)
    ra = out.receipt_of(out.session_of_track("a1"))
    assert ra.status == "final" and lines(ra) == {"P004": 1}
    assert ra.t_final is not None and ra.t_final - ra.t_exit < 1.0
    rb = out.receipt_of(out.session_of_track("b2"))
    assert lines(rb) == {"P016": 1} and rb.t_exit > EPOCH + 30.0
