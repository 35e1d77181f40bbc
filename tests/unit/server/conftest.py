"""A server on embedded defaults in a temp dir (SQLite, file log, no broker),
with a token for every role, and a clock tests can move."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from walkout.eventlog.records import AnyRecord
from walkout.server.api.app import create_app
from walkout.server.auth.principal import Role
from walkout.server.auth.tokens import issue
from walkout.server.bootstrap import Server
from walkout.server.db.payments import ChargeRow
from walkout.server.db.system import AccountRow
from walkout.server.db.visits import CredentialRow
from walkout.server.feeder import batches, encode_batch
from walkout.server.payments.charges import charge_key
from walkout.server.settings import Settings

STORE = "corner-shop"


class Clock:
    def __init__(self, t: float = 1_772_481_600.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@dataclass
class Live:
    server: Server
    client: TestClient
    clock: Clock
    store: str
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def make_settings(tmp: Path, **kw: object) -> Settings:
    base: dict[str, object] = {
        "data_dir": tmp / "data",
        "stores": [STORE],
        "fsync": False,
        "group_commit_ms": 0.0,
        "checkpoint_every_s": 0.2,
        "admin_token": "wo_test_admin",
    }
    base.update(kw)
    return Settings(**base)  # type: ignore[arg-type]


def add_tokens(server: Server, store: str) -> dict[str, str]:
    """One token per role for ``store``, a second shopper, and tokens of another store."""
    out = {"operator": "wo_test_admin"}
    with server.session_factory() as db:
        for acc in ("a_alice", "a_bob"):
            if db.get(AccountRow, acc) is None:
                db.add(AccountRow(id=acc))
        db.flush()
        for tok, acc in (("qr-alice", "a_alice"), ("qr-bob", "a_bob")):
            if db.get(CredentialRow, tok) is None:
                db.add(CredentialRow(token=tok, account_id=acc))
        for role in Role:
            acc = "a_alice" if role is Role.SHOPPER else None
            out[role.value], _ = issue(db, role, store, account=acc, name=role.value)
            out[f"other-{role.value}"], _ = issue(db, role, "some-other-store", account=acc)
        out["bob"], _ = issue(db, Role.SHOPPER, store, account="a_bob")
        db.commit()
    return out


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    clock = Clock()
    server = Server(make_settings(tmp_path), clock=clock)
    with TestClient(create_app(server)) as client:
        sid = next(iter(server.stores))
        wait_ready(server)
        yield Live(server, client, clock, sid, add_tokens(server, sid))


def wait_ready(server: Server, timeout: float = 20.0) -> None:
    t0 = time.monotonic()
    while not server.ready()[0]:
        assert time.monotonic() - t0 < timeout, server.ready()[1]
        time.sleep(0.02)


def caught_up(server: Server, store: str) -> None:
    """Until the store's engine worker has applied every record of its log."""
    w = server.workers[store]
    t0 = time.monotonic()
    while w.offset < server.logs[store].end():
        assert time.monotonic() - t0 < 60 and w.error is None, w.error
        time.sleep(0.02)


def feed(
    client: TestClient, server: Server, store: str, auth: dict[str, str], recs: list[AnyRecord]
) -> None:
    """Records posted as a device, in batches of 500, then applied by the engine."""
    for b in batches(recs, 500):
        r = client.post(f"/api/stores/{store}/records", content=encode_batch(b), headers=auth)
        assert r.status_code == 202, r.text
    caught_up(server, store)


def pay_until(server: Server, check: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Run the payments worker until ``check`` holds: the server's own worker thread
    may be taking the same step at that moment (it holds the lease, and our
    ``run_once`` skips the job), a race a loaded machine loses."""
    deadline = time.monotonic() + timeout_s
    while True:
        server.payments.worker.run_once()
        if check():
            return
        assert time.monotonic() < deadline, "the payments worker never got there"
        time.sleep(0.05)


def charge_settled(server: Server, store: str, session: str) -> Callable[[], bool]:
    """A check for ``pay_until``: the receipt's charge has an outcome (paid or declined)."""

    def settled() -> bool:
        with server.payments.ctx.uow() as uow:
            row = uow.db.get(ChargeRow, charge_key(store, session))
            return row is not None and row.status in ("succeeded", "declined")

    return settled
