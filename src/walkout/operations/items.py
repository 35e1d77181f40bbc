"""What operations raise: staff tasks (work for a person) and alerts (something
to know now). Ids are deterministic so a replay raises the same item twice and
the server keeps one (``walkout.server.worker.operations`` mirrors these)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Item(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Task(_Item):
    """Work for staff: restock, return a misplaced item, check an ID, check a plate."""

    type: Literal["task"] = "task"
    id: str = Field(min_length=1, max_length=64)
    kind: str
    title: str
    t: float
    status: Literal["open", "done", "cancelled"] = "open"
    data: dict[str, Any] = Field(default_factory=dict)


class Alert(_Item):
    """A fact for staff, with its evidence. Loss-prevention alerts are flags for
    a human to look at, never accusations."""

    type: Literal["alert"] = "alert"
    id: str = Field(min_length=1, max_length=64)
    kind: str
    severity: Literal["info", "warning", "critical"] = "warning"
    message: str
    t: float
    cleared: bool = False
    data: dict[str, Any] = Field(default_factory=dict)


OpsItem = Task | Alert
