"""The port for store operations (issue 5, ``walkout.operations``): whatever
watches the same records as the engine (stock, sensor health, loss
prevention) and raises staff tasks and alerts. The server persists what it
raises, idempotently by id, and puts it in the staff queues."""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from walkout.eventlog.records import AnyRecord
from walkout.fusion.outputs import AnyOutput


class StaffTaskIn(BaseModel):
    """Work for a person in the store: restock a shelf, check a plate, help at a gate."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(
        min_length=1, max_length=64, description="deterministic: the same task twice is one task"
    )
    kind: str = Field(min_length=1, max_length=64)
    title: str
    t: float
    data: dict[str, Any] = Field(default_factory=dict)


class AlertIn(BaseModel):
    """Something staff should know now: a dead plate, a tailgater, a stuck gate."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=64)
    severity: Literal["info", "warning", "critical"] = "warning"
    message: str
    t: float
    data: dict[str, Any] = Field(default_factory=dict)
    closes_task: str | None = Field(
        default=None, max_length=64, description="the sensors saw this task done: close it"
    )
    clears_alert: str | None = Field(
        default=None, max_length=64, description="the condition of this alert ended: close it"
    )


OperationsItem = StaffTaskIn | AlertIn


class OperationsWatcher(Protocol):
    """Called by the engine worker for every record it applies, with the engine's
    outputs for it. Must be deterministic (a replay raises the same ids) and
    checkpointable like the engine."""

    def apply(self, record: AnyRecord, outputs: list[AnyOutput]) -> list[OperationsItem]: ...

    def checkpoint(self) -> bytes: ...

    def restore(self, blob: bytes) -> None: ...
