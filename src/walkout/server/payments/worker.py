"""The payments worker: one thread that voids holds, charges receipts and makes
refunds, woken as soon as new work is committed. Provider calls never run on
the engine's thread (the outbox subscriber only writes rows)."""

from __future__ import annotations

import threading

from walkout.server.logs import log
from walkout.server.payments import charges, holds, refunds
from walkout.server.payments.context import PaymentsContext


class PaymentsWorker:
    def __init__(self, ctx: PaymentsContext, idle_s: float = 1.0):
        self.ctx = ctx
        self.idle_s = idle_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="payments", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.ctx.wake_payments.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def run_once(self) -> int:
        """Everything due now; returns how many steps were taken."""
        n = 0
        for key in charges.due(self.ctx):
            n += charges.process(self.ctx, key) is not None
        for key in refunds.due(self.ctx):
            n += refunds.process(self.ctx, key) is not None
        n += holds.reap(self.ctx)
        n += holds.void_due(self.ctx)  # after the charges, which release the holds they do not use
        return n

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.ctx.wake_payments.clear()
            try:
                busy = self.run_once()
            except Exception:  # a database or provider hiccup: log, wait, carry on
                log.exception("payments step failed")
                busy = 0
            if not busy:
                self.ctx.wake_payments.wait(self.idle_s)
