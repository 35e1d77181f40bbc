"""What the engine decided: sessions, shelf events, receipts and their lines.
Keys are the engine's own (deterministic) ids, so a replay writes nothing twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from walkout.server.db.base import Base, utcnow


class CredentialRow(Base):
    """An entry credential (QR or card token) issued to an account: how a
    session, which knows only its token, belongs to a shopper. Entry codes are
    issued by the accounts part (issue 6 item 4)."""

    __tablename__ = "credentials"

    token: Mapped[str] = mapped_column(String(512), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8), default="qr")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionRow(Base):
    __tablename__ = "sessions"

    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str | None] = mapped_column(String(512), index=True)
    credential: Mapped[str | None] = mapped_column(String(8))
    admits: Mapped[int]
    tracks: Mapped[list[Any]]
    t_enter: Mapped[float]
    t_exit: Mapped[float | None]
    staff: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(8), doc="open | closed")


class ShelfEventRow(Base):
    __tablename__ = "shelf_events"

    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session: Mapped[str | None] = mapped_column(String(64), index=True)
    t_decided: Mapped[float]
    data: Mapped[dict[str, Any]] = mapped_column(doc="the engine's ShelfEvent")


class ReceiptRow(Base):
    __tablename__ = "receipts"

    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    session: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str | None] = mapped_column(String(512), index=True)
    status: Mapped[str] = mapped_column(String(8), doc="review | final")
    t_exit: Mapped[float]
    t_final: Mapped[float | None]
    total: Mapped[int] = mapped_column(doc="minor units, before tax")
    currency: Mapped[str] = mapped_column(String(3))
    engine: Mapped[dict[str, Any]] = mapped_column(doc="the engine's Receipt, as issued")
    decided_by: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReceiptLineRow(Base):
    __tablename__ = "receipt_lines"

    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    session: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    qty: Mapped[int]
    unit_price: Mapped[int]
    p: Mapped[float]
    review: Mapped[bool]
    events: Mapped[list[Any]]
