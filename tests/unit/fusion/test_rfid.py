"""The exit's RFID readers (engine._rfid_check): a tagged item read at the exit that
is not on the receipt sends it to a human. Readers report a tag in every inventory
round, so tags are counted once each, by serial."""

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
from walkout.domain.rfid import sgtin_urn
from walkout.domain.store import Store
from walkout.eventlog.records import AnyRecord, GatePass, RfidRead, RfidTag

P005 = 472.8  # RFID-tagged, on G1.2.3-4


def leaving_with(store: Store, layout: Layout, rounds: list[list[int]]) -> list[AnyRecord]:
    """A takes one P005 and walks out at 12 s; the exit reader then reports, in each
    round, the tags of P005 with these serials."""
    x, y = front_of(layout, "G1.2.3")
    a = Person("a1", stand(x, y, 0.5, 12.0), [Reach(5.8, 6.6, "G1.2.3")])
    script = Script(
        store, 16.0, moves=[Move(6.2, {"G1.2.3": -P005})], people=[a], entries=[Entry(0.2, "q")]
    )
    gtin = store.products["P005"].gtin
    extra: list[AnyRecord] = [
        GatePass(device="out", t=EPOCH + 12.0, rx=EPOCH + 12.01, direction="out")
    ]
    for k, serials in enumerate(rounds):
        t = EPOCH + 12.05 + 0.1 * k
        tags = [RfidTag(epc=sgtin_urn(gtin, s)) for s in serials]
        extra.append(RfidRead(device="rfid-out", t=t, rx=t + 0.01, tags=tags))
    records = script.records()
    out = [records[0]]
    for r in sorted([*records[1:], *extra], key=lambda r: r.rx):  # type: ignore[union-attr]
        out.append(r)
    return out


def test_one_tag_read_in_several_rounds_is_one_item(store: Store, layout: Layout) -> None:
    out = run(leaving_with(store, layout, [[17], [17], [17]]), store)
    (r,) = out.receipts
    assert lines(r) == {"P005": 1} and r.status == "final"


def test_a_second_tagged_unit_not_on_the_receipt_goes_to_a_human(
    store: Store, layout: Layout
) -> None:
    out = run(leaving_with(store, layout, [[17], [17, 18]]), store)
    (r,) = out.receipts
    assert lines(r) == {"P005": 1} and r.status == "review"
    (task,) = out.reviews
    assert "RFID" in task.reason and "P005" in task.reason
