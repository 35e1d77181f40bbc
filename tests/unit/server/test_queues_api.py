"""Review, receipts and staff queues through the API, each role both ways."""

from __future__ import annotations

import pytest

from tests.unit.server.conftest import Live
from walkout.fusion.outputs import Hypothesis, Receipt, ReceiptLine, ReviewTask, Session, ShelfEvent
from walkout.server.auth.principal import Role
from walkout.server.auth.tokens import issue
from walkout.server.service.events import Event, ReceiptFinalized
from walkout.server.service.outputs import record_outputs

T = 1_772_481_700.0


def _seed(live: Live) -> tuple[str, str]:
    st = live.server.stores[live.store]
    a, b = st.catalogue[0], st.catalogue[1]
    outs = [
        Session(
            id="S000001", token="qr-alice", credential="qr", admits=1, tracks=["t1"], t_enter=T
        ),
        Session(id="S000002", token="qr-bob", credential="qr", admits=1, tracks=["t2"], t_enter=T),
        Session(
            id="S000001",
            token="qr-alice",
            credential="qr",
            admits=1,
            tracks=["t1"],
            t_enter=T,
            t_exit=T + 60,
            status="closed",
        ),
        Receipt(
            session="S000001",
            token="qr-alice",
            t_exit=T + 60,
            t_final=None,
            status="review",
            lines=[
                ReceiptLine(
                    sku=a.sku, qty=1, unit_price=a.price, p=0.6, events=["E0000001"], review=True
                )
            ],
            total=a.price,
            currency=st.currency,
        ),
        ReviewTask(
            id="R000001",
            session="S000001",
            t=T + 61,
            reason="doubtful lines",
            events=["E0000001"],
            evidence={"E0000001": {"hypotheses": [{"items": [[a.sku, 1]], "p": 0.6}]}},
        ),
        Receipt(
            session="S000002",
            token="qr-bob",
            t_exit=T + 70,
            t_final=T + 70.6,
            status="final",
            lines=[ReceiptLine(sku=b.sku, qty=2, unit_price=b.price, p=0.99)],
            total=2 * b.price,
            currency=st.currency,
        ),
    ]
    with live.server.bus.uow() as uow:
        record_outputs(uow, live.store, outs)
        uow.commit()
    live.server.bus.dispatch_pending()
    return a.sku, b.sku


def _get(live: Live, path: str, who: str):
    return live.client.get(f"/api/stores/{live.store}{path}", headers=live.auth(who))


def _post(live: Live, path: str, who: str, body: object = None):
    return live.client.post(
        f"/api/stores/{live.store}{path}", headers=live.auth(who), json=body or {}
    )


def test_a_shopper_sees_only_their_own_sessions_and_receipts(live: Live) -> None:
    _seed(live)
    mine = _get(live, "/receipts", "shopper").json()
    assert [r["session"] for r in mine] == ["S000001"]
    assert _get(live, "/receipts/S000002", "shopper").status_code == 404
    assert _get(live, "/sessions/S000002", "shopper").status_code == 404
    assert [s["id"] for s in _get(live, "/sessions", "shopper").json()] == ["S000001"]
    assert [r["session"] for r in _get(live, "/receipts", "bob").json()] == ["S000002"]
    assert _get(live, "/receipts/S000002", "bob").json()["total"] > 0
    everyone = _get(live, "/receipts", "admin").json()
    assert {r["session"] for r in everyone} == {"S000001", "S000002"}
    assert len(_get(live, "/sessions", "staff").json()) == 2


