"""The payments part on its own: a SQLite database migrated to head, the
corner shop's catalogue, the in-memory provider (ignoring idempotency keys,
like localstripe), an in-memory log for the gate's entry records, a clock the
test moves. ``restart()`` is a new process on the same database and provider."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.unit.server.conftest import Clock
from walkout.domain.store import Store
from walkout.eventlog.records import AnyRecord
from walkout.server.accounts import shoppers
from walkout.server.db.database import make_engine, migrate, session_factory
from walkout.server.db.payments import ChargeRow, WebhookEndpointRow
from walkout.server.db.visits import CredentialRow, ReceiptLineRow, ReceiptRow
from walkout.server.ingest.port import Appended
from walkout.server.ingest.service import Ingestor
from walkout.server.metrics import Metrics
from walkout.server.payments import charges
from walkout.server.payments.context import PaymentsContext, detached
from walkout.server.payments.fake import FakeProvider
from walkout.server.payments.port import PaymentProvider
from walkout.server.payments.worker import PaymentsWorker
from walkout.server.service import catalogue
from walkout.server.service.bus import MessageBus
from walkout.server.service.events import ReceiptFinalized
from walkout.server.settings import Settings
from walkout.stores import resolve_store

REF = "corner-shop"  # its id is the generated store's own
BEER = "ALC00001"  # 3.19, alcohol: 7.25 % sales tax
CHIPS = "SNK00001"  # snacks: no tax


class MemLog:
    """A durable log in memory (the gate's entry records land here)."""

    def __init__(self, store: str):
        self.store = store
        self.records: list[AnyRecord] = []

    def append(self, records: list[AnyRecord]) -> Future[Appended]:
        f: Future[Appended] = Future()
        first = len(self.records)
        self.records.extend(records)
        f.set_result(Appended(first, len(records), 0))
        return f

    def read(self, start: int, max_n: int, timeout: float) -> list[tuple[int, AnyRecord]]:
        return list(enumerate(self.records))[start : start + max_n]

    def end(self) -> int:
        return len(self.records)

    def processed(self, offset: int) -> None: ...

    def purge(self, now: float, retention_s: float, keep_from: int) -> int:
        return 0

    def close(self) -> None: ...


@cache
def _store() -> Store:
    return resolve_store(REF)


@cache
def _template() -> Path:
    """A database migrated to head with the store loaded, made once per process."""
    path = Path(tempfile.mkdtemp(prefix="walkout-pay-")) / "template.db"
    eng = make_engine(f"sqlite:///{path}")
    migrate(eng)
    with MessageBus(session_factory(eng)).uow() as uow:
        catalogue.load_store(uow, _store())
    with eng.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()
    return path


@dataclass
class Bench:
    tmp: Path
    provider: FakeProvider
    clock: Clock
    settings: Settings
    db_url: str | None = None
    ctx: PaymentsContext = field(init=False)
    log: MemLog = field(init=False)
    ingestor: Ingestor = field(init=False)
    store: str = field(init=False)

    def __post_init__(self) -> None:
        if self.db_url is None:
            shutil.copy(_template(), self.tmp / "pay.db")
            self.db_url = f"sqlite:///{self.tmp / 'pay.db'}"
            self.db = make_engine(self.db_url)
        else:  # another database (PostgreSQL in the integration tests): built here
            self.db = make_engine(self.db_url)
            migrate(self.db)
            with MessageBus(session_factory(self.db)).uow() as uow:
                catalogue.load_store(uow, _store())
        self.sf = session_factory(self.db)
        self.bus = MessageBus(self.sf)
        st = _store()
        self.store = st.id
        self.stores = {st.id: st}
        self.log = MemLog(st.id)
        self.ingestor = Ingestor({st.id: self.log}, self.sf, Metrics(), self.clock)
        self.ctx = self._ctx(self.provider)

    def _ctx(self, provider: PaymentProvider) -> PaymentsContext:
        return PaymentsContext(
            settings=self.settings,
            provider=provider,
            bus=self.bus,
            stores=self.stores,
            clock=self.clock,
            secret_bytes=b"test-secret",
        )

    def restart(self, provider: PaymentProvider | None = None) -> PaymentsContext:
        """A new process: another worker id; the dead one's leases run out."""
        self.clock.t += self.settings.payments_lease_s + 1
        self.ctx = self._ctx(provider or self.provider)
        return self.ctx

    def run(self, ctx: PaymentsContext | None = None) -> int:
        return PaymentsWorker(ctx or self.ctx).run_once()

    def shopper(self, card: str | None = "pm_card_visa", email: str | None = None) -> str:
        acc, _ = shoppers.sign_up(self.ctx, self.store, email)
        if card:
            shoppers.add_card(self.ctx, acc.id, email, card)
        return acc.id

    def receipt(
        self,
        account: str | None,
        lines: list[tuple[str, int]],
        session: str | None = None,
        t_exit: float | None = None,
    ) -> str:
        """A final receipt of this account's visit, handed to the payments part. Returns the charge key."""
        session = session or f"S{self._prefix}{len(self._sessions) + 1:03d}"
        self._sessions.append(session)
        final_receipt(
            self.ctx,
            self.store,
            account,
            session,
            lines,
            self.clock.t if t_exit is None else t_exit,
        )
        return charges.charge_key(self.store, session)

    def charge(self, key: str) -> ChargeRow:
        return self.row(ChargeRow, key)

    def row(self, model: Any, *key: Any) -> Any:
        with self.bus.uow() as uow:
            r = uow.get(model, *key)
            detached(uow, r)
            return r

    def endpoint(
        self, url: str, events: list[str] | None = None, secret: str = "whsec_test"
    ) -> str:
        with self.bus.uow() as uow:
            uow.db.add(
                WebhookEndpointRow(
                    id="we_1", store_id=self.store, url=url, secret=secret, events=events or ["*"]
                )
            )
            uow.commit()
        return "we_1"

    _sessions: list[str] = field(default_factory=list)
    _prefix: str = field(
        default_factory=lambda: secrets.token_hex(3)
    )  # unique at a shared provider


def final_receipt(
    ctx: PaymentsContext,
    store: str,
    account: str | None,
    session: str,
    lines: list[tuple[str, int]],
    t_exit: float,
) -> None:
    """A final receipt as the engine's outputs record it (priced from the store
    file), and its ReceiptFinalized given to the payments part's subscriber."""
    st = ctx.stores[store]
    price = {p.sku: p.price for p in st.catalogue}
    token = f"qr-{session}"
    total = sum(price[s] * q for s, q in lines)
    with ctx.uow() as uow:
        if account:
            uow.db.add(CredentialRow(token=token, account_id=account))
        uow.db.add(
            ReceiptRow(
                store_id=store,
                session=session,
                token=token,
                status="final",
                t_exit=t_exit,
                t_final=t_exit,
                total=total,
                currency=st.currency,
                engine={},
            )
        )
        for i, (s, q) in enumerate(lines):
            uow.db.add(
                ReceiptLineRow(
                    store_id=store,
                    session=session,
                    n=i,
                    sku=s,
                    qty=q,
                    unit_price=price[s],
                    p=1.0,
                    review=False,
                    events=[],
                )
            )
        uow.commit()
    charges.on_receipt_finalized(
        ctx,
        ReceiptFinalized(
            store=store,
            session=session,
            token=token,
            account=account,
            total=total,
            currency=st.currency,
            lines=[{"sku": s, "qty": q, "unit_price": price[s]} for s, q in lines],
            by="engine",
        ),
    )


def settings(tmp: Path, **kw: Any) -> Settings:
    base: dict[str, Any] = {"data_dir": tmp / "data", "stores": [REF], "webhook_backoff_s": 1.0}
    base.update(kw)
    return Settings(**base)


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    b = Bench(tmp_path, FakeProvider(), Clock(), settings(tmp_path))
    yield b
    b.db.dispose()


def captured(provider: FakeProvider) -> list[tuple[str, int]]:
    """Every intent that took money: (intent, amount captured)."""
    return [
        (r.intent.id, r.intent.captured) for r in provider.intents.values() if r.intent.captured > 0
    ]


class Crash(BaseException):
    """The process died here (a BaseException, so no ``except Exception`` survives it)."""


class Crashing:
    """The provider, but the process dies just before or just after one call."""

    def __init__(self, inner: PaymentProvider, method: str, when: str):
        self.inner, self.method, self.when, self.armed = inner, method, when, True

    def __getattr__(self, name: str) -> Any:
        fn = getattr(self.inner, name)
        if name != self.method:
            return fn

        def wrapped(*a: Any, **kw: Any) -> Any:
            if self.armed and self.when == "before":
                self.armed = False
                raise Crash(f"before {name}")
            out = fn(*a, **kw)
            if self.armed and self.when == "after":
                self.armed = False
                raise Crash(f"after {name}")
            return out

        return wrapped
