"""The message bus: subscribers per domain event type, fed from the outbox after
commit. Dispatch is at least once (an event whose subscribers failed, or were
interrupted by a crash, is dispatched again), so subscribers must be
idempotent: the event's ``key`` is the idempotency key."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from walkout.server.db.system import OutboxRow
from walkout.server.logs import log
from walkout.server.service.events import EVENT_TYPES, Event
from walkout.server.service.uow import UnitOfWork

Subscriber = Callable[[Event], None]


class MessageBus:
    def __init__(self, session_factory: Callable[[], Session]):
        self.session_factory = session_factory
        self.subscribers: dict[type[Event], list[Subscriber]] = defaultdict(list)
        self._lock = threading.Lock()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def subscribe(self, event_type: type[Event], handler: Subscriber) -> None:
        self.subscribers[event_type].append(handler)

    def dispatch_pending(self, limit: int = 1000) -> int:
        """Hand undispatched outbox events to their subscribers, oldest first."""
        n = 0
        with self._lock, self.session_factory() as db:
            rows = db.scalars(
                select(OutboxRow)
                .where(OutboxRow.dispatched_at.is_(None))
                .order_by(OutboxRow.id)
                .limit(limit)
            ).all()
            for row in rows:
                cls = EVENT_TYPES.get(row.type)
                if cls is None:
                    continue
                event = cls.model_validate(row.payload)
                try:
                    for handler in self.subscribers.get(cls, []):
                        handler(event)
                except Exception:  # a subscriber's bug must not stop ingestion; retried later
                    log.exception("subscriber failed", event=row.type, key=row.key)
                    break
                row.dispatched_at = datetime.now(UTC)
                db.commit()
                n += 1
        return n
