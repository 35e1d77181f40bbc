"""One place that wires the server: settings in, adapters built (database,
durable logs, checkpoints, MQTT, NATS), handlers and workers connected.
Tests build a ``Server`` with their own settings, clock and fakes."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from walkout.domain.store import Store
from walkout.fusion.config import EngineConfig
from walkout.server.auth.principal import Role
from walkout.server.auth.tokens import issue, token_hash
from walkout.server.db.database import make_engine, migrate, session_factory
from walkout.server.db.stores import StoreRow
from walkout.server.db.system import TokenRow
from walkout.server.ingest.filelog import FileLog
from walkout.server.ingest.port import DurableLog
from walkout.server.ingest.service import Ingestor
from walkout.server.limits import Window
from walkout.server.logs import configure, log
from walkout.server.metrics import Metrics
from walkout.server.payments.part import PaymentsPart
from walkout.server.payments.port import PaymentProvider
from walkout.server.retention import Retention
from walkout.server.service import catalogue, threshold
from walkout.server.service.bus import MessageBus
from walkout.server.service.review import open_count
from walkout.server.settings import Settings
from walkout.server.worker.checkpoints import CheckpointStore, FileCheckpoints
from walkout.server.worker.engine_worker import EngineWorker
from walkout.server.worker.operations import OperationsWatcher
from walkout.stores import resolve_store


@dataclass
class Server:
    settings: Settings
    clock: Callable[[], float] = time.time
    stores: dict[str, Store] = field(default_factory=dict)
    engine_config: EngineConfig = field(default_factory=EngineConfig)
    watchers: Callable[[Store], list[OperationsWatcher]] | None = None
    provider: PaymentProvider | None = None  # default from settings (Stripe, or the fake)

    def __post_init__(self) -> None:
        configure(self.settings.log_format, self.settings.log_level)
        self.metrics = Metrics()
        self.db_engine = make_engine(self.settings.db_url)
        self.session_factory: Callable[[], Session] = session_factory(self.db_engine)
        self.bus = MessageBus(self.session_factory)
        self.logs: dict[str, DurableLog] = {}
        self.workers: dict[str, EngineWorker] = {}
        self.checkpoints: CheckpointStore = FileCheckpoints(self.settings.data_dir / "checkpoints")
        self.ingestor = Ingestor(self.logs, self.session_factory, self.metrics, self.clock)
        self.retention = Retention(self)
        self.payments = PaymentsPart(self, self.provider)
        self.card_setups = Window(
            self.settings.card_setups_per_hour, 3600.0, self.clock, "card setups"
        )
        self.signups = Window(self.settings.signups_per_hour, 3600.0, self.clock, "sign-ups")
        self.mqtt: object | None = None
        self.nats: object | None = None
        self.first_admin_token: str | None = None
        self.started = threading.Event()

    # -- life ------------------------------------------------------------------------------

    def start(self) -> None:
        s = self.settings
        s.data_dir.mkdir(parents=True, exist_ok=True)
        migrate(self.db_engine)
        if not self.stores:
            for ref in s.stores:
                st = resolve_store(ref)
                self.stores.setdefault(st.id, st)
        self._admin_token()
        for st in list(self.stores.values()):
            self.start_store(st)
        if s.log == "nats":
            from walkout.server.ingest.natslog import NatsFleet

            fleet = NatsFleet(self)
            self.nats = fleet
            fleet.start()  # opens the logs and starts workers for the stores it leases
        self.bus.dispatch_pending()  # events a crash left undelivered
        self.payments.start()
        if s.mqtt:
            from walkout.server.ingest.mqtt import MqttIngest

            m = MqttIngest(
                self.ingestor,
                s.mqtt_host,
                s.mqtt_port,
                s.mqtt_prefix,
                self.clock,
                client_id=s.mqtt_client_id,
                session_s=s.mqtt_session_s,
            )
            m.start()
            self.mqtt = m
        self.retention.start()
        self.started.set()
        log.info(
            "server started",
            stores=sorted(self.stores),
            log=s.log,
            db=self.db_engine.url.get_backend_name(),
        )

    def start_store(self, st: Store) -> None:
        """Register a store (its catalogue into the database) and, with the file log,
        open its log and start its engine worker (NATS leases decide that instead)."""
        s = self.settings
        self.stores[st.id] = st
        with self.bus.uow() as uow:
            catalogue.load_store(uow, st)
        if s.log == "file":
            self.logs[st.id] = FileLog(
                s.data_dir / "logs",
                st.id,
                fsync=s.fsync,
                group_commit_s=s.group_commit_ms / 1000,
                clock=self.clock,
                on_commit=lambda dt, _n, sid=st.id: self.metrics.commit_s.labels(sid).observe(dt),
            )
            self.start_worker(st)

    def start_worker(self, st: Store) -> EngineWorker:
        w = EngineWorker(
            st,
            self.logs[st.id],
            self.bus,
            self.checkpoints,
            self.metrics,
            self.engine_config,  # the store's own threshold comes from its log
            self.settings.checkpoint_every_s,
            self.settings.checkpoint_every_records,
            watchers=self.watchers(st) if self.watchers else None,
            on_depth=self.refresh_review_depth,
            on_caught_up=self._settings_into_log,
        )
        with self.session_factory() as db:
            row = db.get(StoreRow, st.id)
            if row is not None and row.close_at_offset is not None:
                w.request_close(row.close_at_offset)
        w.start()
        self.workers[st.id] = w
        self.refresh_review_depth(st.id)
        return w

    def _settings_into_log(self, w: EngineWorker) -> None:
        """The settings row's review threshold into the store's log when the engine,
        caught up with the log, has another one (the log is the source of truth)."""
        if w.closed:
            return
        try:
            threshold.reconcile(
                self.ingestor,
                self.session_factory,
                w.store.id,
                w.engine.cfg.review_threshold,
                self.clock(),
            )
        except Exception:  # the engine runs on at its threshold; the next start tries again
            log.exception("review threshold not reconciled", store=w.store.id)

    def stop(self) -> None:
        self.retention.stop()
        self.payments.stop()
        if self.mqtt is not None:
            self.mqtt.stop()  # type: ignore[attr-defined]
        for w in self.workers.values():
            w.stop()
        for lg in self.logs.values():
            lg.close()
        if self.nats is not None:
            self.nats.stop()  # type: ignore[attr-defined]
        self.db_engine.dispose()

    # -- helpers -----------------------------------------------------------------------------

    def worker_id(self) -> str:
        return self.settings.worker_id or f"{socket.gethostname()}-{os.getpid()}"

    def refresh_review_depth(self, store: str) -> None:
        with self.bus.uow() as uow:
            self.metrics.review_depth.labels(store).set(open_count(uow, store))

    def _admin_token(self) -> None:
        """An admin token to start with: the configured one, or a new one printed once."""
        with self.session_factory() as db:
            given = self.settings.admin_token
            if given:
                if (
                    db.scalars(
                        select(TokenRow.id).where(TokenRow.hash == token_hash(given))
                    ).first()
                    is None
                ):
                    issue(db, Role.ADMIN, None, name="configured admin", token=given)
                    db.commit()
                return
            if (
                db.scalars(select(TokenRow.id).where(TokenRow.role == Role.ADMIN.value)).first()
                is None
            ):
                clear, _ = issue(db, Role.ADMIN, None, name="first admin")
                db.commit()
                self.first_admin_token = clear
                log.warning("created the first admin token; it is shown only now", token=clear)

    def ready(self) -> tuple[bool, dict[str, str]]:
        why: dict[str, str] = {}
        try:
            with self.db_engine.connect() as c:
                c.exec_driver_sql("SELECT 1")
        except Exception as e:  # readiness reports any database failure, never raises
            why["database"] = str(e).splitlines()[0]
        if self.mqtt is not None and not self.mqtt.connected.is_set():  # type: ignore[attr-defined]
            why["mqtt"] = f"not connected to {self.settings.mqtt_host}:{self.settings.mqtt_port}"
        for sid in self.stores:
            w = self.workers.get(sid)
            if w is None:
                why[sid] = (
                    "no engine worker here (leased elsewhere?)"
                    if self.settings.log == "nats"
                    else "not started"
                )
            elif w.error is not None:
                why[sid] = f"engine stopped: {w.error}"
            elif not w.ready.is_set():
                why[sid] = f"replaying the log ({w.offset:,} of {self.logs[sid].end():,})"
        return (not why and self.started.is_set()), why
