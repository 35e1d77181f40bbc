"""NATS JetStream as the durable log of a fleet: two servers share a store;
one holds its lease and runs the engine; when it dies the other takes the
store over from the last checkpoint; receipts equal an uninterrupted run and
nothing is logged twice."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from pathlib import Path

import nats
import pytest

from tests.fixtures.server_twin import reference, twin_stream
from tests.integration.services import need
from tests.unit.server.conftest import make_settings
from walkout.fusion.outputs import Receipt
from walkout.server.bootstrap import Server
from walkout.server.db.visits import ReceiptRow
from walkout.server.ingest.natslog import token

pytestmark = pytest.mark.slow  # still runs in CI


async def _cleanup(prefix: str) -> None:
    nc = await nats.connect("nats://127.0.0.1:4222")
    js = nc.jetstream()
    for s in await js.streams_info():
        if (
            s.config.name.lower().startswith(prefix.lower())
            or s.config.name.startswith(f"KV_{prefix}")
            or s.config.name.startswith(f"OBJ_{prefix}")
        ):
            await js.delete_stream(s.config.name)
    await nc.close()


def _wait(cond, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    t0 = time.monotonic()
    while not cond():
        assert time.monotonic() - t0 < timeout, what
        time.sleep(0.05)


@pytest.fixture
def prefix() -> str:
    need(4222, "NATS JetStream")
    p = f"wotest{secrets.token_hex(4)}"
    yield p
    asyncio.run(_cleanup(p))


def test_two_workers_share_a_store_by_lease_and_take_over(tmp_path: Path, prefix: str) -> None:
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    common = dict(
        log="nats", nats_prefix=prefix, lease_ttl_s=4.0, database_url=db, checkpoint_every_s=0.2
    )
    a = Server(make_settings(tmp_path / "a", worker_id="worker-a", **common))
    b = Server(make_settings(tmp_path / "b", worker_id="worker-b", **common))
    a.start()
    b.start()
    stopped: list[Server] = []
    try:
        sid = next(iter(a.stores))
        _wait(
            lambda: (sid in a.workers) != (sid in b.workers),
            10,
            "exactly one worker holds the lease",
        )
        owner, other = (a, b) if sid in a.workers else (b, a)
        assert owner.nats.leases[sid].holder() == owner.worker_id()  # type: ignore[union-attr]
        st, recs = twin_stream()
        half = len(recs) // 2
        # devices may reach either server: both append to the same stream
        assert (
            other.ingestor.submit(sid, [_obj(r) for r in recs[:half]], "test", "t")
            .appended.result(60)
            .written
            == half
        )
        # a resend through the other server is a duplicate for JetStream
        again = owner.ingestor.submit(
            sid, [_obj(r) for r in recs[:100]], "test", "t"
        ).appended.result(60)
        assert again.written == 0 and again.duplicates == 100
        _wait(lambda: owner.workers[sid].offset >= half, 60, "the owner applies the first half")
        time.sleep(0.5)  # a checkpoint or two
        # the owner dies without a word: its lease lapses, the other takes over
        w = owner.workers[sid]
        w._stop.set()
        owner.nats._stop.set()  # type: ignore[union-attr]
        _wait(lambda: sid in other.workers, 30, "the other worker takes the store over")
        assert other.nats.leases[sid].holder() == other.worker_id()  # type: ignore[union-attr]
        assert other.workers[sid].offset <= half  # restored from a checkpoint, replaying the rest
        assert (
            other.ingestor.submit(sid, [_obj(r) for r in recs[half:]], "test", "t")
            .appended.result(60)
            .written
            == len(recs) - half
        )
        dlog = other.logs[sid]
        _wait(
            lambda: (
                sid in other.workers
                and other.workers[sid].offset >= len(recs)
                and dlog.end() == len(recs)
            ),
            60,
            "all applied",
        )
        other.workers[sid].request_close(len(recs))
        _wait(lambda: sid in other.workers and other.workers[sid].closed, 60, "closed")
        with other.session_factory() as s:
            got = sorted((r.session, r.status, r.total) for r in s.query(ReceiptRow).all())
        want = sorted(
            (o.session, o.status, o.total) for o in reference(st, recs) if isinstance(o, Receipt)
        )
        assert got == want and len(want) >= 3
        stopped.append(owner)
    finally:
        for s in (a, b):
            with contextlib.suppress(Exception):  # the killed one has half-stopped threads
                s.stop()
    assert token("a.b c") == "a_b_c"


def _obj(r):  # type: ignore[no-untyped-def]
    from walkout.eventlog.codec import to_obj

    o = to_obj(r)
    if "grams" in o:
        o["grams"] = o["grams"].tolist()
    if r.kind == "keypoints":
        o["people"] = o["people"].tolist()
    return o
