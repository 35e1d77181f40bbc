"""Sessions (fusion.sessions, through the engine): a credential opens a session
that admits its people; whatever any of them takes lands on its one receipt."""

from __future__ import annotations

from tests.fixtures.fusion_script import (
    Entry,
    Move,
    Outputs,
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

P004, P006 = 435.2, 682.4


def family(store: Store, layout: Layout, entries: list[Entry], b_in: float = 1.7) -> Outputs:
    """A (in at 0.6 s) takes a P004; B (in at ``b_in``) takes a P006 from the same shelf."""
    y = front_of(layout, "G1.2.1")[1]
    a = Person("a1", stand(1.7, y, 0.6, 14.0), [Reach(4.8, 5.6, "G1.2.1")])
    b = Person("b2", stand(2.5, y, b_in, 15.0), [Reach(6.8, 7.6, "G1.2.6", hand="l")])
    script = Script(
        store,
        19.0,
        moves=[Move(5.2, {"G1.2.1": -P004}), Move(7.2, {"G1.2.6": -P006})],
        people=[a, b],
        entries=entries,
    )
    return run(script.records(), store, flush=False)


def test_one_credential_admitting_two_is_one_session_and_one_receipt(
    store: Store, layout: Layout
) -> None:
    out = family(store, layout, [Entry(0.2, "qr-fam", admits=2)])
    (sess,) = out.sessions.values()
    assert sess.token == "qr-fam" and sess.admits == 2
    assert sess.tracks == ["a1", "b2"] and sess.status == "closed"
    assert {e.session for e in out.moves()} == {sess.id}
    # each take is still given to the hand that made it
    assert [e.attribution[0].track for e in out.moves()] == ["a1", "b2"]
    (receipt,) = out.receipts
    assert receipt.session == sess.id and receipt.token == "qr-fam"
    assert receipt.tracks == ["a1", "b2"]
    assert lines(receipt) == {"P004": 1, "P006": 1}
    assert receipt.status == "final"
    assert receipt.total == store.products["P004"].price + store.products["P006"].price
    # the receipt waits for the last of them to leave
    assert receipt.t_exit == sess.t_exit and receipt.t_final is not None
    assert receipt.t_final >= sess.t_exit


def test_two_credentials_are_two_receipts(store: Store, layout: Layout) -> None:
    out = family(store, layout, [Entry(0.2, "qr-a"), Entry(1.3, "qr-b")])
    assert len(out.sessions) == 2
    sa, sb = out.session_of_track("a1"), out.session_of_track("b2")
    assert sa != sb
    assert lines(out.receipt_of(sa)) == {"P004": 1}
    assert lines(out.receipt_of(sb)) == {"P006": 1}
    assert out.receipt_of(sa).token == "qr-a" and out.receipt_of(sb).token == "qr-b"


def test_someone_following_a_single_credential_in_is_a_session_of_their_own(
    store: Store, layout: Layout
) -> None:
    """The credential admits one; a second person comes through right behind: a
    tailgater, with no token, charged for what they take on a receipt of their own."""
    out = family(store, layout, [Entry(0.2, "qr-a")])
    sa, sb = out.session_of_track("a1"), out.session_of_track("b2")
    assert sa != sb
    assert out.sessions[sa].token == "qr-a" and out.sessions[sb].token is None
    assert lines(out.receipt_of(sa)) == {"P004": 1}
    assert lines(out.receipt_of(sb)) == {"P006": 1}
    assert out.receipt_of(sb).token is None


def test_a_group_member_who_comes_in_late_still_joins_the_group(
    store: Store, layout: Layout
) -> None:
    """The second person of a group passes 4 s after the scan (people dawdle)."""
    out = family(store, layout, [Entry(0.2, "qr-fam", admits=2)], b_in=4.2)
    (sess,) = out.sessions.values()
    assert sess.tracks == ["a1", "b2"]
    (receipt,) = out.receipts
    assert lines(receipt) == {"P004": 1, "P006": 1}


def test_a_track_is_placed_where_its_body_is_even_when_first_seen_in_part() -> None:
    """A tracker's first glimpse of someone may hold one shoulder, or no joint at all.
    The track starts where that shoulder is (not at the origin, which opened a visit
    of its own two metres from the gate), and a person with no joint yet is not a
    track yet."""
    from walkout.eventlog.records import TrackedPerson, TrackFrame
    from walkout.fusion.tracks import TrackBuffer

    buf = TrackBuffer()
    t = 1.7e9
    shoulder = TrackedPerson(id="a", joints={"r_shoulder": (1.46, 0.06, 1.4, 0.5)})
    empty = TrackedPerson(id="b", joints={})
    born = buf.add_frame(TrackFrame(device="v", t=t, people=[shoulder, empty]))
    assert [tr.id for tr in born] == ["a"]
    assert born[0].first_xy.tolist() == [1.46, 0.06] and born[0].last_xy.tolist() == [1.46, 0.06]
    neck = TrackedPerson(
        id="b", joints={"neck": (1.2, 0.2, 1.5, 0.9), "head": (1.2, 0.2, 1.7, 0.9)}
    )
    born = buf.add_frame(TrackFrame(device="v", t=t + 1 / 15, people=[neck]))
    assert [tr.id for tr in born] == ["b"] and born[0].first_xy.tolist() == [1.2, 0.2]
    assert born[0].first_t == t + 1 / 15
