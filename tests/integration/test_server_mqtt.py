"""MQTT ingestion against the real Mosquitto: every published record is logged
and processed once, bad messages are dead letters, receipts equal an in-process run."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import orjson
import pytest

from tests.fixtures.server_twin import reference, twin_stream
from tests.integration.services import need
from tests.unit.server.conftest import make_settings, wait_ready
from walkout.eventlog.binary import encode_records
from walkout.fusion.outputs import Receipt
from walkout.server.bootstrap import Server
from walkout.server.db.system import DeadLetterRow
from walkout.server.db.visits import ReceiptRow
from walkout.server.feeder import encode_one
from walkout.server.ingest.mqtt import MqttPublisher

pytestmark = pytest.mark.slow  # still runs in CI


def test_mqtt_stream_is_logged_processed_and_receipted(tmp_path: Path) -> None:
    need(1883, "Mosquitto")
    prefix = f"wotest{secrets.token_hex(4)}"
    srv = Server(make_settings(tmp_path, mqtt=True, mqtt_prefix=prefix, mqtt_session_s=60))
    srv.start()
    try:
        from walkout.server.ingest.mqtt import MqttIngest

        assert isinstance(srv.mqtt, MqttIngest) and srv.mqtt.connected.wait(5)
        wait_ready(srv)
        sid = next(iter(srv.stores))
        st, recs = twin_stream()
        pub = MqttPublisher("127.0.0.1", 1883, prefix, sid, client_id=f"{prefix}-pub")
        dlog = srv.logs[sid]
        tail = recs[-400:]
        recs = recs[:-400]
        for i, r in enumerate(recs):
            # the machine's Mosquitto keeps its default queue of 1,000 unacknowledged
            # messages per client (deploy/mosquitto.conf lifts it): stay well inside it
            while i - (dlog.end() - 1) > 500:
                time.sleep(0.002)
            pub.publish(r, encode_one(r))
        pub.publish_raw(f"{prefix}/{sid}/plates/G01", b'{"kind": "plates"')
        pub.publish_raw(
            f"{prefix}/{sid}/pass/gate-9",
            orjson.dumps({"kind": "pass", "device": "gate-1", "t": 1.0, "direction": "in"}),
        )
        # a store gateway's batches: 4 messages of 100 records, one record in them bad,
        # two of them binary (walkout.eventlog.binary), and one binary batch corrupt
        bad = {"kind": "pass", "device": "gate-1", "t": 5.0, "direction": "up"}
        for k in range(4):
            part = tail[k * 100 : (k + 1) * 100]
            if k % 2:
                pub.publish_batch("gw-1", encode_records(part))
                continue
            chunk = [orjson.loads(encode_one(r)) for r in part]
            pub.publish_batch("gw-1", orjson.dumps(chunk + ([bad] if k == 2 else [])))
        pub.publish_batch("gw-1", encode_records(tail[:5])[:-7])
        recs = recs + tail
        assert pub.wait(len(recs) - 400 + 2 + 5, 60)
        pub.close()
        w = srv.workers[sid]
        t0 = time.monotonic()
        while dlog.end() < len(recs) + 1 or w.offset < dlog.end():
            assert time.monotonic() - t0 < 60, (dlog.end(), w.offset, len(recs))
            time.sleep(0.05)
        assert dlog.end() == len(recs) + 1  # header + every record, once
        w.request_close(dlog.end())
        while not w.closed:
            assert time.monotonic() - t0 < 60
            time.sleep(0.05)
        with srv.session_factory() as db:
            dead = db.query(DeadLetterRow).all()
            got = sorted((r.session, r.total, r.status) for r in db.query(ReceiptRow).all())
        assert len(dead) == 4
        assert any("binary batch" in d.reason and "truncated" in d.reason for d in dead)
        assert any("direction" in d.reason and d.where.endswith("[100]") for d in dead)
        assert any("not JSON" in d.reason for d in dead)
        assert any("device 'gate-9'" in d.reason for d in dead)
        want = sorted(
            (o.session, o.total, o.status) for o in reference(st, recs) if isinstance(o, Receipt)
        )
        assert got == want and len(want) >= 3
    finally:
        srv.stop()
