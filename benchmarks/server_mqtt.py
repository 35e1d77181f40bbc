"""Issue 6 target: ingest a ``convenience`` store's live stream via MQTT at
>= 10x real time with no loss, end to end: published (acknowledged by the
broker) = logged (in the server's durable log) = processed (applied by the
engine).

The twin's log is replayed by a publisher (this process) at ``--speed`` times
its own clock, one MQTT message per record on walkout/STORE/KIND/DEVICE, QoS 1,
to a dedicated Mosquitto configured as deploy/mosquitto.conf; ``walkout serve
--mqtt`` (a child process, embedded defaults, fsync on) subscribes. Make the
log first:

    walkout simulate --store convenience --hours 1 --seed 7 --out runs/conv1h --binary
    python benchmarks/server_mqtt.py --log runs/conv1h/log.wlog --speed 12 --minutes 2 --gateway-ms 50

End to end (log seconds over the wall time until the engine applied the last
record) cannot exceed ``--speed``: to show 10x, feed faster than 10x.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server_common import Mosquitto, serve
from walkout.eventlog import read_log
from walkout.eventlog.binary import encode_records
from walkout.eventlog.records import Header
from walkout.server.feeder import encode_batch, encode_one
from walkout.server.ingest.mqtt import MqttPublisher


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    import os

    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", type=Path, default=Path("runs/conv1h/log.wlog"))
    ap.add_argument("--store", default=None, help="store file (default store.yaml beside the log)")
    ap.add_argument("--speed", type=float, default=10.0)
    ap.add_argument("--minutes", type=float, default=15.0, help="how much of the log to stream")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument(
        "--group-commit-ms", type=float, default=None, help="the server's group commit wait"
    )
    ap.add_argument(
        "--gateway-ms",
        type=float,
        default=0.0,
        help="publish as a store gateway: one message per this many ms of records (walkout/STORE/batch/GW)",
    )
    ap.add_argument(
        "--payload",
        choices=["json", "binary"],
        default="json",
        help="gateway batches as JSON arrays or binary (walkout.eventlog.binary)",
    )
    a = ap.parse_args()
    store = a.store or str(a.log.parent / "store.yaml")
    work = Path(tempfile.mkdtemp(prefix="walkout-bench-mqtt-"))
    broker = Mosquitto()
    srv = serve(
        work / "data",
        store,
        env=broker.server_env(),
    )
    try:
        srv.start()
        sid = srv.store_id()
        time.sleep(1.0)  # the server's MQTT subscription is in place
        pub = MqttPublisher("127.0.0.1", broker.port, "walkout", sid, client_id="bench-publisher")
        assert srv.proc is not None
        cpu0 = (cpu_s(srv.proc.pid), cpu_s(broker.proc.pid), time.process_time())
        span = a.minutes * 60
        n = messages = 0
        pending: list = []  # type: ignore[type-arg]
        behind_max = 0.0
        encode = encode_records if a.payload == "binary" else encode_batch
        t_wall0 = time.monotonic()
        t_log0: float | None = None
        samples = []
        next_sample = 0.0
        for rec in read_log(a.log):
            if isinstance(rec, Header):
                continue
            t_log0 = rec.t if t_log0 is None else t_log0
            if rec.t - t_log0 > span:
                break
            due = (rec.t - t_log0) / a.speed
            now = time.monotonic() - t_wall0
            if due > now:
                time.sleep(due - now)
            else:
                behind_max = max(behind_max, now - due)
            if a.gateway_ms > 0:
                pending.append(rec)
                if rec.t - pending[0].t >= a.gateway_ms / 1000:
                    pub.publish_batch("gw-1", encode(pending))
                    messages += 1
                    pending = []
            else:
                pub.publish(rec, encode_one(rec))
                messages += 1
            n += 1
            if now >= next_sample:
                s = srv.status(sid)
                samples.append(
                    (round(now, 1), n, pub.acked, s["log_end"] - 1, s["engine_offset"] - 1)
                )
                next_sample = now + 5.0
        if pending:
            pub.publish_batch("gw-1", encode(pending))
            messages += 1
        t_pub = time.monotonic() - t_wall0
        assert pub.wait(messages, 600), f"broker acknowledged {pub.acked} of {messages}"
        t_acked = time.monotonic() - t_wall0
        s = srv.wait_caught_up(sid, n + 1, timeout=1800)
        t_done = time.monotonic() - t_wall0
        cpu1 = (cpu_s(srv.proc.pid), cpu_s(broker.proc.pid), time.process_time())
        pub.close()
        logged, processed = s["log_end"] - 1, s["engine_offset"] - 1
        metrics = srv.http.get("/metrics").text
        res = {
            "log": str(a.log),
            "speed_asked": a.speed,
            "log_seconds": round(span, 1),
            "published": n,
            "messages": messages,
            "gateway_ms": a.gateway_ms,
            "payload": a.payload,
            "broker_acked_messages": pub.acked,
            "logged": logged,
            "processed": processed,
            "lost": n - logged,
            "wall_publish_s": round(t_pub, 1),
            "wall_all_acked_s": round(t_acked, 1),
            "wall_all_processed_s": round(t_done, 1),
            "speed_end_to_end": round(span / t_done, 2),
            "publisher_max_behind_schedule_s": round(behind_max, 2),
            "cpu_s_server_broker_publisher": [
                round(b - a, 1) for a, b in zip(cpu0, cpu1, strict=True)
            ],
            "speed_if_server_had_a_core": round(span / max(cpu1[0] - cpu0[0], 1e-9), 1),
            "samples_t_published_acked_logged_processed": samples,
            "rejected": sum(
                float(x.rsplit(" ", 1)[1])
                for x in metrics.splitlines()
                if x.startswith("walkout_records_rejected_total{")
            ),
        }
        print(json.dumps(res, indent=1))
        ok = res["lost"] == 0 and logged == processed == n and res["speed_end_to_end"] >= 10
        how = f"batches of {a.gateway_ms:g} ms" if a.gateway_ms > 0 else "a message per record"
        print(
            f"| MQTT ({how}), {span / 60:g} min of log at {a.speed:g}x | {n:,} ({messages:,} messages) | {pub.acked:,} | {logged:,} | "
            f"{processed:,} | {res['lost']} | {t_done:.1f} s | **{res['speed_end_to_end']}x** | {'PASS' if ok else 'FAIL'} |"
        )
        if a.json:
            a.json.write_text(json.dumps(res, indent=1))
    finally:
        srv.stop()
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
