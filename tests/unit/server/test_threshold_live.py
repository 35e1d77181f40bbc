"""The review threshold, live: a change in the store settings is a record in the
store's log, so the running engine takes it at once (no restart), a replay of
the log gives the receipts the server issued, and a worker that finds the
settings row ahead of its log appends the row's value."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fixtures.server_twin import twin_stream
from tests.unit.server.conftest import (
    Clock,
    Live,
    add_tokens,
    caught_up,
    feed,
    make_settings,
    wait_ready,
)
from walkout.eventlog.records import AnyRecord, ReviewThresholdSet
from walkout.fusion.engine import Engine
from walkout.fusion.outputs import Receipt
from walkout.server.api.app import create_app
from walkout.server.bootstrap import Server
from walkout.server.db.settings import StoreSettingsRow
from walkout.server.db.visits import ReceiptRow

RAISED = 0.999  # above every line of the twin's three minutes (0.996 to 0.998)


def logged(srv: Server, store: str) -> list[AnyRecord]:
    dlog, out = srv.logs[store], []
    while len(out) < dlog.end():
        out += [r for _, r in dlog.read(len(out), 2000, timeout=0)]
    return out


def thresholds(srv: Server, store: str) -> list[float]:
    return [r.threshold for r in logged(srv, store) if isinstance(r, ReviewThresholdSet)]


def put(live: Live, who: str, **change: Any) -> Any:
    return live.client.put(
        f"/api/stores/{live.store}/settings", json=change, headers=live.auth(who)
    )


def stored_receipts(srv: Server, store: str, n: int) -> dict[str, str]:
    """Session -> status of the receipts the server issued, once there are ``n``."""
    t0 = time.monotonic()
    while True:  # the worker's offset moves before its batch's commit
        with srv.session_factory() as db:
            rows = db.query(ReceiptRow).filter_by(store_id=store).all()
            got = {r.session: r.engine["status"] for r in rows}
        if len(got) >= n:
            return got
        assert time.monotonic() - t0 < 20, got
        time.sleep(0.05)


def replayed(srv: Server, store: str, records: list[AnyRecord]) -> dict[str, str]:
    eng = Engine(srv.stores[store], srv.engine_config)
    outs = [o for r in records for o in eng.apply(r)]
    return {o.session: o.status for o in outs if isinstance(o, Receipt)}


def test_a_change_reaches_the_running_engine_and_the_log_replays_it(live: Live) -> None:
    srv, sid = live.server, live.store
    _, recs = twin_stream()
    half = next(i for i, r in enumerate(recs) if r.t > recs[0].t + 90)
    feed(live.client, srv, sid, live.auth("device"), recs[:half])
    worker = srv.workers[sid]
    assert worker.engine.cfg.review_threshold == 0.95
    r = put(live, "admin", review_threshold=RAISED)
    assert r.status_code == 200 and r.json()["review_threshold"] == RAISED
    caught_up(srv, sid)
    assert srv.workers[sid] is worker  # the same engine, not restarted
    assert worker.engine.cfg.review_threshold == RAISED
    (rec,) = [r for r in logged(srv, sid) if isinstance(r, ReviewThresholdSet)]
    assert rec.threshold == RAISED and rec.device == f"settings:{rec.by}"
    feed(live.client, srv, sid, live.auth("device"), recs[half:])
    log = logged(srv, sid)
    want = replayed(srv, sid, log)
    got = stored_receipts(srv, sid, len(want))
    assert got == want  # the log replays to the receipts the server issued
    # ... and the record made them: without it, receipts issued after it are final
    before = replayed(srv, sid, [r for r in log if not isinstance(r, ReviewThresholdSet)])
    flipped = {s for s in got if got[s] != before[s]}
    assert flipped and all(got[s] == "review" and before[s] == "final" for s in flipped)
    assert got["S000001"] == before["S000001"] == "final"  # issued before the change


def test_only_the_stores_admin_changes_it(live: Live) -> None:
    srv, sid = live.server, live.store
    end = srv.logs[sid].end()
    for who in ("staff", "reviewer", "shopper", "device", "other-admin", "other-staff"):
        assert put(live, who, review_threshold=0.97).status_code == 403, who
    assert put(live, "admin", review_threshold=1.0).status_code == 422
    assert srv.logs[sid].end() == end  # nothing logged
    r = live.client.get(f"/api/stores/{sid}/settings", headers=live.auth("staff"))
    assert r.status_code == 200 and r.json()["review_threshold"] == 0.95
    assert srv.workers[sid].engine.cfg.review_threshold == 0.95


def test_a_save_that_keeps_the_threshold_logs_nothing(live: Live) -> None:
    srv, sid = live.server, live.store
    assert put(live, "admin", review_threshold=0.95).status_code == 200  # the default
    assert put(live, "admin", review_threshold=0.97).status_code == 200
    assert put(live, "admin", review_threshold=0.97, hold_amount=100).status_code == 200
    assert put(live, "admin", age_check="block_exit").status_code == 200
    assert thresholds(srv, sid) == [0.97]


def test_a_device_cannot_send_one(live: Live) -> None:
    rec = {"kind": "review_threshold", "device": "shelf-1", "t": 1.0, "threshold": 0.6, "by": "x"}
    r = live.client.post(
        f"/api/stores/{live.store}/records", json=[rec], headers=live.auth("device")
    )
    assert r.status_code in (400, 422) or r.json().get("refused"), r.text
    assert thresholds(live.server, live.store) == []


@pytest.fixture
def restart(tmp_path: Path) -> Iterator[Callable[..., Live]]:
    """``restart()`` a server on ``tmp_path`` (``fresh``: its checkpoint deleted first)."""
    opened: list[Any] = []

    def start(fresh: bool = False) -> Live:
        for cm in opened:
            cm.__exit__(None, None, None)
        opened.clear()
        if fresh:
            for p in (tmp_path / "data" / "checkpoints").glob("*.ckpt"):
                p.unlink()
        clock = Clock()
        server = Server(make_settings(tmp_path), clock=clock)
        cm = TestClient(create_app(server))
        client = cm.__enter__()
        opened.append(cm)
        wait_ready(server)
        sid = next(iter(server.stores))
        caught_up(server, sid)
        return Live(server, client, clock, sid, add_tokens(server, sid))

    yield start
    for cm in opened:
        cm.__exit__(None, None, None)


def test_a_row_ahead_of_the_log_goes_into_it_at_the_next_start(
    restart: Callable[..., Live],
) -> None:
    live = restart()
    assert thresholds(live.server, live.store) == []
    with live.server.session_factory() as db:  # a change the log never got (it predates it)
        db.add(StoreSettingsRow(store_id=live.store, age_check="off", review_threshold=0.98))
        db.commit()
    live = restart()
    assert thresholds(live.server, live.store) == [0.98]
    assert live.server.workers[live.store].engine.cfg.review_threshold == 0.98
    live = restart()  # from its checkpoint: the engine has it; nothing appended again
    assert thresholds(live.server, live.store) == [0.98]
    live = restart(fresh=True)  # the whole log again: the record sets it
    assert thresholds(live.server, live.store) == [0.98]
    assert live.server.workers[live.store].engine.cfg.review_threshold == 0.98
    assert put(live, "admin", review_threshold=0.96).status_code == 200
    caught_up(live.server, live.store)
    assert live.server.workers[live.store].engine.cfg.review_threshold == 0.96
    assert thresholds(live.server, live.store) == [0.98, 0.96]
