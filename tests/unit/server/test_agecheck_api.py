"""Age checks end to end in the server: the twin's three minutes in the corner
shop (two shoppers take alcohol: ``idcheck-1`` for S000004, whose receipt is
final, and ``idcheck-2`` for S000006, in review) run through the real store
operations; staff answer through the API; the answer is a record in the
durable log, so a restart that replays the log from scratch gets it again."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fixtures.server_twin import twin_stream
from tests.unit.server.conftest import (
    Clock,
    add_tokens,
    caught_up,
    feed,
    make_settings,
    wait_ready,
)
from walkout.eventlog.records import AnyRecord
from walkout.server.api.app import create_app
from walkout.server.bootstrap import Server
from walkout.server.worker.ops_adapter import operations_watchers

BEER_TASK, BEER_SESSION = "idcheck-1", "S000004"


@dataclass
class OpsLive:
    server: Server
    client: TestClient
    store: str
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def feed(self, recs: list[AnyRecord]) -> None:
        feed(self.client, self.server, self.store, self.auth("device"), recs)

    def caught_up(self) -> None:
        caught_up(self.server, self.store)

    def wait_item(self, queue: str, item: str) -> dict[str, Any]:
        """The item once the worker has committed it (its offset moves before the commit)."""
        t0 = time.monotonic()
        while (got := self.items(queue).get(item)) is None:
            assert time.monotonic() - t0 < 30, f"no {item} in {queue}"
            time.sleep(0.05)
        return got

    def items(self, queue: str) -> dict[str, dict[str, Any]]:
        r = self.client.get(
            f"/api/stores/{self.store}/staff/{queue}?limit=1000", headers=self.auth("staff")
        )
        return {x["id"]: x for x in r.json()}

    def verify(self, task: str, ok: Any, who: str = "staff") -> Any:
        return self.client.post(
            f"/api/stores/{self.store}/staff/tasks/{task}/verify-id",
            json={"verified": ok},
            headers=self.auth(who),
        )

    def ops(self) -> Any:
        return self.server.workers[self.store].watchers[0].ops  # type: ignore[attr-defined]


@pytest.fixture
def ops_server(tmp_path: Path) -> Iterator[Callable[..., OpsLive]]:
    """``start()`` a server running store operations on ``tmp_path`` (again: a restart;
    ``fresh``: its engine checkpoint deleted first, so the whole log is replayed)."""
    opened: list[Any] = []

    def start(fresh: bool = False) -> OpsLive:
        for cm in opened:  # a restart: the previous one stops first
            cm.__exit__(None, None, None)
        opened.clear()
        if fresh:
            for p in (tmp_path / "data" / "checkpoints").glob("*.ckpt"):
                p.unlink()
        server = Server(make_settings(tmp_path), clock=Clock(), watchers=operations_watchers)
        cm = TestClient(create_app(server))
        client = cm.__enter__()
        opened.append(cm)
        wait_ready(server)
        sid = next(iter(server.stores))
        return OpsLive(server, client, sid, add_tokens(server, sid))

    yield start
    for cm in opened:
        cm.__exit__(None, None, None)


@pytest.fixture
def fed(ops_server: Callable[..., OpsLive]) -> Iterator[OpsLive]:
    live = ops_server()
    _, recs = twin_stream()
    live.feed(recs)
    live.wait_item("tasks", BEER_TASK)
    yield live


def test_staff_verify_an_id_and_operations_apply_it(fed: OpsLive) -> None:
    for who in ("shopper", "reviewer", "admin", "device", "other-staff"):
        assert fed.verify(BEER_TASK, True, who).status_code == 403, who
    assert fed.verify(BEER_TASK, "maybe").status_code == 422
    assert fed.verify("idcheck-99", True).status_code == 404
    restock = next(k for k, t in fed.items("tasks").items() if t["kind"] != "id_check")
    r = fed.verify(restock, True)
    assert r.status_code == 422 and "not an id_check" in r.json()["detail"]
    r = fed.verify(BEER_TASK, True)
    assert r.status_code == 202, r.text
    assert r.json()["session"] == BEER_SESSION and r.json()["log_offset"] >= 0
    done = fed.wait_item("alerts", f"{BEER_TASK}-done")
    assert done["data"]["verified"] is True and done["data"]["session"] == BEER_SESSION
    assert fed.items("tasks")[BEER_TASK]["status"] == "closed"  # the answer closed the task
    assert done["status"] == "closed"  # a record, not work
    assert fed.ops().ages.checks[BEER_SESSION].verified is True
    assert fed.verify(BEER_TASK, False).status_code == 409  # answered once


def test_a_device_cannot_send_a_verification(fed: OpsLive) -> None:
    rec = {
        "kind": "id_verification",
        "device": "shelf-1",
        "t": 1.0,
        "session": BEER_SESSION,
        "verified": True,
        "by": "me",
    }
    r = fed.client.post(f"/api/stores/{fed.store}/records", json=[rec], headers=fed.auth("device"))
    assert r.status_code in (400, 422) or r.json().get("refused"), r.text
    fed.caught_up()
    assert fed.ops().ages.checks[BEER_SESSION].verified is None


def test_a_verification_is_replayed_after_a_restart_from_scratch(
    ops_server: Callable[..., OpsLive],
) -> None:
    live = ops_server()
    live.feed(twin_stream()[1])
    live.wait_item("tasks", BEER_TASK)
    assert live.verify(BEER_TASK, False).status_code == 202
    live.wait_item("alerts", f"{BEER_TASK}-done")
    before = live.items("alerts")
    live = ops_server(fresh=True)  # no checkpoint: the whole log again, the answer with it
    live.caught_up()
    time.sleep(0.3)  # the last batch's commit
    assert live.ops().ages.checks[BEER_SESSION].verified is False
    after = live.items("alerts")
    assert after.keys() == before.keys()  # the same items, none twice
    assert after[f"{BEER_TASK}-done"]["data"]["verified"] is False


def test_block_exit_from_the_settings_holds_the_exit_gate_until_verified(fed: OpsLive) -> None:
    r = fed.client.put(
        f"/api/stores/{fed.store}/settings",
        json={"age_check": "block_exit"},
        headers=fed.auth("admin"),
    )
    assert r.status_code == 200 and r.json()["age_check"] == "block_exit"
    fed.caught_up()
    assert fed.ops().cfg.age_policy == "block_exit"  # the age_policy record reached operations
    exit_gate = fed.server.stores[fed.store].gates_of_kind("exit")[0].id
    url = f"/api/stores/{fed.store}/gate/decisions"

    def ask(session: str, **kw: Any) -> Any:
        body = {"gate": exit_gate, "kind": "exit", "session": session, **kw}
        return fed.client.post(url, json=body, headers=fed.auth("device"))

    r = ask(BEER_SESSION)
    assert r.status_code == 200 and r.json()["decision"] == "refuse"
    assert BEER_TASK in r.json()["reason"]
    assert ask("S000001").json()["decision"] == "admit"  # bought nothing restricted
    assert ask(BEER_SESSION, code="x").status_code == 422
    r = fed.client.post(
        url, json={"gate": "entry-1", "kind": "exit", "session": "S1"}, headers=fed.auth("device")
    )
    assert r.status_code == 422
    assert fed.verify(BEER_TASK, True).status_code == 202
    fed.wait_item("alerts", f"{BEER_TASK}-done")
    assert ask(BEER_SESSION).json()["decision"] == "admit"
