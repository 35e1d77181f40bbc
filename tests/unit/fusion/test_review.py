"""Review routing: a receipt line less sure than the store's threshold sends the
receipt to a human, with the evidence to settle it; a sure one is final."""

from __future__ import annotations

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
from walkout.eventlog.records import AnyRecord
from walkout.fusion.config import EngineConfig

P004 = 435.2


def one_take(store: Store, layout: Layout, cfg: EngineConfig | None = None) -> Outputs:
    return run(one_take_log(store, layout), store, cfg, flush=False)


def one_take_log(store: Store, layout: Layout) -> list[AnyRecord]:
    """A shopper takes one P004 at 6.2 s and leaves at 14 s."""
    y = front_of(layout, "G1.2.1")[1]
    a = Person("a1", stand(1.7, y, 0.5, 14.0), [Reach(5.8, 6.6, "G1.2.1")])
    script = Script(
        store,
        18.0,
        moves=[Move(6.2, {"G1.2.1": -200.0, "G1.2.2": -235.2})],
        people=[a],
        entries=[Entry(0.2, "qr-a")],
    )
    return script.records()


@pytest.fixture(scope="module")
def line_p(store: Store, layout: Layout) -> float:
    """How sure the engine is of a clean single take (about 0.999)."""
    (r,) = one_take(store, layout).receipts
    (ln,) = r.lines
    assert 0.99 < ln.p < 0.9999
    return ln.p


def test_a_line_above_the_threshold_is_final(store: Store, layout: Layout, line_p: float) -> None:
    out = one_take(store, layout, EngineConfig(review_threshold=line_p - 0.0005))
    (r,) = out.receipts
    assert r.status == "final" and r.t_final is not None and r.t_final >= r.t_exit
    assert lines(r) == {"P004": 1} and not r.lines[0].review
    assert out.reviews == [] and not out.events[0].review


def test_a_line_below_the_threshold_goes_to_review(
    store: Store, layout: Layout, line_p: float
) -> None:
    out = one_take(store, layout, EngineConfig(review_threshold=min(line_p + 0.0005, 0.99999)))
    (ev,) = out.events
    (r,) = out.receipts
    assert r.status == "review" and r.t_final is None
    # the line is still on the receipt, as the engine's best guess, flagged
    assert lines(r) == {"P004": 1} and r.lines[0].review and r.lines[0].p == pytest.approx(line_p)
    assert ev.review
    (task,) = out.reviews
    assert task.session == r.session and task.events == [ev.id]
    assert task.reason == "doubtful lines" and task.t >= r.t_exit


def test_a_review_task_carries_what_a_reviewer_needs(
    store: Store, layout: Layout, line_p: float
) -> None:
    out = one_take(store, layout, EngineConfig(review_threshold=min(line_p + 0.0005, 0.99999)))
    (task,) = out.reviews
    ev = task.evidence[out.events[0].id]
    # the weight traces of the plates that moved, around the change, showing the drop
    assert set(ev["plates"]) == {"G1.2.1", "G1.2.2"}
    trace = ev["plates"]["G1.2.2"]
    ts = [t for t, _ in trace]
    assert ts[0] < EPOCH + 6.2 < ts[-1]
    before = [g for t, g in trace if t < EPOCH + 6.0]
    after = [g for t, g in trace if t > EPOCH + 7.0]
    assert min(before) - max(after) == pytest.approx(235.2, abs=5)
    # the hands nearby: A's, reaching the plate
    assert set(ev["hands"]) == {"a1"} and len(ev["hands"]["a1"]) > 10
    # the ranked guesses
    assert ev["hypotheses"][0]["items"] == [("P004", 1)]


def test_a_take_nobody_can_tell_is_on_both_receipts_doubts(store: Store, layout: Layout) -> None:
    """Two hands in one lane: the take is charged to one session (p about 0.5),
    the other is told it may have been them; both go to review."""
    y = front_of(layout, "G1.2.1")[1]
    a = Person("a1", stand(1.5, y, 0.5, 16.0), [Reach(5.8, 6.6, "G1.2.1")])
    b = Person("b2", stand(1.9, y, 1.5, 16.5), [Reach(5.8, 6.6, "G1.2.1", hand="l")])
    script = Script(
        store,
        20.0,
        moves=[Move(6.2, {"G1.2.1": -P004})],
        people=[a, b],
        entries=[Entry(0.2, "qr-a"), Entry(1.2, "qr-b")],
    )
    out = run(script.records(), store)
    (ev,) = out.events
    charged = out.receipt_of(ev.session)
    other = next(r for r in out.receipts if r.session != ev.session)
    assert lines(charged) == {"P004": 1} and charged.lines[0].p < 0.6
    assert lines(other) == {} and other.status == charged.status == "review"
    assert {t.session for t in out.reviews} == {charged.session, other.session}
    assert all(t.events == [ev.id] for t in out.reviews)


