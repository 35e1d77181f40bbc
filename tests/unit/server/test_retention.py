"""Raw sensor data (log segments, dead letters) is purged after the retention
period, by the injected clock, and never ahead of the engine's checkpoint."""

from __future__ import annotations

import time

import orjson

from tests.fixtures.server_twin import twin_stream
from tests.unit.server.conftest import Live
from walkout.server.db.system import DeadLetterRow
from walkout.server.feeder import encode_batch
from walkout.server.ingest.filelog import FileLog


def test_retention_purges_old_raw_data_only(live: Live) -> None:
    _, recs = twin_stream()
    url = f"/api/stores/{live.store}/records"
    live.client.post(url, content=encode_batch(recs[:500]), headers=live.auth("device"))
    live.client.post(url, content=orjson.dumps([{"kind": "pass"}]), headers=live.auth("device"))
    dlog = live.server.logs[live.store]
    assert isinstance(dlog, FileLog)
    w = live.server.workers[live.store]
    t0 = time.monotonic()
    while w.offset < dlog.end():
        assert time.monotonic() - t0 < 20
        time.sleep(0.02)
    time.sleep(0.5)  # a checkpoint past it
    dlog.seal_now()
    assert live.server.retention.purge_now() == {"log_records": 0, "dead_letters": 0}  # all young
    live.clock.t += 6 * 86400
    assert live.server.retention.purge_now() == {
        "log_records": 0,
        "dead_letters": 0,
    }  # 6 days: kept
    live.clock.t += 2 * 86400
    got = live.server.retention.purge_now()
    assert got == {"log_records": 501, "dead_letters": 1}
    with live.server.session_factory() as db:
        assert db.query(DeadLetterRow).count() == 0
    assert dlog.segments[0].first == 501  # only the open segment is left
    assert "walkout_purged_total" in live.client.get("/metrics").text
