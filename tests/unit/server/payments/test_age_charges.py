"""Age decisions reach the charge and the exit gate: store operations' decision
(as its staff-queue items, committed with the receipt) holds the charge until
the ID is checked, or takes the age-restricted lines off; a held charge is
released once and charged once; ``block_exit`` holds the exit gate."""

from __future__ import annotations

from tests.unit.server.payments.conftest import BEER, CHIPS, Bench, captured
from walkout.server.accounts import gate
from walkout.server.db.settings import StoreSettingsRow
from walkout.server.payments import charges
from walkout.server.service.queues import record_operations
from walkout.server.worker.operations import AlertIn, StaffTaskIn


def _ops(bench: Bench, session: str, *items: str, verified: bool | None = None) -> None:
    """What store operations raise for ``session``: its id_check task, then ``items``
    (age_receipt decisions: hold, charge, remove) and the check's ``-done``."""
    task = f"idcheck-{session}"
    out: list[StaffTaskIn | AlertIn] = [
        StaffTaskIn(id=task, kind="id_check", title="Check ID", t=1.0, data={"session": session})
    ]
    out += [
        AlertIn(
            id=f"{task}-{d}",
            kind="age_receipt",
            message=d,
            t=2.0,
            data={"session": session, "decision": d, "lines": [BEER]},
        )
        for d in items
    ]
    if verified is not None:
        out.append(
            AlertIn(
                id=f"{task}-done",
                kind="id_check_done",
                severity="info",
                message="ID checked",
                t=3.0,
                data={"task": task, "session": session, "verified": verified},
            )
        )
    with bench.bus.uow() as uow:
        record_operations(uow, bench.store, out)
        uow.commit()


def test_a_held_charge_waits_for_the_id_then_is_charged_once(bench: Bench) -> None:
    acc = bench.shopper()
    _ops(bench, "H1", "hold")
    key = bench.receipt(acc, [(BEER, 2), (CHIPS, 1)], session="H1")
    full = bench.charge(key).amount
    assert bench.charge(key).status == "held"
    bench.run()
    assert bench.charge(key).status == "held" and captured(bench.provider) == []
    _ops(bench, "H1", "charge", verified=True)
    charges.on_age_decided(bench.ctx, bench.store, "H1", "charge")
    charges.on_age_decided(bench.ctx, bench.store, "H1", "charge")  # delivered again
    bench.run()
    c = bench.charge(key)
    assert c.status == "succeeded" and c.amount == full
    assert captured(bench.provider) == [(c.intent_id, full)]


def test_a_refused_id_takes_the_restricted_lines_off_the_held_charge(bench: Bench) -> None:
    acc = bench.shopper()
    _ops(bench, "H2", "hold")
    key = bench.receipt(acc, [(BEER, 2), (CHIPS, 1)], session="H2")
    _ops(bench, "H2", "remove", verified=False)
    charges.on_age_decided(bench.ctx, bench.store, "H2", "remove")
    c = bench.charge(key)
    assert c.status == "pending" and [ln["sku"] for ln in c.bill["lines"]] == [CHIPS]
    assert c.amount == c.bill["lines"][0]["amount"] + c.tax
    bench.run()
    assert captured(bench.provider) == [(bench.charge(key).intent_id, c.amount)]


def test_remove_item_charges_without_the_restricted_lines(bench: Bench) -> None:
    acc = bench.shopper()
    _ops(bench, "R1", "remove")
    key = bench.receipt(acc, [(BEER, 1), (CHIPS, 1)], session="R1")
    c = bench.charge(key)
    assert c.status == "pending" and [ln["sku"] for ln in c.bill["lines"]] == [CHIPS]
    _ops(bench, "R2", "remove")
    assert bench.charge(bench.receipt(acc, [(BEER, 1)], session="R2")).status == "nothing"


def test_block_exit_holds_the_exit_gate_until_the_id_is_checked(bench: Bench) -> None:
    st = bench.stores[bench.store]
    exit_gate = st.gates_of_kind("exit")[0].id
    _ops(bench, "B1")
    d = gate.decide_exit(bench.ctx, bench.store, exit_gate, "B1")
    assert d.decision == "admit"  # the default policy does not stop anyone
    with bench.bus.uow() as uow:
        uow.db.add(StoreSettingsRow(store_id=bench.store, age_check="block_exit"))
        uow.commit()
    d = gate.decide_exit(bench.ctx, bench.store, exit_gate, "B1")
    assert d.decision == "refuse" and "check ID" in d.reason
    assert gate.decide_exit(bench.ctx, bench.store, exit_gate, "B9").decision == "admit"
    _ops(bench, "B1", verified=False)  # refused counts as checked: the lines come off
    assert gate.decide_exit(bench.ctx, bench.store, exit_gate, "B1").decision == "admit"
