"""A reviewer's label for a shelf event puts the inventory right, and a misplaced
put still in review sends nobody to fetch it until it is decided."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from walkout.operations.config import OpsConfig
from walkout.operations.items import Task
from walkout.operations.watcher import Operations

from .conftest import event

ON_SNK1 = {"G01.1.1": 30.0}  # SNK00001's own plate (capacity 16)
ON_SNK2 = {"G01.1.3": 30.0}  # SNK00002's plate (stock 4)


def _misplaced(items: list) -> list[Task]:
    return [x for x in items if isinstance(x, Task) and x.kind == "misplaced"]


def test_a_put_back_guess_labelled_as_a_misplaced_unit_moves_the_count_and_opens_the_task(
    shop,
) -> None:
    ops = Operations(shop)
    ops._output(event("E1", "take", "SNK00002", 1, {"G01.1.3": -30.0}, 1.0))
    got = ops._output(event("E2", "put", "SNK00002", 1, ON_SNK2, 5.0, review=True))
    assert ops.inventory.units("SNK00002") == 4 and not _misplaced(got)
    fixed = ops.label("E2", [("put", "SNK00001", 1)], 60.0)
    assert ops.inventory.units("SNK00002") == 3  # the put-back never happened
    (task,) = _misplaced(fixed)
    assert task.status == "open" and task.data["sku"] == "SNK00001"
    assert task.data["plate"] == "G01.1.3" and task.t == 60.0
    assert ops.inventory.misplaced[("SNK00001", "G01.1.3")] == 1


def test_a_misplaced_guess_in_review_opens_no_task_and_a_label_of_a_put_back_never_does(
    shop,
) -> None:
    ops = Operations(shop)
    got = ops._output(event("E1", "put", "SNK00001", 1, ON_SNK2, 5.0, review=True))
    assert not _misplaced(got)
    assert ops.inventory.misplaced[("SNK00001", "G01.1.3")] == 1  # counted meanwhile
    fixed = ops.label("E1", [("put", "SNK00002", 1)], 60.0)
    assert not _misplaced(fixed)
    assert ops.inventory.misplaced[("SNK00001", "G01.1.3")] == 0
    assert ops.inventory.units("SNK00002") == 5
    assert not _misplaced(ops.corrections.due(10_000.0))  # nothing left waiting


def test_an_open_misplaced_task_is_cancelled_when_a_label_says_it_was_not_there(shop) -> None:
    ops = Operations(shop)
    (task,) = _misplaced(ops._output(event("E1", "put", "SNK00001", 1, ON_SNK2, 5.0)))
    (gone,) = _misplaced(ops.label("E1", [], 30.0))  # a reviewer: nothing was put there
    assert gone.id == task.id and gone.status == "cancelled" and gone.data["why"] == "review"


def test_an_unlabelled_misplaced_put_opens_its_task_after_the_wait(shop) -> None:
    ops = Operations(shop, OpsConfig(review_wait_s=300.0))
    ops._output(event("E1", "put", "SNK00001", 1, ON_SNK2, 5.0, review=True))
    assert not _misplaced(ops.corrections.due(200.0))
    (task,) = _misplaced(ops.corrections.due(305.0))
    assert task.status == "open" and task.t == 305.0
    assert not ops.corrections.due(10_000.0)


def test_a_label_for_an_event_not_remembered_changes_nothing(shop) -> None:
    ops = Operations(shop, OpsConfig(label_memory=2))
    for i in range(3):
        ops._output(event(f"E{i}", "take", "SNK00001", 1, {"G01.1.1": -30.0}, float(i)))
    assert ops.label("E0", [], 10.0) == []  # forgotten: only the latest two are kept
    assert ops.corrections.unknown_labels == 1 and ops.inventory.units("SNK00001") == 13
    ops.label("E2", [], 11.0)
    assert ops.inventory.units("SNK00001") == 14


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["take", "put"]), st.sampled_from(["SNK00001", "SNK00002"])),
        min_size=1,
        max_size=12,
    ),
    st.data(),
)
def test_labels_that_agree_with_the_guess_change_nothing_and_relabelling_is_idempotent(
    shop, moves, data
) -> None:
    ops = Operations(shop)
    for i, (op, sku) in enumerate(moves):
        plates = ON_SNK1 if data.draw(st.booleans()) else ON_SNK2
        ops._output(event(f"E{i}", op, sku, 1, plates, float(i), review=True))
    before = ([f.units for f in ops.inventory.facings], +ops.inventory.misplaced)
    i = data.draw(st.integers(0, len(moves) - 1))
    op, sku = moves[i]
    ops.label(f"E{i}", [(op, sku, 1)], 100.0)
    assert ([f.units for f in ops.inventory.facings], +ops.inventory.misplaced) == before
    other = [("take" if op == "put" else "put", sku, 1)]
    ops.label(f"E{i}", other, 101.0)
    once = ([f.units for f in ops.inventory.facings], +ops.inventory.misplaced)
    ops.label(f"E{i}", other, 102.0)
    assert ([f.units for f in ops.inventory.facings], +ops.inventory.misplaced) == once


def _phantom_pair(shop, labelled: list[str]) -> Operations:
    """A hand's weight read as a misplaced SNK00001 put on SNK00002's plate, then a
    take of two SNK00001 there (the misplaced one first, one from its own facing)."""
    ops = Operations(shop)
    ops._output(event("E1", "put", "SNK00001", 1, ON_SNK2, 5.0, review=True))
    ops._output(event("E2", "take", "SNK00001", 2, {"G01.1.3": -60.0}, 6.0, review=True))
    for i, eid in enumerate(labelled):
        ops.label(eid, [] if eid == "E1" else [("take", "SNK00001", 1)], 60.0 + i)
    return ops


def test_labels_stay_exact_whichever_of_two_linked_events_is_corrected_first(shop) -> None:
    """The take's guess depends on the put's: either label first, or one alone, ends right."""
    # truth: nothing was put; one SNK00001 was taken (it can only have come from its facing)
    for order in (["E1", "E2"], ["E2", "E1"], ["E1"]):
        ops = _phantom_pair(shop, order)
        want = 15 if "E2" in order else 14  # E2 unlabelled: still its guess, two taken
        assert ops.inventory.units("SNK00001") == want, order
        assert ops.inventory.misplaced[("SNK00001", "G01.1.3")] == 0, order
        assert not [x for x in ops.items.values() if x.kind == "misplaced" and x.status == "open"]


def test_a_label_confirming_a_misplaced_put_opens_its_task_at_once(shop) -> None:
    ops = Operations(shop)
    assert not _misplaced(ops._output(event("E1", "put", "SNK00001", 1, ON_SNK2, 5.0, review=True)))
    (task,) = _misplaced(ops.label("E1", [("put", "SNK00001", 1)], 50.0))
    assert task.status == "open" and task.t == 50.0
    assert not ops.corrections.due(10_000.0)  # not a second time


def test_a_shelf_label_record_in_the_log_is_a_label(shop) -> None:
    from walkout.eventlog.records import ShelfLabel

    ops = Operations(shop)
    ops._output(event("E1", "put", "SNK00002", 1, ON_SNK2, 5.0, review=True))
    rec = ShelfLabel(device="review:r", t=60.0, event="E1", moves=[("put", "SNK00001", 1)], by="r")
    (task,) = _misplaced(ops.apply(rec, []))
    assert task.data["sku"] == "SNK00001" and ops.inventory.units("SNK00002") == 4
    assert ops.now < 60.0  # a person's input: not a sensor's clock


def _counts(ops: Operations) -> tuple[list[int], dict]:
    return [f.units for f in ops.inventory.facings], dict(+ops.inventory.misplaced)


def test_a_label_written_another_way_is_the_same_label(shop) -> None:
    """Two lines of one product, or a line of none, say what one line of two says."""
    from walkout.operations.corrections import label_moves, normal

    assert normal([("take", "B", 1), ("take", "A", 1), ("take", "B", 1)]) == [
        ("take", "A", 1),
        ("take", "B", 2),
    ]
    assert label_moves("put", [("A", 0), ("B", 1), ("B", 2)]) == [("put", "B", 3)]
    ops = Operations(shop)
    ops._output(event("E1", "take", "SNK00001", 2, {"G01.1.1": -60.0}, 5.0, review=True))
    before = _counts(ops)
    assert ops.label("E1", [("take", "SNK00001", 1), ("take", "SNK00001", 1)], 60.0) == []
    assert _counts(ops) == before


def test_a_shelf_label_record_applied_twice_moves_the_counts_once(shop) -> None:
    """The server's log replayed over a checkpoint that holds the label, or one event
    in two review tasks: the second delivery of the same label changes nothing."""
    from walkout.eventlog.records import ShelfLabel

    ops = Operations(shop)
    ops._output(event("E1", "take", "SNK00001", 2, {"G01.1.1": -60.0}, 5.0, review=True))
    ops._output(event("E2", "take", "SNK00001", 1, {"G01.1.1": -30.0}, 8.0))
    rec = ShelfLabel(device="review:r", t=60.0, event="E1", moves=[("take", "SNK00001", 1)], by="r")
    ops.apply(rec, [])
    once = _counts(ops)
    assert ops.inventory.units("SNK00001") == 14  # 16, one taken at E1 (not two), one at E2
    assert ops.apply(rec, []) == []
    assert _counts(ops) == once
    nothing = rec.model_copy(update={"moves": [], "t": 70.0})
    ops.apply(nothing, [])
    ops.apply(nothing, [])
    assert ops.inventory.units("SNK00001") == 15  # a different label replaces it, once
    assert ops.corrections.labels == 1  # one event labelled, however often


def test_a_staff_take_of_a_labelled_misplaced_unit_is_its_return(shop) -> None:
    """The engine guesses a staff take at a plate by its planogram; a label put a
    misplaced unit there whose weight fits: staff took that unit back."""
    ops = Operations(shop)
    w = shop.products["SNK00001"].weight_g
    ops._output(event("E1", "put", "SNK00002", 1, {"G01.1.3": w}, 5.0, review=True))
    ops.label("E1", [("put", "SNK00001", 1)], 60.0)
    assert ops.inventory.misplaced[("SNK00001", "G01.1.3")] == 1
    got = ops._output(event("E2", "take", "SNK00002", 1, {"G01.1.3": -w}, 90.0, staff=True))
    assert ops.inventory.misplaced[("SNK00001", "G01.1.3")] == 0
    assert ops.inventory.units("SNK00002") == 4  # its facing untouched
    assert [x.status for x in _misplaced(got)] == ["done"]


def test_a_staff_take_whose_weight_fits_no_misplaced_unit_stays_as_guessed(shop) -> None:
    ops = Operations(shop)
    w = shop.products["SNK00001"].weight_g
    ops._output(event("E1", "put", "SNK00001", 1, {"G01.1.3": w}, 5.0))
    ops._output(event("E2", "take", "SNK00002", 2, {"G01.1.3": -9 * w}, 90.0, staff=True))
    assert ops.inventory.misplaced[("SNK00001", "G01.1.3")] == 1
    assert ops.inventory.units("SNK00002") == 2
