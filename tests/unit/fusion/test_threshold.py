"""A change of the store's review threshold is a record in the log: the engine
judges every receipt it issues after it by the new threshold, whenever the
lines were decided; receipts already issued keep their status; a checkpoint
carries the threshold, so a resumed run is the uninterrupted one."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.fixtures.fusion_script import EPOCH, Outputs, lines, run, serialized
from tests.unit.fusion.test_replay import busy_log
from tests.unit.fusion.test_review import one_take_log
from walkout.domain.layout import Layout
from walkout.domain.store import Store
from walkout.eventlog.records import AnyRecord, ReviewThresholdSet
from walkout.fusion.config import EngineConfig
from walkout.fusion.engine import Engine
from walkout.fusion.outputs import AnyOutput, Receipt, ShelfEvent

Base = tuple[list[AnyRecord], float, float, float]


def with_threshold(records: list[AnyRecord], at_s: float, threshold: float) -> list[AnyRecord]:
    """The log with a ``review_threshold`` record arriving ``at_s`` into it."""
    t = EPOCH + at_s
    rec = ReviewThresholdSet(device="settings:admin", t=t, rx=t, threshold=threshold, by="admin")
    k = next(i for i, r in enumerate(records) if i > 0 and (r.rx or r.t) > t)  # type: ignore[union-attr]
    return [*records[:k], rec, *records[k:]]


@pytest.fixture(scope="module")
def base(store: Store, layout: Layout) -> Base:
    """The one-take log, its line's p, when its event was decided, when its receipt came."""
    recs = one_take_log(store, layout)
    out = run(recs, store, flush=False)
    (ev,) = out.events
    (r,) = out.receipts
    (ln,) = r.lines
    assert 0.99 < ln.p < 0.9999
    return recs, ln.p, ev.t_decided - EPOCH, r.t_exit - EPOCH


def test_the_log_of_one_take_decides_before_the_shopper_leaves(base: Base) -> None:
    _, _, decided, exited = base
    assert decided + 1.0 < exited  # room for a record between the two


def test_a_raise_before_the_take_sends_its_line_to_review(store: Store, base: Base) -> None:
    recs, p, _, _ = base
    lo, hi = p - 0.0005, min(p + 0.0005, 0.99999)
    out = run(with_threshold(recs, 1.0, hi), store, EngineConfig(review_threshold=lo), flush=False)
    (ev,) = out.events
    (r,) = out.receipts
    assert ev.review and r.status == "review" and r.lines[0].review
    (task,) = out.reviews
    assert task.events == [ev.id] and task.evidence[ev.id]["plates"]  # evidence kept
    # without the record the same log is final
    plain = run(recs, store, EngineConfig(review_threshold=lo), flush=False)
    assert plain.receipts[0].status == "final" and plain.reviews == []


def changed_in_the_store(
    store: Store, base: Base, raise_: bool
) -> tuple[ShelfEvent, Receipt, Outputs]:
    """The threshold moved across the line's p after its event was decided, before
    the shopper left."""
    recs, p, decided, exited = base
    lo, hi = p - 0.0005, min(p + 0.0005, 0.99999)
    old, new = (lo, hi) if raise_ else (hi, lo)
    recs = with_threshold(recs, (decided + exited) / 2, new)
    out = run(recs, store, EngineConfig(review_threshold=old), flush=False)
    (ev,) = out.events
    (r,) = out.receipts
    return ev, r, out


def test_a_raise_after_the_decision_still_holds_back_the_receipt_not_yet_issued(
    store: Store, base: Base
) -> None:
    """The shopper is still in the store: no receipt issued after a raise clears less
    than the new bar, though its line was decided under the old one."""
    ev, r, out = changed_in_the_store(store, base, raise_=True)
    assert not ev.review  # the event, decided before the raise, was sure enough then
    assert r.status == "review" and r.t_final is None and lines(r) == {"P004": 1}
    (task,) = out.reviews
    assert task.events == [ev.id] and task.reason == "doubtful lines"


def test_a_cut_after_the_decision_lets_the_receipt_through(store: Store, base: Base) -> None:
    ev, r, out = changed_in_the_store(store, base, raise_=False)
    assert ev.review  # in doubt when decided, under the old threshold
    assert r.status == "final" and not r.lines[0].review and out.reviews == []


def test_a_cut_after_the_receipt_reopens_nothing(store: Store, base: Base) -> None:
    recs, p, _, _ = base
    hi = min(p + 0.0005, 0.99999)
    eng = Engine(store, EngineConfig(review_threshold=hi))
    out: list[AnyOutput] = []
    for r in recs:
        out.extend(eng.apply(r))
    (r,) = [o for o in out if isinstance(o, Receipt)]
    assert r.status == "review"
    t = recs[-1].t + 1.0  # type: ignore[union-attr]
    cut = ReviewThresholdSet(device="settings:a", t=t, rx=t, threshold=0.6, by="a")
    assert eng.apply(cut) == [] and eng.flush() == []  # no second receipt, nothing re-opened
    assert eng.cfg.review_threshold == 0.6


def test_the_record_moves_no_clock(store: Store, base: Base) -> None:
    recs, *_ = base
    eng = Engine(store)
    for r in recs[:50]:
        eng.apply(r)
    now = eng.now
    far = ReviewThresholdSet(device="settings:a", t=now + 3600, threshold=0.97, by="a")
    assert eng.apply(far) == [] and eng.now == now
    with pytest.raises(ValueError, match="probability"):
        eng.set_review_threshold(1.0)
    with pytest.raises(ValidationError):
        ReviewThresholdSet(device="settings:a", t=now, threshold=0.5, by="a")


def test_a_checkpoint_after_the_record_resumes_as_if_never_stopped(
    store: Store, layout: Layout
) -> None:
    """A busy log with a raise halfway: restored every 41 records (once right after
    the record), the outputs are the uninterrupted run's, and they differ from a run
    without the record (so the threshold did travel in the checkpoint)."""
    plain = busy_log(store, layout)
    recs = with_threshold(plain, 12.5, 0.9999)
    k = next(i for i, r in enumerate(recs) if isinstance(r, ReviewThresholdSet))
    want = serialized(run(recs, store).all)
    assert want != serialized(run(plain, store).all)
    eng = Engine(store)
    out: list[AnyOutput] = []
    for i, r in enumerate(recs):
        if i % 41 == 0 or i == k + 1:
            eng = Engine.restore(eng.checkpoint())
        out.extend(eng.apply(r))
        if i == k:
            assert Engine.restore(eng.checkpoint()).cfg.review_threshold == 0.9999
    out.extend(eng.flush())
    assert serialized(out) == want
