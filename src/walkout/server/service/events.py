"""Domain events: what happened, for whoever subscribes (payments subscribe to
``ReceiptFinalized``). Each has a ``key``: the same fact always gets the same
key, so a replay or a retried dispatch is recognisable."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    model_config = ConfigDict(frozen=True)
    store: str

    @property
    def key(self) -> str:
        raise NotImplementedError


class SessionOpened(Event):
    session: str
    token: str | None
    t_enter: float

    @property
    def key(self) -> str:
        return f"session-opened:{self.store}:{self.session}"


class SessionClosed(Event):
    session: str
    t_exit: float | None

    @property
    def key(self) -> str:
        return f"session-closed:{self.store}:{self.session}"


class ReceiptIssued(Event):
    session: str
    status: Literal["final", "review"]
    total: int
    currency: str

    @property
    def key(self) -> str:
        return f"receipt-issued:{self.store}:{self.session}"


class ReceiptFinalized(Event):
    """The receipt may be charged: at once (``by`` engine) or after a human (``by`` review).
    Raised exactly once per receipt; charge with ``key`` as the idempotency key."""

    session: str
    token: str | None
    account: str | None
    total: int
    currency: str
    lines: list[dict[str, Any]]
    by: Literal["engine", "review"]

    @property
    def key(self) -> str:
        return f"receipt-finalized:{self.store}:{self.session}"


class ReviewTaskCreated(Event):
    task: str
    session: str | None
    reason: str

    @property
    def key(self) -> str:
        return f"review-created:{self.store}:{self.task}"


class StaffTaskRaised(Event):
    task: str
    kind: str

    @property
    def key(self) -> str:
        return f"staff-task:{self.store}:{self.task}"


class AlertRaised(Event):
    alert: str
    kind: str
    severity: str

    @property
    def key(self) -> str:
        return f"alert:{self.store}:{self.alert}"


EVENT_TYPES: dict[str, type[Event]] = {
    c.__name__: c
    for c in (
        SessionOpened,
        SessionClosed,
        ReceiptIssued,
        ReceiptFinalized,
        ReviewTaskCreated,
        StaffTaskRaised,
        AlertRaised,
    )
}
