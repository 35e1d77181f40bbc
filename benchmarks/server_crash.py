"""Issue 6 target: kill -9 over a replayed stream: 0 lost events, 0 double
charges, receipts identical to an uninterrupted run.

A twin log is fed over HTTP (batches, retried until acknowledged) to a
``walkout serve`` child process (embedded defaults, fsync on) that is killed
with SIGKILL at random moments and restarted; at the end the store closes and
its receipts are compared with the engine run uninterrupted in-process on the
same records.

    walkout simulate --store convenience --hours 1 --seed 7 --out runs/conv1h --binary
    python benchmarks/server_crash.py --log runs/conv1h/log.wlog --kills 8

``--provider stripe`` binds every shopper's credential to an account with a
card and charges through a localstripe child (never killed), then counts the
succeeded payment intents per charge at the provider: a double charge is two
for one receipt. localstripe ignores idempotency keys, so only the server's
own charge records can keep that at one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures.localstripe_server import localstripe

from server_common import bind_accounts, credentials, provider_charges, serve
from walkout.eventlog import read_log
from walkout.eventlog.codec import from_obj, to_obj
from walkout.eventlog.records import AnyRecord, Header
from walkout.fusion.engine import Engine
from walkout.fusion.outputs import Receipt, ShelfEvent
from walkout.server.feeder import Feeder, batches
from walkout.storefile import load_store


def reference(
    log: Path, store: Path, hours: float | None, events: list | None = None
) -> list[tuple]:  # type: ignore[type-arg]
    """Receipts of the engine uninterrupted (and, into ``events``, its shelf events)."""
    st = load_store(store)
    eng = Engine(st)
    out = []
    for rec in _head(log, hours):
        got = eng.apply(from_obj(to_obj(rec)))
        out.extend(o for o in got if isinstance(o, Receipt))
        if events is not None:
            events.extend(o for o in got if isinstance(o, ShelfEvent))
    got = eng.flush()
    out.extend(o for o in got if isinstance(o, Receipt))
    if events is not None:
        events.extend(o for o in got if isinstance(o, ShelfEvent))
    return sorted(_key(r.model_dump(mode="json")) for r in out)


def _key(r: dict) -> tuple:  # type: ignore[type-arg]
    return (
        r["session"],
        r["status"],
        r["total"],
        r["t_exit"],
        r["t_final"],
        tuple((ln["sku"], ln["qty"], ln["unit_price"], ln["p"]) for ln in r["lines"]),
    )


def _head(log: Path, hours: float | None) -> Iterator[AnyRecord]:
    """The records of the first ``hours`` of a log (all of it: None), streamed."""
    t0 = None
    for rec in read_log(log):
        if isinstance(rec, Header):
            continue
        t0 = rec.t if t0 is None else t0
        if hours is not None and rec.t - t0 > hours * 3600:
            return
        yield rec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", type=Path, default=Path("runs/conv1h/log.wlog"))
    ap.add_argument("--kills", type=int, default=8)
    ap.add_argument("--hours", type=float, default=None, help="only the first hours of the log")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--batch", type=int, default=500, help="records per HTTP batch")
    ap.add_argument("--provider", choices=["none", "stripe"], default="none")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    store = a.log.parent / "store.yaml"
    work = Path(tempfile.mkdtemp(prefix="walkout-bench-crash-"))
    env = {"WALKOUT_CHECKPOINT_EVERY_S": "5"}
    stack = contextlib.ExitStack()
    api = None
    if a.provider == "stripe":
        api = stack.enter_context(localstripe())
        env |= {
            "WALKOUT_PAYMENT_PROVIDER": "stripe",
            "WALKOUT_STRIPE_API_KEY": "sk_test_bench",
            "WALKOUT_STRIPE_API_BASE": api,
        }
    srv = serve(work / "data", str(store), env=env)
    t_start = time.monotonic()
    restarts: list[float] = []
    try:
        restarts.append(srv.start())
        sid = srv.store_id()
        if api is not None:
            bind_accounts(srv, sid, credentials(_head(a.log, a.hours)), api)
        token = srv.http.post(f"/api/stores/{sid}/tokens", json={"role": "device"}).json()["token"]
        feeder = Feeder(srv.url, sid, token, timeout=60)
        n = 0

        def records() -> Iterator[AnyRecord]:
            nonlocal n
            for rec in _head(a.log, a.hours):
                n += 1
                yield rec

        done = threading.Event()
        err: list[BaseException] = []

        def feed() -> None:
            try:
                for b in batches(records(), a.batch):
                    feeder.send(b, give_up_s=600)
            except BaseException as e:  # reported below
                err.append(e)
            finally:
                done.set()

        threading.Thread(target=feed, daemon=True).start()
        # kills spread over the feed: the first after a few seconds, then every 10-60 s
        kills = 0
        while kills < a.kills and not done.wait(rng.uniform(10, 60)):
            srv.kill9()
            kills += 1
            restarts.append(srv.start())
            print(
                f"kill {kills}: restarted in {restarts[-1]:.1f} s; {feeder.sent:,} records in",
                flush=True,
            )
        done.wait()
        if err:
            raise err[0]
        srv.kill9()  # and once more while the engine catches up
        kills += 1
        restarts.append(srv.start())
        s = srv.wait_caught_up(sid, n + 1)
        srv.close_day(sid)
        got = sorted(
            _key(r)
            for r in srv.http.get(f"/api/stores/{sid}/receipts", params={"limit": 10000}).json()
        )
        wall = time.monotonic() - t_start
        charged = provider_charges(api) if api is not None else None
    finally:
        srv.stop()
        stack.close()
    db = sqlite3.connect(work / "data" / "walkout.db")
    finalized, distinct = db.execute(
        "select count(*), count(distinct key) from outbox where type='ReceiptFinalized'"
    ).fetchone()
    ref_events: list[ShelfEvent] = []
    want = reference(a.log, store, a.hours, ref_events)
    res = {
        "log": str(a.log),
        "seed": seed,
        "records": n,
        "logged": s["log_end"] - 1,
        "lost": n - (s["log_end"] - 1),
        "kills": kills,
        "restart_s_median": sorted(restarts)[len(restarts) // 2],
        "retried_batches": feeder.retries,
        "duplicates_dropped": feeder.duplicates,
        "receipts": len(got),
        "receipts_reference": len(want),
        "receipts_identical": got == want,
        "finalized_events": finalized,
        "finalized_distinct": distinct,
        "final_receipts": sum(1 for r in want if r[1] == "final"),
        "provider_charged_receipts": None if charged is None else len(charged),
        "provider_double_charges": None
        if charged is None
        else sum(1 for v in charged.values() if v > 1),
        "wall_s": round(wall, 1),
    }
    print(json.dumps(res, indent=1))
    ok = (
        res["lost"] == 0
        and got == want
        and finalized == distinct == res["final_receipts"]
        and not res["provider_double_charges"]
    )
    print(
        f"| kill -9 x{kills}, {a.log} | {n:,} | {res['lost']} | {res['duplicates_dropped']:,} | "
        f"{len(got)} of {len(want)} identical: {got == want} | {finalized} for {res['final_receipts']} final | "
        f"{'PASS' if ok else 'FAIL'} |"
    )
    if a.json:
        a.json.write_text(json.dumps(res, indent=1))
    if got != want:  # say where the runs part, and keep the server's data
        for r in sorted(set(want) - set(got)):
            print("only uninterrupted:", r[:5])
        for r in sorted(set(got) - set(want)):
            print("only served:       ", r[:5])
        served = {
            row[0]: row[1] for row in db.execute("select id, data from shelf_events").fetchall()
        }
        for ev in ref_events:
            mine = served.get(ev.id)
            if mine is None or json.loads(mine) != ev.model_dump(mode="json"):
                print(
                    "first differing shelf event:",
                    ev.id,
                    ev.t_start,
                    "served:",
                    (mine or "missing")[:300],
                )
                print("uninterrupted:", ev.model_dump_json()[:300])
                break
        print(f"server data kept in {work}")
        return
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
