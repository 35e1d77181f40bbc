"""HTTP ingestion: bad records refused with a reason, counted and kept; good ones
logged before processed; the engine's receipts equal an in-process run."""

from __future__ import annotations

import time

import orjson

from tests.fixtures.server_twin import reference, twin_stream
from tests.unit.server.conftest import Live
from walkout.eventlog.binary import encode_records
from walkout.eventlog.codec import from_obj
from walkout.fusion.outputs import Receipt
from walkout.server.api.ingest import BINARY_TYPE
from walkout.server.feeder import batches, encode_batch, encode_one

URL = "/api/stores/{}/records"


def _post(live: Live, body: bytes, who: str = "device") -> tuple[int, dict]:
    r = live.client.post(URL.format(live.store), content=body, headers=live.auth(who))
    return r.status_code, r.json()


def test_bad_records_are_refused_with_reasons_and_kept(live: Live) -> None:
    good = {"kind": "pass", "device": "gate-in", "t": 1.0, "direction": "in"}
    bad = [
        {"kind": "pass", "device": "gate-in", "t": 2.0, "direction": "sideways"},
        {
            "kind": "plates",
            "device": "G1",
            "t": 3.0,
            "rate_hz": 60,
            "plates": ["a", "b"],
            "grams": [[1.0]],
        },
        {"kind": "header", "store": "x", "source": "live", "start": 0},
        {"device": "x", "t": 1},
        "nonsense",
    ]
    code, res = _post(live, orjson.dumps([good, *bad]))
    assert code == 202 and res["accepted"] == 1
    reasons = {r["index"]: r["reason"] for r in res["refused"]}
    assert set(reasons) == {1, 2, 3, 4, 5}
    assert "direction" in reasons[1]
    assert "grams rows have 1 values but 2 plates" in reasons[2]
    assert "written by the server" in reasons[3]
    assert "no 'kind'" in reasons[4]
    code, res = _post(live, b"{not json")
    assert code == 400 and "not JSON" in res["detail"]
    code, res = _post(live, orjson.dumps([bad[0]]))
    assert code == 422 and res["accepted"] == 0
    dead = live.client.get(
        f"/api/stores/{live.store}/dead-letters", headers=live.auth("admin")
    ).json()
    assert len(dead) == 7 and any("sideways" in d["payload"] for d in dead)
    metrics = live.client.get("/metrics").text
    rejected = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("walkout_records_rejected_total{") and f'store="{live.store}"' in line
    )
    assert rejected == 7
    assert live.server.logs[live.store].end() == 2  # the header and the one good record


def test_resent_batches_are_logged_once(live: Live) -> None:
    _, recs = twin_stream()
    batch = recs[:300]
    code, first = _post(live, encode_batch(batch))
    assert code == 202 and first["accepted"] == 300 and first["duplicates"] == 0
    code, again = _post(live, encode_batch(batch))
    assert code == 202 and again["accepted"] == 0 and again["duplicates"] == 300
    assert live.server.logs[live.store].end() == 301


def _plain(rec: object) -> dict:
    return {k: v for k, v in orjson.loads(rec.model_dump_json()).items() if k != "rx"}  # type: ignore[attr-defined]


def test_binary_batches_are_logged_like_json_and_corrupt_ones_refused(live: Live) -> None:
    _, recs = twin_stream()
    binary = {"Content-Type": BINARY_TYPE, **live.auth("device")}
    r = live.client.post(URL.format(live.store), content=encode_records(recs[:300]), headers=binary)
    assert r.status_code == 202 and r.json()["accepted"] == 300
    code, again = _post(live, encode_batch(recs[:300]))  # the same records as JSON
    assert code == 202 and again["duplicates"] == 300
    logged = live.server.logs[live.store].read(1, 300, timeout=1)
    as_json = [from_obj(orjson.loads(encode_one(r))) for r in recs[:300]]  # the log's resolution
    assert [_plain(rec) for _, rec in logged] == [_plain(rec) for rec in as_json]
    r = live.client.post(
        URL.format(live.store), content=encode_records(recs[:10])[:-3], headers=binary
    )
    assert r.status_code == 400 and "binary batch: truncated block" in r.json()["detail"]


def test_receipts_equal_an_uninterrupted_in_process_run(live: Live) -> None:
    st, recs = twin_stream()
    for b in batches(recs, 500):
        code, res = _post(live, encode_batch(b))
        assert code == 202 and not res["refused"]
    r = live.client.post(f"/api/stores/{live.store}/close", headers=live.auth("admin"))
    assert r.status_code == 200
    w = live.server.workers[live.store]
    t0 = time.monotonic()
    while not w.closed:
        assert time.monotonic() - t0 < 30 and w.error is None, w.error
        time.sleep(0.05)
    want = [o for o in reference(st, recs) if isinstance(o, Receipt)]
    got = live.client.get(f"/api/stores/{live.store}/receipts", headers=live.auth("admin")).json()
    assert len(want) >= 3
    assert [
        (g["session"], g["status"], g["total"], [(ln["sku"], ln["qty"]) for ln in g["lines"]])
        for g in got
    ] == [
        (w_.session, w_.status, w_.total, [(ln.sku, ln.qty) for ln in w_.lines])
        for w_ in sorted(want, key=lambda x: (x.t_exit, x.session))
    ]


def test_a_closed_day_has_its_last_receipts_committed(live: Live) -> None:
    """``closed`` is only reported once the receipts the end of day issued are in the
    database (a slow commit must not let a reader see the day closed without them)."""
    st, recs = twin_stream()
    recs = recs[:4000]  # someone is still in the store: their receipt comes from the flush
    want = [o for o in reference(st, recs) if isinstance(o, Receipt)]
    assert len(want) == 1 and not [
        o for o in reference(st, recs, flush=False) if isinstance(o, Receipt)
    ]
    w = live.server.workers[live.store]
    real = w._persist

    def slow(outs, ops):  # type: ignore[no-untyped-def]
        time.sleep(0.3)
        real(outs, ops)

    w._persist = slow  # type: ignore[method-assign]
    for b in batches(recs, 500):
        assert _post(live, encode_batch(b))[0] == 202
    assert (
        live.client.post(f"/api/stores/{live.store}/close", headers=live.auth("admin")).status_code
        == 200
    )
    t0 = time.monotonic()
    while not live.client.get(
        f"/api/stores/{live.store}/status", headers=live.auth("admin")
    ).json()["closed"]:
        assert time.monotonic() - t0 < 30
        time.sleep(0.01)
    got = live.client.get(f"/api/stores/{live.store}/receipts", headers=live.auth("admin")).json()
    assert [g["session"] for g in got] == [want[0].session]
