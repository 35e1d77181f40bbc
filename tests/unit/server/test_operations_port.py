"""The operations port: a watcher (a fake of issue 5's) sees every record the
engine applies, with its outputs, and what it raises lands in the staff queues
once, even across a restart that replays the log."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from tests.fixtures.server_twin import twin_stream
from tests.unit.server.conftest import Clock, add_tokens, make_settings, wait_ready
from walkout.domain.store import Store
from walkout.eventlog.records import AnyRecord, GateEntry
from walkout.fusion.outputs import AnyOutput, ShelfEvent
from walkout.server.api.app import create_app
from walkout.server.bootstrap import Server
from walkout.server.feeder import batches, encode_batch
from walkout.server.worker.operations import AlertIn, OperationsItem, StaffTaskIn


class FakeOperations:
    """An alert per credential shown at a gate; a restock task per take."""

    def __init__(self, store: Store):
        self.entries = 0

    def apply(self, record: AnyRecord, outputs: list[AnyOutput]) -> list[OperationsItem]:
        out: list[OperationsItem] = []
        if isinstance(record, GateEntry):
            self.entries += 1
            out.append(
                AlertIn(
                    id=f"A{self.entries}",
                    kind="entry",
                    message="someone came in",
                    t=record.t,
                    severity="info",
                )
            )
        for o in outputs:
            if isinstance(o, ShelfEvent) and o.op == "take":
                out.append(
                    StaffTaskIn(
                        id=f"restock-{o.id}",
                        kind="restock",
                        title=f"check {o.fixture}.{o.shelf}",
                        t=o.t_decided,
                    )
                )
        return out

    def checkpoint(self) -> bytes:
        return str(self.entries).encode()

    def restore(self, blob: bytes) -> None:
        self.entries = int(blob)


def _run(tmp: Path, recs: list[AnyRecord]) -> dict[str, list[dict]]:
    server = Server(make_settings(tmp), clock=Clock(), watchers=lambda st: [FakeOperations(st)])
    with TestClient(create_app(server)) as client:
        sid = next(iter(server.stores))
        wait_ready(server)
        tok = add_tokens(server, sid)
        h = {"Authorization": f"Bearer {tok['device']}"}
        for b in batches(recs, 500):
            assert (
                client.post(
                    f"/api/stores/{sid}/records", content=encode_batch(b), headers=h
                ).status_code
                == 202
            )
        w = server.workers[sid]
        t0 = time.monotonic()
        while w.offset < server.logs[sid].end():
            assert time.monotonic() - t0 < 30
            time.sleep(0.02)
        staff = {"Authorization": f"Bearer {tok['staff']}"}
        return {
            q: client.get(f"/api/stores/{sid}/staff/{q}?limit=1000", headers=staff).json()
            for q in ("tasks", "alerts")
        }


def test_operations_items_reach_the_staff_queues_once(tmp_path: Path) -> None:
    _, recs = twin_stream()
    first = _run(tmp_path, recs[: len(recs) // 2])
    entries = sum(isinstance(r, GateEntry) for r in recs[: len(recs) // 2])
    assert len(first["alerts"]) == entries >= 1
    assert first["tasks"] and all(t["kind"] == "restock" for t in first["tasks"])
    # a restart on the same data dir: the watcher's state comes back with the engine's,
    # and the second half raises new items with fresh ids, none twice
    second = _run(tmp_path, recs)
    assert len(second["alerts"]) == sum(isinstance(r, GateEntry) for r in recs)
    assert len({a["id"] for a in second["alerts"]}) == len(second["alerts"])
    assert len(second["tasks"]) >= len(first["tasks"])
