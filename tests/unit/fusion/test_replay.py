"""Replay: the engine is a pure state machine. The same log gives the same outputs,
a checkpoint restored mid-log continues exactly as if nothing had happened, and
a put-back of what was taken leaves the cart and the shelves as they were."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

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
    serialized,
    stand,
)
from tests.fixtures.mini_store import mini_store
from tests.unit.fusion.test_planogram import a_path
from walkout.domain.layout import Layout
from walkout.domain.store import Store
from walkout.eventlog.records import AnyRecord, PlateBatch
from walkout.fusion.engine import Engine
from walkout.fusion.outputs import AnyOutput

STORE = mini_store()  # for hypothesis tests, which must not use function-scoped fixtures
LAYOUT = Layout.of(STORE)


def busy_log(store: Store, layout: Layout) -> list[AnyRecord]:
    """28 s with a bit of everything: a group of two, a wrong-shelf put-back and a
    later take of it, a two-unit grab, a lean; people come and go throughout."""
    y = front_of(layout, "G1.2.1")[1]
    y2 = front_of(layout, "G2.2.5")[1]
    a = Person(  # takes a P004, leaves it on P012's plate (G1.4.5), goes
        "a1",
        a_path(layout),
        [Reach(3.8, 4.6, "G1.2.1"), Reach(7.8, 8.6, "G1.4.5")],
    )
    b = Person("b2", stand(1.3, y, 1.6, 18.0), [Reach(11.8, 12.6, "G1.2.1")])  # a's group
    c = Person(  # takes the misplaced P004, then leans on P004's plate
        "c3",
        [(9.0, 1.5, 0.3), (11, 2.4, y), (14.5, 2.4, y), (15, 1.9, y), (19, 1.9, y), (23, 6.5, 0.3)],
        [Reach(12.9, 13.8, "G1.4.5"), Reach(15.8, 18.4, "G1.2.2", above_m=0.02)],
    )
    d = Person(  # round the back to the other side: two P018 in one grab
        "d4",
        [
            (7.0, 1.5, 0.3),
            (8, 0.8, 1.5),
            (10, 0.8, 4.0),
            (11, 1.7, y2),
            (19, 1.7, y2),
            (20, 0.8, 4.0),
            (22, 0.8, 1.5),
            (26, 6.5, 0.3),
        ],
        [Reach(14.0, 15.0, "G2.2.5")],
    )
    moves = [
        Move(4.2, {"G1.2.1": -200.0, "G1.2.2": -235.2}),
        Move(8.2, {"G1.4.5": 435.2}),
        Move(12.2, {"G1.2.1": -435.2}),
        Move(13.4, {"G1.4.5": -435.2}),
        Move(14.5, {"G2.2.5": -466.5, "G2.2.6": -466.5}, ramp_s=0.25),
        Move(16.0, {"G1.2.2": 350.0}, back_after_s=2.0),
    ]
    script = Script(
        store,
        28.0,
        moves=moves,
        people=[a, b, c, d],
        entries=[
            Entry(0.2, "qr-ab", admits=2),
            Entry(6.8, "card-d", kind="card"),
            Entry(8.8, "qr-c"),
        ],
        seed=3,
    )
    return script.records()


def apply_all(eng: Engine, records: list[AnyRecord]) -> list[AnyOutput]:
    out: list[AnyOutput] = []
    for r in records:
        out.extend(eng.apply(r))
    return out


def test_the_busy_log_has_what_the_replay_tests_need(store: Store, layout: Layout) -> None:
    out = run(busy_log(store, layout), store)
    sab, sc, sd = (out.session_of_track(t) for t in ("a1", "c3", "d4"))
    assert out.session_of_track("b2") == sab
    assert lines(out.receipt_of(sab)) == {"P004": 1}
    assert lines(out.receipt_of(sc)) == {"P004": 1}
    assert lines(out.receipt_of(sd)) == {"P018": 2}


def test_the_same_log_gives_the_same_outputs(store: Store, layout: Layout) -> None:
    records = busy_log(store, layout)
    a = serialized(run(records, store).all)
    b = serialized(run(records, store).all)
    assert a == b
    # a fresh render of the same script is the same log, hence the same outputs
    assert serialized(run(busy_log(store, layout), store).all) == a


def test_restoring_at_many_points_changes_nothing(store: Store, layout: Layout) -> None:
    """Checkpoint, restore and carry on from the restored engine, every 53 records:
    mid-change, with events pending a decision, with sessions open and closing."""
    records = busy_log(store, layout)
    want = serialized(run(records, store).all)
    eng = Engine(store)
    out: list[AnyOutput] = []
    for i, r in enumerate(records):
        if i % 53 == 0:
            eng = Engine.restore(eng.checkpoint())
        out.extend(eng.apply(r))
    out.extend(eng.flush())
    assert serialized(out) == want


def test_a_checkpoint_is_a_snapshot_not_a_view(store: Store, layout: Layout) -> None:
    """The engine that was checkpointed goes on and changes; the checkpoint does not.
    Two engines restored from it run on identically."""
    records = busy_log(store, layout)
    want = serialized(run(records, store).all)
    # the moment a take's plate is still moving (pending, undecided)
    k = next(
        i
        for i, r in enumerate(records)
        if isinstance(r, PlateBatch) and r.device == "G1" and r.t > EPOCH + 4.3
    )
    eng = Engine(store)
    head = apply_all(eng, records[:k])
    assert eng.changes or eng.pending or any(d.active.any() for d in eng.detectors.values())
    blob = eng.checkpoint()
    rest_original = apply_all(eng, records[k:]) + eng.flush()
    for _ in range(2):
        again = Engine.restore(blob)
        rest = apply_all(again, records[k:]) + again.flush()
        assert serialized(head + rest) == want
    assert serialized(head + rest_original) == want


# -- put-backs, by property ---------------------------------------------------------------------


FACINGS = [(fc.product, list(fc.plates)) for fc in STORE.planogram]


@settings(max_examples=12, deadline=None)
@given(
    facing=st.sampled_from(FACINGS),
    qty=st.integers(1, 3),
    share=st.floats(0.0, 1.0),
    hold_s=st.floats(1.5, 6.0),
    seed=st.integers(0, 2**16),
)
def test_a_put_back_of_the_same_units_on_the_same_plates_undoes_the_take(
    facing: tuple[str, list[str]], qty: int, share: float, hold_s: float, seed: int
) -> None:
    sku, (p1, p2) = facing
    w = STORE.products[sku].weight_g * qty
    grams = {p1: -share * w, p2: -(1 - share) * w}
    x1, y = front_of(LAYOUT, p1)
    x2, _ = front_of(LAYOUT, p2)
    t_put = 5.0 + hold_s
    shopper = Person(
        "a1",
        stand((x1 + x2) / 2, y, 0.5, t_put + 5.0),
        [Reach(4.6, 5.4, p1), Reach(t_put - 0.4, t_put + 0.4, p2)],
    )
    script = Script(
        STORE,
        t_put + 8.0,
        moves=[Move(5.0, grams), Move(t_put, {p: -g for p, g in grams.items()})],
        people=[shopper],
        entries=[Entry(0.2, "qr-a")],
        seed=seed,
    )
    eng = Engine(STORE)
    stock = dict(eng.plan.stock)
    out = Outputs(apply_all(eng, script.records()) + eng.flush())
    take, put = out.moves()
    assert (take.op, put.op) == ("take", "put")
    assert items(take) == items(put) == [(sku, qty)]
    assert take.session == put.session == out.session_of_track("a1")
    (r,) = out.receipts
    assert lines(r) == {}
    assert dict(eng.plan.stock) == stock
    assert eng.plan.where(sku) == set(eng.plan.homes_of[sku])
