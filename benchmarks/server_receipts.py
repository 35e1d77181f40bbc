"""Issue 6 target: a receipt delivered (its signed webhook received by a local
receiver) within 2 s of the shopper's exit at p99, for sessions that need no
review, while a ``convenience`` store's live stream is replayed at >= 10x.

``walkout serve`` runs as a child process on embedded defaults (SQLite, file
log, fsync on) with the Stripe adapter pointed at a localstripe child (or the
in-memory fake with ``--provider fake``). Every credential in the twin's log is
bound to an account with a card, so every final receipt is charged. The log is
fed over HTTP with the server's own ``Feeder`` (the ingestion benchmarks' load),
paced at ``--speed`` times its clock. A receipt's latency is the wall time its
``receipt.finalized`` webhook arrived minus the wall time the batch holding its
exit (the first record at or after ``t_exit``) was sent; ``of_which_webhook_s``
is the part from the charge row's commit (the payload's ``created``) to arrival.
``--via mqtt`` publishes the same batches instead as a store gateway would
(one QoS 1 message per batch on walkout/STORE/batch/GW) to a Mosquitto of its
own, and the server ingests them with ``--mqtt``. Make the log first:

    walkout simulate --store convenience --scenario realistic --hours 0.5 --seed 7 --out runs/conv30m --binary
    python benchmarks/server_receipts.py --log runs/conv30m/log.wlog --speed 10
    python benchmarks/server_receipts.py --log runs/conv30m/log.wlog --speed 12 --via mqtt --batch-s 0.05
"""

from __future__ import annotations

import argparse
import bisect
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from tests.fixtures.localstripe_server import localstripe  # noqa: E402
from tests.fixtures.webhook_receiver import Receiver  # noqa: E402