def test_every_review_task_has_the_evidence_of_its_events(store: Store, layout: Layout) -> None:
    y = front_of(layout, "G1.2.1")[1]
    a = Person("a1", stand(1.5, y, 0.5, 16.0), [Reach(5.8, 6.6, "G1.2.1")])
    b = Person("b2", stand(1.9, y, 1.5, 16.5), [Reach(5.8, 6.6, "G1.2.1", hand="l")])
    script = Script(
        store,
        20.0,
        moves=[Move(6.2, {"G1.2.1": -P004})],
        people=[a, b],
        entries=[Entry(0.2, "qr-a"), Entry(1.2, "qr-b")],
    )
    out = run(script.records(), store)
    assert len(out.reviews) == 2
    for task in out.reviews:
        for e in task.events:
            assert {"plates", "hands", "hypotheses"} <= set(task.evidence[e]), task.session


def test_an_unexplained_take_sends_the_takers_receipt_to_review(
    store: Store, layout: Layout
) -> None:
    """435 g leaves P012's plate (P012 weighs 612 g, nothing else is there)."""
    x, y = front_of(layout, "G1.4.5")
    a = Person("a1", stand(x, y, 0.5, 14.0), [Reach(5.8, 6.6, "G1.4.5")])
    script = Script(
        store, 18.0, moves=[Move(6.2, {"G1.4.5": -P004})], people=[a], entries=[Entry(0.2, "q")]
    )
    out = run(script.records(), store)
    (ev,) = out.events
    assert items(ev) == [("?", 1)] and ev.review and ev.session == out.session_of_track("a1")
    (r,) = out.receipts
    assert r.status == "review"
    assert [t.events for t in out.reviews] == [[ev.id]]


def test_an_unexplained_take_between_two_hands_holds_both_receipts(
    store: Store, layout: Layout
) -> None:
    """Two shoppers' hands in the same lane when 435 g leaves P012's plate: either may
    have left with it, so neither receipt is final."""
    x, y = front_of(layout, "G1.4.5")
    a = Person("a1", stand(x - 0.2, y, 0.5, 14.0), [Reach(5.8, 6.6, "G1.4.5")])
    b = Person("b2", stand(x + 0.2, y, 1.5, 14.5), [Reach(5.9, 6.7, "G1.4.5", hand="l")])
    script = Script(
        store,
        18.0,
        moves=[Move(6.2, {"G1.4.5": -P004})],
        people=[a, b],
        entries=[Entry(0.2, "qa"), Entry(1.2, "qb")],
    )
    out = run(script.records(), store)
    (ev,) = out.events
    assert items(ev) == [("?", 1)] and ev.review
    assert [r.status for r in out.receipts] == ["review", "review"]


def lean(store: Store, layout: Layout, seconds: float, grams: float = 300.0) -> Outputs:
    """A rests a forearm on P004's plate for ``seconds`` and takes nothing."""
    y = front_of(layout, "G1.2.1")[1]
    a = Person("a1", stand(1.7, y, 0.5, 16.0), [Reach(5.8, 6.2 + seconds, "G1.2.1", above_m=0.02)])
    script = Script(
        store,
        20.0,
        moves=[Move(6.0, {"G1.2.1": grams}, back_after_s=seconds)],
        people=[a],
        entries=[Entry(0.2, "qr-a")],
    )
    return run(script.records(), store)


@pytest.mark.parametrize("seconds", [0.5, 2.0, 5.0])
def test_a_lean_charges_nothing(store: Store, layout: Layout, seconds: float) -> None:
    out = lean(store, layout, seconds)
    (r,) = out.receipts
    assert lines(r) == {} and r.status == "final" and out.reviews == []
    assert all(items(e) == [("?", 1)] for e in out.events)


def test_a_lean_lifting_off_asks_nobody_to_review(store: Store, layout: Layout) -> None:
    out = lean(store, layout, 2.0)
    assert not any(e.review for e in out.events)
    assert not any(e.op == "take" for e in out.events)
