"""Work for people: review tasks and their decisions (labelled examples),
staff tasks and alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from walkout.server.db.base import Base, utcnow


class ReviewTaskRow(Base):
    __tablename__ = "review_tasks"

    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session: Mapped[str | None] = mapped_column(String(64), index=True)
    t: Mapped[float]
    reason: Mapped[str] = mapped_column(Text)
    events: Mapped[list[Any]]
    evidence: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(8), default="open", doc="open | decided")
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewDecisionRow(Base):
    """A reviewer's verdict, kept with its evidence: a labelled example for the engine."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    task_id: Mapped[str] = mapped_column(String(32))
    session: Mapped[str | None] = mapped_column(String(64))
    reviewer: Mapped[str] = mapped_column(String(64))
    lines: Mapped[list[Any]] = mapped_column(doc="[{sku, qty}] as the reviewer settled them")
    events: Mapped[dict[str, Any]] = mapped_column(doc="per event: the reviewer's items and taker")
    evidence: Mapped[dict[str, Any]]
    engine_lines: Mapped[list[Any]]
    note: Mapped[str | None] = mapped_column(Text, default=None)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("store_id", "task_id"),)


class StaffTaskRow(Base):
    __tablename__ = "staff_tasks"

    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    t: Mapped[float]
    data: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(8), default="open", doc="open | claimed | closed")
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertRow(Base):
    __tablename__ = "alerts"

    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8), doc="info | warning | critical")
    message: Mapped[str] = mapped_column(Text)
    t: Mapped[float]
    data: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(8), default="open")
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
