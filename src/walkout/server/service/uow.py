"""The unit of work: one transaction; domain events go to the outbox inside it,
so an event exists if and only if the change that caused it was committed."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from walkout.server.db.system import OutboxRow
from walkout.server.service.events import Event


class UnitOfWork:
    def __init__(self, session_factory: Callable[[], Session]):
        self._factory = session_factory
        self.db: Session
        self.events: list[Event] = []

    def __enter__(self) -> UnitOfWork:
        self.db = self._factory()
        self.events = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.db.rollback()
        self.db.close()

    def emit(self, event: Event) -> None:
        """Record an event; it reaches subscribers only once ``commit`` succeeds."""
        if self.db.scalars(select(OutboxRow.id).where(OutboxRow.key == event.key)).first():
            return  # the same fact again (a replay): not a new event
        self.db.add(
            OutboxRow(
                store_id=event.store,
                type=type(event).__name__,
                key=event.key,
                payload=event.model_dump(mode="json"),
            )
        )
        self.events.append(event)

    def commit(self) -> None:
        self.db.commit()

    def rollback(self) -> None:
        self.db.rollback()
        self.events = []

    def get(self, model: type[Any], *key: Any) -> Any:
        return self.db.get(model, key if len(key) > 1 else key[0])