def test_review_claim_lease_decide_finalizes_and_labels(live: Live) -> None:
    seen: list[Event] = []
    live.server.bus.subscribe(ReceiptFinalized, seen.append)
    a, b = _seed(live)
    with live.server.session_factory() as db:
        other, _ = issue(db, Role.REVIEWER, live.store, name="second reviewer")
        db.commit()
    live.tokens["reviewer2"] = other
    task = _post(live, "/review/next", "reviewer").json()
    assert task["id"] == "R000001" and task["evidence"]["E0000001"]["hypotheses"]
    assert task["receipt"]["status"] == "review"
    assert _post(live, "/review/next", "reviewer2").status_code == 404  # nothing else free
    assert _post(live, "/review/tasks/R000001/claim", "reviewer2").status_code == 409
    decision = {"lines": [{"sku": b, "qty": 1}], "note": "it was the other product"}
    assert _post(live, "/review/tasks/R000001/decision", "reviewer2", decision).status_code == 409
    bad = {"lines": [{"sku": "NOPE", "qty": 1}]}
    assert _post(live, "/review/tasks/R000001/decision", "reviewer", bad).status_code == 422
    r = _post(live, "/review/tasks/R000001/decision", "reviewer", decision)
    assert r.status_code == 200, r.text
    rec = r.json()["receipt"]
    assert rec["status"] == "final" and [ln["sku"] for ln in rec["lines"]] == [b]
    assert rec["decided_by"] == "review"
    assert _get(live, "/receipts/S000001", "shopper").json()["status"] == "final"
    finalized = [e for e in seen if isinstance(e, ReceiptFinalized)]
    assert {(e.session, e.by) for e in finalized} == {("S000002", "engine"), ("S000001", "review")}
    assert next(e for e in finalized if e.session == "S000001").account == "a_alice"
    assert _post(live, "/review/tasks/R000001/decision", "reviewer", decision).status_code == 409
    ex = _get(live, "/review/examples", "admin").json()
    assert len(ex) == 1 and ex[0]["lines"] == [{"sku": b, "qty": 1}]
    assert ex[0]["engine_lines"][0]["sku"] == a and ex[0]["evidence"]
    # a replay of the same engine outputs changes nothing and raises nothing
    _seed(live)
    assert _get(live, "/receipts/S000001", "admin").json()["status"] == "final"
    assert len([e for e in seen if isinstance(e, ReceiptFinalized)]) == 2


def test_a_decisions_event_labels_go_to_the_log_for_store_operations(live: Live) -> None:
    a, b = _seed(live)
    ev = ShelfEvent(
        id="E0000001",
        t_start=T + 10,
        t_end=T + 11,
        fixture="G01",
        shelf=1,
        plates={"G01.1.1": -100.0},
        delta_g=-100.0,
        op="take",
        hypotheses=[Hypothesis(items=[(a, 1)], p=0.6)],
        session="S000001",
        p=0.6,
        review=True,
        t_decided=T + 12,
    )
    with live.server.bus.uow() as uow:
        record_outputs(uow, live.store, [ev])
        uow.commit()
    end = live.server.logs[live.store].end()
    _post(live, "/review/tasks/R000001/claim", "reviewer")
    decision = {
        "lines": [{"sku": b, "qty": 1}],
        "events": {"E0000001": {"items": [[b, 1]], "session": "S000001"}, "E0000099": {}},
    }
    assert _post(live, "/review/tasks/R000001/decision", "reviewer", decision).status_code == 200
    got = [r for _, r in live.server.logs[live.store].read(end, 100, timeout=1.0)]
    labels = [r for r in got if r.kind == "shelf_label"]
    assert [(r.event, r.moves) for r in labels] == [("E0000001", [("take", b, 1)])]  # not E0000099
    assert labels[0].by and labels[0].device.startswith("review:")


def test_a_lapsed_review_lease_returns_the_task(live: Live) -> None:
    _seed(live)
    with live.server.session_factory() as db:
        other, _ = issue(db, Role.REVIEWER, live.store)
        db.commit()
    live.tokens["reviewer2"] = other
    assert _post(live, "/review/tasks/R000001/claim", "reviewer").status_code == 200
    live.clock.t += live.server.settings.review_lease_s + 1
    assert _post(live, "/review/next", "reviewer2").json()["id"] == "R000001"
    decision = {"lines": []}
    assert _post(live, "/review/tasks/R000001/decision", "reviewer", decision).status_code == 409
    assert _post(live, "/review/tasks/R000001/decision", "reviewer2", decision).status_code == 200


@pytest.mark.parametrize("queue", ["tasks", "alerts"])
def test_staff_queue_claim_and_close(live: Live, queue: str) -> None:
    from walkout.server.service.queues import record_operations
    from walkout.server.worker.operations import AlertIn, StaffTaskIn

    item = (
        StaffTaskIn(id="K1", kind="restock", title="restock G01.2", t=T)
        if queue == "tasks"
        else AlertIn(
            id="K1", kind="tailgater", message="two in on one code", t=T, severity="critical"
        )
    )
    with live.server.bus.uow() as uow:
        assert record_operations(uow, live.store, [item, item]) == 1
        uow.commit()
    assert [i["id"] for i in _get(live, f"/staff/{queue}", "staff").json()] == ["K1"]
    with live.server.session_factory() as db:
        other, _ = issue(db, Role.STAFF, live.store)
        db.commit()
    live.tokens["staff2"] = other
    assert _post(live, f"/staff/{queue}/K1/claim", "staff").json()["status"] == "claimed"
    assert _post(live, f"/staff/{queue}/K1/claim", "staff2").status_code == 409
    assert _post(live, f"/staff/{queue}/K1/close", "staff2", {"note": "x"}).status_code == 409
    done = _post(live, f"/staff/{queue}/K1/close", "staff", {"note": "done"}).json()
    assert done["status"] == "closed" and done["note"] == "done"
    assert _get(live, f"/staff/{queue}?status=open", "admin").json() == []
    assert _post(live, f"/staff/{queue}/K2/claim", "staff").status_code == 404


