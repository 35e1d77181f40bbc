"""Accounts' payment side (issue 6 items 4-6): provider customers and cards,
entry codes and gate decisions, holds, charges and refunds (each recorded
before the provider is called, so a restart reconciles instead of paying
twice), disputes and the stores' payment policies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from walkout.server.db.base import Base, utcnow


class PaymentProfileRow(Base):
    """The account's customer at the payment provider (cards live there, never here)."""

    __tablename__ = "payment_profiles"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentMethodRow(Base):
    __tablename__ = "payment_methods"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    provider_id: Mapped[str] = mapped_column(String(128), doc="the provider's payment method id")
    brand: Mapped[str] = mapped_column(String(32))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int]
    exp_year: Mapped[int]
    card_token: Mapped[str] = mapped_column(
        String(64), index=True, doc="our tap token for this card: HMAC of its fingerprint"
    )
    is_default: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(8), default="active", doc="active | removed")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EntryCodeRow(Base):
    """A QR entry code issued to an account: single use, short lived."""

    __tablename__ = "entry_codes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    admits: Mapped[int]
    expires_at: Mapped[float] = mapped_column(doc="epoch seconds, server clock")
    used_at: Mapped[float | None] = mapped_column(default=None)
    used_gate: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GateDecisionRow(Base):
    """Every admit or refuse at a gate, with its reason (an audit trail)."""

    __tablename__ = "gate_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    gate: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8), doc="qr | card | exit")
    decision: Mapped[str] = mapped_column(String(8), doc="admit | refuse")
    reason: Mapped[str] = mapped_column(Text)
    account_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    token: Mapped[str | None] = mapped_column(String(512), default=None)
    admits: Mapped[int] = mapped_column(default=0)
    t: Mapped[float]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StorePolicyRow(Base):
    """What a retailer sets: the hold at entry, the dispute limit for instant refunds."""

    __tablename__ = "store_policies"

    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    hold_amount: Mapped[int] = mapped_column(default=0, doc="minor units; 0: no hold")
    dispute_auto_refund_max: Mapped[int] = mapped_column(doc="minor units; above: review")
    dispute_window_days: Mapped[int] = mapped_column(default=30)
    updated_by: Mapped[str | None] = mapped_column(String(64), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class HoldRow(Base):
    """A pre-authorization at entry (a manual-capture payment intent)."""

    __tablename__ = "holds"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    account_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    token: Mapped[str] = mapped_column(String(512), index=True, doc="the entry's credential token")
    session: Mapped[str | None] = mapped_column(
        String(64), index=True, default=None, doc="the visit it covers, once the engine opens it"
    )
    customer_id: Mapped[str | None] = mapped_column(String(128), default=None)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    intent_id: Mapped[str | None] = mapped_column(String(128), default=None)
    status: Mapped[str] = mapped_column(
        String(12),
        index=True,
        doc="placing | held | declined | used (the charge captured it) | voiding | voided",
    )
    t: Mapped[float] = mapped_column(doc="placed at, epoch seconds")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ChargeRow(Base):
    """A receipt's charge: created from the outbox's ReceiptFinalized (the intent
    to charge, committed with the receipt), then called at the provider once."""

    __tablename__ = "charges"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    session: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    token: Mapped[str | None] = mapped_column(String(512), default=None)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int]
    tax: Mapped[int]
    amount: Mapped[int] = mapped_column(doc="minor units charged: the bill's total")
    bill: Mapped[dict[str, Any]] = mapped_column(doc="the itemized bill, frozen when final")
    status: Mapped[str] = mapped_column(
        String(10),
        index=True,
        doc="pending | held (ID check) | calling | succeeded | declined | nothing (zero) | no_account",
    )
    attempt: Mapped[int] = mapped_column(default=0)
    hold_id: Mapped[str | None] = mapped_column(String(32), default=None)
    intent_id: Mapped[str | None] = mapped_column(String(128), default=None)
    customer_id: Mapped[str | None] = mapped_column(String(128), default=None)
    method_id: Mapped[str | None] = mapped_column(String(128), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    lease_until: Mapped[float | None] = mapped_column(default=None, doc="epoch, server clock")
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    next_at: Mapped[float] = mapped_column(default=0.0, doc="not before (retry backoff)")
    provider_calls: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(default=None)


class RefundRow(Base):
    """A refund, recorded before the provider call like a charge."""

    __tablename__ = "refunds"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    charge_key: Mapped[str] = mapped_column(ForeignKey("charges.key"), index=True)
    dispute_id: Mapped[str | None] = mapped_column(String(32), default=None)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), doc="pending | calling | succeeded | failed")
    attempt: Mapped[int] = mapped_column(default=0)
    refund_id: Mapped[str | None] = mapped_column(String(128), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    lease_until: Mapped[float | None] = mapped_column(default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    next_at: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DisputeRow(Base):
    __tablename__ = "disputes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    session: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    line: Mapped[int] = mapped_column(doc="the receipt line's number")
    sku: Mapped[str] = mapped_column(String(64))
    qty: Mapped[int]
    amount: Mapped[int] = mapped_column(doc="minor units to refund if accepted, tax included")
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(
        String(10), index=True, doc="review | refunding | refunded | rejected"
    )
    route: Mapped[str] = mapped_column(String(8), doc="auto | review")
    decided_by: Mapped[str | None] = mapped_column(String(64), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    t: Mapped[float] = mapped_column(doc="opened at, epoch seconds")
    decided_at: Mapped[float | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookEndpointRow(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str] = mapped_column(String(128), doc="signs deliveries (HMAC-SHA256)")
    events: Mapped[list[Any]] = mapped_column(doc="event types, or ['*']")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDeliveryRow(Base):
    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    store_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(48))
    event_key: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(
        String(10), index=True, doc="pending | delivered | failed (gave up)"
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_at: Mapped[float] = mapped_column(default=0.0, doc="epoch, server clock")
    last_code: Mapped[int | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[float | None] = mapped_column(default=None)

    __table_args__ = (UniqueConstraint("endpoint_id", "event_key"),)


class WebhookAttemptRow(Base):
    """The delivery log: every try, its answer and how long it took."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    n: Mapped[int]
    t: Mapped[float]
    status_code: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    ms: Mapped[float]