from server_common import Mosquitto, bind_accounts, credentials, serve  # noqa: E402
from walkout.eventlog import read_log  # noqa: E402
from walkout.eventlog.binary import encode_records  # noqa: E402
from walkout.eventlog.records import Header  # noqa: E402
from walkout.server.feeder import Feeder, encode_batch  # noqa: E402
from walkout.server.ingest.mqtt import MqttPublisher  # noqa: E402
from walkout.server.webhooks.signing import HEADER, verify  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", type=Path, default=Path("runs/conv30m/log.wlog"))
    ap.add_argument("--store", default=None, help="store file (default store.yaml beside the log)")
    ap.add_argument("--speed", type=float, default=10.0)
    ap.add_argument("--minutes", type=float, default=None, help="stream only this much of the log")
    ap.add_argument("--batch-s", type=float, default=0.1, help="store seconds per HTTP batch")
    ap.add_argument("--provider", choices=["stripe", "fake"], default="stripe")
    ap.add_argument(
        "--via", choices=["http", "mqtt"], default="http", help="how the batches reach the server"
    )
    ap.add_argument(
        "--payload",
        choices=["json", "binary"],
        default="json",
        help="gateway batches as JSON arrays or binary (walkout.eventlog.binary), --via mqtt",
    )
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args()
    store = a.store or str(a.log.parent / "store.yaml")
    recs = [r for r in read_log(a.log) if not isinstance(r, Header)]
    if a.minutes:
        recs = [r for r in recs if r.t <= recs[0].t + a.minutes * 60]
    tokens = credentials(recs)
    work = Path(tempfile.mkdtemp(prefix="walkout-bench-receipts-"))
    with Receiver() as rx, localstripe() if a.provider == "stripe" else _nothing() as api:
        env = {"WALKOUT_PAYMENT_PROVIDER": a.provider}
        broker = Mosquitto() if a.via == "mqtt" else None
        if broker is not None:
            env |= broker.server_env()
        if api:
            env |= {"WALKOUT_STRIPE_API_KEY": "sk_test_bench", "WALKOUT_STRIPE_API_BASE": api}
        srv = serve(work / "data", store, env=env)
        srv.start()
        try:
            sid = srv.store_id()
            ep = srv.http.post(
                f"/api/stores/{sid}/webhooks", json={"url": rx.url, "events": ["receipt.finalized"]}
            ).json()
            bind_accounts(srv, sid, tokens, api)
            device = srv.http.post(f"/api/stores/{sid}/tokens", json={"role": "device"}).json()[
                "token"
            ]
            if broker is not None:
                time.sleep(1.0)  # the server's MQTT subscription is in place
                pub = MqttPublisher("127.0.0.1", broker.port, "walkout", sid, client_id="bench")
                messages = 0
                encode = encode_records if a.payload == "binary" else encode_batch

                def send(batch: list) -> None:  # type: ignore[type-arg]
                    nonlocal messages
                    pub.publish_batch("gw-1", encode(batch))
                    messages += 1
            else:
                send = Feeder(srv.url, sid, device).send
            sent_t: list[float] = []  # the last record time of each batch...
            sent_wall: list[float] = []  # ...and when it was sent
            t0_store, t0_wall = recs[0].t, time.time()
            i = 0
            while i < len(recs):
                end_t = recs[i].t + a.batch_s
                j = i
                while j < len(recs) and recs[j].t < end_t:
                    j += 1
                due = t0_wall + (recs[i].t - t0_store) / a.speed
                time.sleep(max(0.0, due - time.time()))
                sent_t.append(recs[j - 1].t)
                sent_wall.append(time.time())
                send(recs[i:j])
                i = j
            feed_s = time.time() - t0_wall
            if broker is not None:
                assert pub.wait(messages, 600), f"broker acknowledged {pub.acked} of {messages}"
            caught = srv.wait_caught_up(sid, len(recs) + 1, timeout=1800)
            processed_s = time.time() - t0_wall
            if broker is not None:
                pub.close()
            time.sleep(5)  # the last receipts
            n_charges = len(
                srv.http.get(
                    f"/api/stores/{sid}/charges", params={"status": "succeeded", "limit": 10000}
                ).json()
            )
        finally:
            srv.stop()
            if broker is not None:
                broker.stop()
        got = rx.wait(0, timeout=0)
    lat, deliver, review, bad_sig = [], [], 0, 0
    for g in got:
        try:
            verify(ep["secret"], g.body, g.headers[HEADER], now=g.t_wall)
        except ValueError:
            bad_sig += 1
        d = g.json["data"]
        if d["decided_by"] != "engine":
            review += 1
            continue
        t_exit = d["receipt"]["t_exit"]
        k = bisect.bisect_left(sent_t, t_exit)
        if k < len(sent_wall):
            lat.append(g.t_wall - sent_wall[k])
            deliver.append(g.t_wall - g.json["created"])  # from the charge row's commit to here
    x = np.array(lat)
    res = {
        "log": str(a.log),
        "speed": a.speed,
        "provider": a.provider,
        "via": a.via,
        "batch_s": a.batch_s,
        "payload": a.payload,
        "records": len(recs),
        "store_minutes": round((recs[-1].t - recs[0].t) / 60, 1),
        "feed_wall_s": round(feed_s, 1),
        "achieved_speed": round((recs[-1].t - recs[0].t) / feed_s, 2),
        "processed_wall_s": round(processed_s, 1),
        "speed_end_to_end": round((recs[-1].t - recs[0].t) / processed_s, 2),
        "logged": caught["log_end"] - 1,
        "processed": caught["engine_offset"] - 1,
        "receipts_delivered": len(got),
        "engine_final": len(lat),
        "after_review": review,
        "bad_signatures": bad_sig,
        "charges_succeeded": n_charges,
        "latency_s": _quantiles(x),
        "of_which_webhook_s": _quantiles(np.array(deliver)),
    }
    print(json.dumps(res, indent=2))
    if a.json:
        a.json.write_text(json.dumps(res, indent=2))
    shutil.rmtree(work, ignore_errors=True)


def _quantiles(x: np.ndarray) -> dict[str, float]:
    if not len(x):
        return {}
    out = {
        q: round(float(np.percentile(x, p)), 3) for q, p in (("p50", 50), ("p90", 90), ("p99", 99))
    }
    return out | {"max": round(float(x.max()), 3)}


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *a: object) -> None: ...


if __name__ == "__main__":
    main()