def test_catalogue_price_change_applies_to_receipts_after_it(live: Live) -> None:
    st = live.server.stores[live.store]
    p = st.catalogue[0]
    assert _get(live, "/catalogue", "shopper").json()[0]["price"] is not None
    r = live.client.patch(
        f"/api/stores/{live.store}/catalogue/{p.sku}",
        headers=live.auth("admin"),
        json={"price": p.price + 100},
    )
    assert r.status_code == 200 and r.json()["price"] == p.price + 100
    assert (
        live.client.patch(
            f"/api/stores/{live.store}/catalogue/{p.sku}",
            headers=live.auth("staff"),
            json={"price": 1},
        ).status_code
        == 403
    )
    later = live.clock.t + 10
    with live.server.bus.uow() as uow:
        record_outputs(
            uow,
            live.store,
            [
                Receipt(
                    session="S9",
                    token=None,
                    t_exit=later,
                    t_final=later,
                    status="final",
                    lines=[ReceiptLine(sku=p.sku, qty=1, unit_price=p.price, p=0.99)],
                    total=p.price,
                    currency=st.currency,
                ),
                Receipt(
                    session="S8",
                    token=None,
                    t_exit=live.clock.t - 10,
                    t_final=live.clock.t - 10,
                    status="final",
                    lines=[ReceiptLine(sku=p.sku, qty=1, unit_price=p.price, p=0.99)],
                    total=p.price,
                    currency=st.currency,
                ),
            ],
        )
        uow.commit()
    assert _get(live, "/receipts/S9", "admin").json()["total"] == p.price + 100
    assert (
        _get(live, "/receipts/S8", "admin").json()["total"] == p.price
    )  # exited before the change
    new = {"sku": "NEW1", "name": "New thing", "price": 250, "weight_g": 100}
    assert _post(live, "/catalogue", "admin", new).status_code == 201
    assert _post(live, "/catalogue", "admin", new).status_code == 409


def test_what_the_sensors_resolve_closes_its_task_or_alert(live: Live) -> None:
    """Core items through the adapter: a restock done and a plate reading again close
    the open task and alert; the resolutions are stored closed; a replay changes nothing."""
    from walkout.operations.items import Alert, Task
    from walkout.server.service.queues import record_operations
    from walkout.server.worker.ops_adapter import to_port

    opened = [
        Task(id="restock-1", kind="restock", title="Restock tea", t=T),
        Task(id="restock-2", kind="restock", title="Restock milk", t=T),
        Alert(id="health-plate_dead-G01.1.1", kind="plate_dead", message="dead", t=T),
    ]
    resolved = [
        Task(id="restock-1", kind="restock", title="Restocked", t=T + 9, status="done"),
        Alert(
            id="health-plate_dead-G01.1.1",
            kind="plate_dead",
            message="reads again",
            t=T + 9,
            cleared=True,
            severity="info",
        ),
    ]
    for batch in (opened, resolved, opened + resolved):  # the last: a replay
        with live.server.bus.uow() as uow:
            record_operations(uow, live.store, [to_port(x) for x in batch])
            uow.commit()
    staff = live.auth("staff")

    def listed(q: str, status: str = "") -> dict[str, str]:
        url = f"/api/stores/{live.store}/staff/{q}" + (f"?status={status}" if status else "")
        return {x["id"]: x["status"] for x in live.client.get(url, headers=staff).json()}

    assert listed("tasks", "open") == {"restock-2": "open"}
    assert listed("alerts", "open") == {}
    assert listed("tasks")["restock-1"] == "closed"
    assert listed("alerts") == {
        "health-plate_dead-G01.1.1": "closed",
        "health-plate_dead-G01.1.1-ok": "closed",
        "restock-1-done": "closed",
    }
