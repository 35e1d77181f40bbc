"""Loss-prevention flags, each with its evidence."""

from __future__ import annotations

import numpy as np

from walkout.domain.rfid import sgtin_urn
from walkout.eventlog.records import RfidRead, RfidTag, TrackedPerson, TrackFrame
from walkout.operations.items import Alert
from walkout.operations.watcher import Operations

from .conftest import event, receipt, session

SNK1 = {"G01.1.1": -50.0}


def _alerts(items, kind):
    return [x for x in items if isinstance(x, Alert) and x.kind == kind]


def test_tailgater_who_takes_is_flagged_once_with_evidence(shop) -> None:
    ops = Operations(shop)
    ops._output(session("S7", token=None, tracks=("Tx",)))
    got = ops._output(event("E1", "take", "SNK00001", 1, SNK1, 5.0, session="S7", track="Tx"))
    got += ops._output(event("E2", "take", "SNK00001", 1, SNK1, 6.0, session="S7", track="Tx"))
    a = _alerts(got, "tailgating")
    assert len(a) == 1 and a[0].data["tracks"] == ["Tx"] and a[0].data["event"] == "E1"


def test_tailgater_who_takes_nothing_is_not_flagged(shop) -> None:
    ops = Operations(shop)
    ops._output(session("S7", token=None, tracks=("Tx",)))
    assert not _alerts(
        ops._output(event("E1", "put", "SNK00001", 1, SNK1, 5.0, session="S7")), "tailgating"
    )


def test_take_by_nobody_with_a_session(shop) -> None:
    ops = Operations(shop)
    got = ops._output(event("E1", "take", "SNK00001", 1, SNK1, 5.0, session=None, track="Tz"))
    a = _alerts(got, "no_session_take")
    assert a and a[0].data["tracks"] == ["Tz"]


def test_exit_with_unresolved_items(shop) -> None:
    ops = Operations(shop)
    got = ops._output(receipt("S1", [("SNK00001", 1)], review=True))
    a = _alerts(got, "exit_unresolved")
    assert a and a[0].data["lines"][0]["sku"] == "SNK00001"
    assert not _alerts(ops._output(receipt("S2", [("SNK00001", 1)])), "exit_unresolved")


def test_rfid_read_at_exit_on_no_receipt(shop) -> None:
    ops = Operations(shop)
    sku, p = next((s, p) for s, p in shop.products.items() if p.gtin)
    ops.loss.by_gtin[p.gtin.zfill(14)] = sku  # tag this product for the test
    tag = RfidTag(epc=sgtin_urn(p.gtin, 42))
    ops.apply(RfidRead(device="R1", t=100.0, tags=[tag]), [])
    ops.apply(RfidRead(device="R1", t=100.5, tags=[tag]), [])  # the same tag, next round
    ops._output(receipt("S1", [], t_exit=99.0))
    got = ops.loss.settle_rfid(1000.0)
    a = _alerts(got, "rfid_unpaid")
    assert len(a) == 1 and a[0].data["read"] == 1 and a[0].data["sessions"] == ["S1"]
    # paid: no flag
    ops2 = Operations(shop)
    ops2.loss.by_gtin[p.gtin.zfill(14)] = sku
    ops2.apply(RfidRead(device="R1", t=100.0, tags=[tag]), [])
    ops2._output(receipt("S1", [(sku, 1)], t_exit=99.0))
    assert not ops2.loss.settle_rfid(1000.0)


def _frame(
    t: float, take_z: float, other_z: float, take_xy=(0.0, -0.2), friend: bool = False
) -> TrackFrame:
    j = {
        "neck": (0.0, 0.0, 1.4, 1.0),
        "r_hand": (take_xy[0], take_xy[1], take_z, 1.0),
        "l_hand": (0.0, 0.23, other_z, 1.0),
    }
    people = [TrackedPerson(id="T1", joints=j)]
    if friend:  # someone reaching for the same spot: a hand-off
        k = {
            "neck": (0.0, -0.6, 1.4, 1.0),
            "l_hand": (take_xy[0], take_xy[1] - 0.1, take_z, 1.0),
            "r_hand": (0.0, -0.8, 0.85, 1.0),
        }
        people.append(TrackedPerson(id="T2", joints=k))
    return TrackFrame(device="trk", t=t, people=people)


def _conceal_run(shop, pocket: bool, friend: bool = False) -> list:
    ops = Operations(shop)
    front = ops.layout.plate("G01.1.1").front
    ev = event("E1", "take", "SNK00001", 1, SNK1, 10.0)
    out = []
    for i, t in enumerate(np.arange(7.0, 16.0, 1 / 15)):
        if t < 10.2:  # the hand in the shelf
            f = _frame(t, float(front[2]), 0.85, (float(front[0]), float(front[1])))
        elif pocket and t < 11.6:
            f = _frame(t, 0.95, 0.85, friend=friend)  # held at the body, 10 cm above the other
        else:
            f = _frame(t, 0.85, 0.85)
        if i == 60:
            out += ops.apply(f, [ev])
        else:
            out += ops.apply(f, [])
    return out + ops.flush()


def test_concealment_pattern_is_flagged(shop) -> None:
    a = _alerts(_conceal_run(shop, pocket=True), "concealment")
    assert len(a) == 1 and a[0].data["track"] == "T1" and 0.07 <= a[0].data["rise_m"] <= 0.14


def test_hand_back_to_the_side_is_not_concealment(shop) -> None:
    assert not _alerts(_conceal_run(shop, pocket=False), "concealment")


def test_hand_met_by_another_hand_is_a_handoff_not_concealment(shop) -> None:
    assert not _alerts(_conceal_run(shop, pocket=True, friend=True), "concealment")
