"""Items handed between visits (fusion.handoffs): the receiver pays. An item is held
in the hand that took it, so the hand that met tells the giver."""

from __future__ import annotations

import numpy as np

from tests.fixtures.fusion_script import (
    EPOCH,
    Entry,
    Move,
    Outputs,
    Person,
    Reach,
    Script,
    front_of,
    lines,
    run,
)
from walkout.domain.layout import Layout
from walkout.domain.store import Store
from walkout.fusion.handoffs import Meeting, Take, giver_take

P004, P006 = 435.2, 682.4


def meeting(hands: dict[str, str]) -> Meeting:
    return Meeting(a="a", b="b", t0=20.0, t1=20.6, point=np.zeros(3), frames=9, hands=hands)


def take(track: str, t: float, hand: str | None, event: str) -> Take:
    return Take(
        t=t, track=track, session="S" + track, event=event, items=(("X", 1),), p=0.99, hand=hand
    )


def test_the_side_whose_meeting_hand_took_something_gives_it() -> None:
    m = meeting({"a": "right", "b": "left"})
    got, doubt = giver_take(m, [take("a", 15.0, "right", "E1")])
    assert got is not None and got.event == "E1" and not doubt


def test_both_held_fresh_takes_but_only_one_in_the_hand_that_met() -> None:
    """B's take is the newer, but it is in B's right hand; the left met A's right."""
    m = meeting({"a": "right", "b": "left"})
    takes = [take("a", 15.0, "right", "E1"), take("b", 17.0, "right", "E2")]
    got, doubt = giver_take(m, takes)
    assert got is not None and got.event == "E1" and not doubt


def test_both_meeting_hands_holding_fresh_takes_is_for_a_human() -> None:
    m = meeting({"a": "right", "b": "left"})
    takes = [take("a", 15.0, "right", "E1"), take("b", 17.0, "left", "E2")]
    _, doubt = giver_take(m, takes)
    assert doubt


def test_a_fresh_take_only_in_the_other_hand_moves_in_doubt() -> None:
    m = meeting({"a": "left", "b": "left"})
    got, doubt = giver_take(m, [take("a", 15.0, "right", "E1")])
    assert got is not None and got.event == "E1" and doubt


def test_nothing_fresh_is_no_handoff() -> None:
    m = meeting({"a": "right", "b": "left"})
    assert giver_take(m, [take("a", 2.0, "right", "E1")]) == (None, False)


def handoff(store: Store, layout: Layout, b_takes: bool) -> Outputs:
    """A takes a P004 with the right hand, walks into the aisle and holds it out in that
    hand; B takes it in the left. With ``b_takes``, B took a P006 in the right hand
    moments before."""
    x, y = front_of(layout, "G1.2.1")
    bx, by = front_of(layout, "G1.2.6")
    point = (3.0, 1.2, 1.15)
    a = Person(
        "a1",
        [
            (0.6, 1.5, 0.3),
            (2.5, x, y),
            (7.0, x, y),
            (8.8, 2.7, 1.2),
            (11.0, 2.7, 1.2),
            (14.0, 6.5, 0.3),
        ],
        [Reach(5.8, 6.6, "G1.2.1"), Reach(9.2, 10.2, at=point)],
    )
    b = Person(
        "b2",
        [
            (1.6, 1.5, 0.3),
            (3.5, bx, by),
            (7.4, bx, by),
            (8.8, 3.3, 1.2),
            (11.0, 3.3, 1.2),
            (14.5, 6.5, 0.3),
        ],
        [Reach(9.2, 10.2, at=point, hand="l"), *([Reach(6.3, 7.1, "G1.2.6")] if b_takes else [])],
    )
    moves = [Move(6.2, {"G1.2.1": -P004})]
    if b_takes:
        moves.append(Move(6.7, {"G1.2.6": -P006}))
    script = Script(
        store, 18.0, moves=moves, people=[a, b], entries=[Entry(0.2, "qr-a"), Entry(1.2, "qr-b")]
    )
    return run(script.records(), store)


def test_an_item_handed_to_another_visit_is_on_the_receivers_receipt(
    store: Store, layout: Layout
) -> None:
    out = handoff(store, layout, b_takes=False)
    ra = out.receipt_of(out.session_of_track("a1"))
    rb = out.receipt_of(out.session_of_track("b2"))
    assert lines(ra) == {} and lines(rb) == {"P004": 1}
    assert ra.status == rb.status == "final"
    assert rb.t_final is not None and rb.t_final > EPOCH


def test_the_receivers_own_fresh_take_in_the_other_hand_stays_theirs(
    store: Store, layout: Layout
) -> None:
    out = handoff(store, layout, b_takes=True)
    ra = out.receipt_of(out.session_of_track("a1"))
    rb = out.receipt_of(out.session_of_track("b2"))
    assert lines(ra) == {} and lines(rb) == {"P004": 1, "P006": 1}
    assert ra.status == rb.status == "final"
