"""Crash safety of a real ``walkout serve``: kill -9 at random moments while a
twin stream is fed over HTTP (the feeder retries what was not acknowledged),
restart, carry on. Afterwards: every record logged exactly once, and receipts
(and receipt-finalized events, i.e. charges) identical to an uninterrupted run."""

from __future__ import annotations

import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.fixtures.server_twin import reference, twin_stream
from walkout.fusion.outputs import Receipt
from walkout.server.feeder import Feeder, batches

ADMIN = "wo_crash_test_admin"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServeProcess:
    def __init__(self, data: Path, port: int):
        self.data, self.port = data, port
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        env = {
            **os.environ,
            "WALKOUT_ADMIN_TOKEN": ADMIN,
            "WALKOUT_CHECKPOINT_EVERY_S": "0.3",
            "WALKOUT_LOG_FORMAT": "json",
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "walkout.cli.main",
                "serve",
                "--store",
                "corner-shop",
                "--data-dir",
                str(self.data),
                "--port",
                str(self.port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.data.parent / "serve.log", "ab"),  # noqa: SIM115
        )
        t0 = time.monotonic()
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert self.proc.poll() is None, (self.data.parent / "serve.log").read_text()[-3000:]
            assert time.monotonic() - t0 < 60, "walkout serve did not start"
            time.sleep(0.05)

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill9()


def _api(url: str, path: str, method: str = "GET", **kw: object) -> object:
    r = httpx.request(
        method, f"{url}{path}", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30, **kw
    )
    assert r.status_code < 300, (path, r.status_code, r.text)
    return r.json()


def test_kill_9_at_random_moments_loses_nothing_and_changes_no_receipt(tmp_path: Path) -> None:
    seed = int(os.environ.get("WALKOUT_KILL_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    st, recs = twin_stream()
    srv = ServeProcess(tmp_path / "data", _free_port())
    srv.start()
    try:
        sid = _api(srv.url, "/api/stores")[0]["id"]  # type: ignore[index]
        device = _api(srv.url, f"/api/stores/{sid}/tokens", "POST", json={"role": "device"})[
            "token"
        ]  # type: ignore[index]
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
        t0 = time.monotonic()
        while not (s := _api(srv.url, f"/api/stores/{sid}/status"))["caught_up"]:  # type: ignore[index]
            assert time.monotonic() - t0 < 60, s
            time.sleep(0.1)
        assert s["log_end"] == len(recs) + 1, (seed, s, len(recs))  # header + each record once
        _api(srv.url, f"/api/stores/{sid}/close", "POST")
        while not _api(srv.url, f"/api/stores/{sid}/status")["closed"]:  # type: ignore[index]
            assert time.monotonic() - t0 < 90
            time.sleep(0.1)
        got = _api(srv.url, f"/api/stores/{sid}/receipts?limit=10000")
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
        for r in got  # type: ignore[union-attr]
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
