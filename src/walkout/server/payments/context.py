"""What the accounts, payments and webhook services share: settings, the
provider, the server's secret, the clock, the database through the bus."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from walkout.domain.store import Store
from walkout.server.payments.port import PaymentProvider
from walkout.server.service.bus import MessageBus
from walkout.server.service.uow import UnitOfWork
from walkout.server.settings import Settings


@dataclass
class PaymentsContext:
    settings: Settings
    provider: PaymentProvider
    bus: MessageBus
    stores: dict[str, Store]
    clock: Callable[[], float]
    worker_id: str = field(default_factory=lambda: f"pay-{os.getpid()}-{secrets.token_hex(3)}")
    secret_bytes: bytes | None = None
    wake_payments: threading.Event = field(default_factory=threading.Event)
    wake_webhooks: threading.Event = field(default_factory=threading.Event)

    def uow(self) -> UnitOfWork:
        return self.bus.uow()

    def now(self) -> float:
        return self.clock()

    @property
    def secret(self) -> bytes:
        """The configured secret, or one made on first start and kept (0600) in data_dir."""
        if self.secret_bytes is None:
            if self.settings.secret:
                self.secret_bytes = self.settings.secret.encode()
            else:
                self.secret_bytes = _kept_secret(self.settings.data_dir / "secret")
        return self.secret_bytes

    def poke(self) -> None:
        """New work committed: wake the payments worker and the webhook sender."""
        self.wake_payments.set()
        self.wake_webhooks.set()


def _kept_secret(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(value)
    return value


def build_provider(settings: Settings) -> PaymentProvider:
    if settings.payment_provider == "stripe":
        if not settings.stripe_api_key:
            raise ValueError(
                "payment_provider stripe needs stripe_api_key (WALKOUT_STRIPE_API_KEY)"
            )
        from walkout.server.payments.stripe_adapter import StripeProvider

        return StripeProvider(
            settings.stripe_api_key, settings.stripe_api_base, timeout_s=settings.provider_timeout_s
        )
    from walkout.server.payments.fake import FakeProvider

    return FakeProvider()


def detached(uow: UnitOfWork, *rows: Any) -> None:
    """Let rows outlive their unit of work (it rolls back on exit, which would expire them)."""
    for r in rows:
        if r is not None:
            uow.db.refresh(r)
            uow.db.expunge(r)
