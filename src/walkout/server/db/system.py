"""Accounts and tokens (who may do what), dead letters (rejected input, kept),
and the outbox (domain events, committed with the change that caused them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from walkout.server.db.base import Base, utcnow


class AccountRow(Base):
    """A shopper's account. Sign-up, payment methods and charges belong to the
    accounts and payments part (issue 6 items 4-6), which adds its own tables."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True, default=None)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TokenRow(Base):
    """A bearer token, stored only as its SHA-256 (tokens are 256 random bits,
    so a fast hash is enough; a leaked table gives no usable token)."""

    __tablename__ = "tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    store_id: Mapped[str | None] = mapped_column(
        String(64), default=None, doc="None: every store (an operator admin)"
    )
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class DeadLetterRow(Base):
    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str | None] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(16), doc="mqtt | http")
    where: Mapped[str] = mapped_column(String(512), doc="topic, or batch and index")
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class OutboxRow(Base):
    """Domain events, written in the transaction that caused them and handed to
    subscribers after commit; one not yet dispatched is dispatched again on start."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(128), unique=True, doc="idempotency key of the event")
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
