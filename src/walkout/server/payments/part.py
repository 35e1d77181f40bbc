"""The accounts-and-payments part, wired into a ``Server``: its context, the
outbox subscriptions (a visit opened, a receipt finalized), the payments worker
and the webhook sender."""

from __future__ import annotations

from typing import TYPE_CHECKING

from walkout.server.db.queues import AlertRow
from walkout.server.logs import log
from walkout.server.payments import charges
from walkout.server.payments.context import PaymentsContext, build_provider
from walkout.server.payments.port import PaymentProvider
from walkout.server.payments.worker import PaymentsWorker
from walkout.server.service.events import AlertRaised, Event, ReceiptFinalized, SessionOpened
from walkout.server.webhooks.sender import WebhookSender

if TYPE_CHECKING:
    from walkout.server.bootstrap import Server


class PaymentsPart:
    def __init__(self, server: Server, provider: PaymentProvider | None = None):
        self.ctx = PaymentsContext(
            settings=server.settings,
            provider=provider or build_provider(server.settings),
            bus=server.bus,
            stores=server.stores,
            clock=server.clock,
        )
        self.worker = PaymentsWorker(self.ctx)
        self.webhooks = WebhookSender(self.ctx)
        server.bus.subscribe(SessionOpened, self._session_opened)
        server.bus.subscribe(ReceiptFinalized, self._receipt_finalized)
        server.bus.subscribe(AlertRaised, self._alert_raised)

    def _session_opened(self, ev: Event) -> None:
        assert isinstance(ev, SessionOpened)
        charges.on_session_opened(self.ctx, ev)

    def _receipt_finalized(self, ev: Event) -> None:
        assert isinstance(ev, ReceiptFinalized)
        charges.on_receipt_finalized(self.ctx, ev)

    def _alert_raised(self, ev: Event) -> None:
        """An ``age_receipt`` decision (staff checked an ID) may release a held charge."""
        assert isinstance(ev, AlertRaised)
        if ev.kind != "age_receipt":
            return
        with self.ctx.uow() as uow:
            row = uow.get(AlertRow, ev.store, ev.alert)
            data = dict(row.data) if row is not None else {}
        if data.get("session"):
            charges.on_age_decided(
                self.ctx, ev.store, str(data["session"]), str(data.get("decision"))
            )

    def start(self) -> None:
        _ = self.ctx.secret  # made (or read) once, before any request needs it
        if self.ctx.provider.name == "fake":
            log.warning(
                "payments: the in-memory fake provider; nobody is charged (set WALKOUT_PAYMENT_PROVIDER=stripe)"
            )
        self.worker.start()
        self.webhooks.start()

    def stop(self) -> None:
        self.worker.stop()
        self.webhooks.stop()
