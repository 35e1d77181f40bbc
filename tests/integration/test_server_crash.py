"""Crash safety of a real ``walkout serve``: kill -9 at random moments while a
twin stream is fed over HTTP (the feeder retries what was not acknowledged),
restart, carry on. Afterwards: every record logged exactly once, and receipts
(and receipt-finalized events, i.e. charges) identical to an uninterrupted run."""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from tests.fixtures.server_twin import reference, twin_stream
from walkout.fusion.outputs import Receipt
from walkout.server.feeder import Feeder, batches
from walkout.server.process import ServeProcess

pytestmark = pytest.mark.slow  # still runs in CI

ADMIN = "wo_crash_test_admin"


def test_kill_9_at_random_moments_loses_nothing_and_changes_no_receipt(tmp_path: Path) -> None:
    seed = int(os.environ.get("WALKOUT_KILL_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    st, recs = twin_stream()
    srv = ServeProcess(
        tmp_path / "data", "corner-shop", ADMIN, env={"WALKOUT_CHECKPOINT_EVERY_S": "0.3"}
    )
    srv.start()
    try:
        sid = srv.store_id()
        device = srv.api("POST", f"/api/stores/{sid}/tokens", json={"role": "device"})["token"]
        feeder = Feeder(srv.url, sid, device)
        done = threading.Event()
        failure: list[BaseException] = []

        def feed() -> None:
            try:
                for b in batches(recs, 150):
                    feeder.send(b)
                    time.sleep(0.04)  # a live pace, so that the kills land mid-stream
            except BaseException as e:  # reported by the main thread
                failure.append(e)
            finally:
                done.set()

        threading.Thread(target=feed, daemon=True).start()
        kills = 0
        while not done.wait(rng.uniform(0.2, 2.5)) and kills < 2:
            srv.kill9()
            kills += 1
            srv.start()
        assert done.wait(120), "the feeder did not finish"
        assert not failure, (seed, failure)
        assert kills >= 1, f"the stream ended before the kills (seed {seed})"
        # one more kill after everything is in, before the engine is surely done
        srv.kill9()
        srv.start()
        s = srv.wait_caught_up(sid, timeout=120)
        assert s["log_end"] == len(recs) + 1, (seed, s, len(recs))  # header + each record once
        srv.close_day(sid, timeout=120)
        got = srv.api("GET", f"/api/stores/{sid}/receipts", params={"limit": 10000})
    finally:
        srv.stop()
    want = sorted(
        (o for o in reference(st, recs) if isinstance(o, Receipt)),
        key=lambda r: (r.t_exit, r.session),
    )
    assert len(want) >= 3
    flat = [
        (
            r["session"],
            r["status"],
            r["total"],
            r["t_exit"],
            r["t_final"],
            [(ln["sku"], ln["qty"], ln["unit_price"], ln["p"]) for ln in r["lines"]],
        )
        for r in got
    ]
    assert flat == [
        (
            r.session,
            r.status,
            r.total,
            r.t_exit,
            r.t_final,
            [(ln.sku, ln.qty, ln.unit_price, ln.p) for ln in r.lines],
        )
        for r in want
    ], f"seed {seed}"
    db = sqlite3.connect(tmp_path / "data" / "walkout.db")
    charges = db.execute(
        "select count(*), count(distinct key) from outbox where type='ReceiptFinalized'"
    ).fetchone()
    assert charges == (sum(r.status == "final" for r in want),) * 2, f"seed {seed}"
    print(
        f"kill seed {seed}: {kills + 1} kills, {feeder.retries} retried batches, {feeder.duplicates} duplicates dropped"
    )
