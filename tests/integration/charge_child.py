"""The charging step as its own process, killed with SIGKILL just before or just
after one provider call (``python -m tests.integration.charge_child DB API METHOD WHEN``)."""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from walkout.server.db.database import make_engine, session_factory
from walkout.server.payments.context import PaymentsContext
from walkout.server.payments.stripe_adapter import StripeProvider
from walkout.server.payments.worker import PaymentsWorker
from walkout.server.service.bus import MessageBus
from walkout.server.settings import Settings
from walkout.stores import resolve_store


class KillMe:
    def __init__(self, inner: StripeProvider, method: str, when: str):
        self.inner, self.method, self.when = inner, method, when

    def __getattr__(self, name: str) -> Any:
        fn = getattr(self.inner, name)
        if name != self.method:
            return fn

        def wrapped(*a: Any, **kw: Any) -> Any:
            if self.when == "before":
                os.kill(os.getpid(), signal.SIGKILL)
            out = fn(*a, **kw)
            os.kill(os.getpid(), signal.SIGKILL)  # the answer is in, not yet recorded
            return out

        return wrapped


def main(db: str, api: str, method: str, when: str) -> None:
    st = resolve_store("corner-shop")
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp()),
        stores=["corner-shop"],
        payments_lease_s=1.0,
        provider_timeout_s=0.4,
    )
    ctx = PaymentsContext(
        settings=settings,
        provider=KillMe(StripeProvider("sk_test_walkout", api), method, when),  # type: ignore[arg-type]
        bus=MessageBus(session_factory(make_engine(db))),
        stores={st.id: st},
        clock=time.time,
        secret_bytes=b"test-secret",
    )
    PaymentsWorker(ctx).run_once()
    sys.exit(3)  # never here: the kill comes first


if __name__ == "__main__":
    main(*sys.argv[1:5])
