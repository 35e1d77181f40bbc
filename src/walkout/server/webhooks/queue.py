"""Webhook events into deliveries, one per subscribed endpoint, written in the
caller's transaction (so a delivery exists iff its cause was committed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from walkout.server.db.payments import WebhookDeliveryRow, WebhookEndpointRow
from walkout.server.service.uow import UnitOfWork

EVENT_TYPES = (
    "receipt.finalized",
    "charge.succeeded",
    "charge.declined",
    "refund.succeeded",
    "dispute.updated",
)


def enqueue(
    uow: UnitOfWork,
    store: str,
    type_: str,
    key: str,
    data: dict[str, Any],
    now: float,
    account: str | None = None,
) -> int:
    """Queue ``data`` for every endpoint of the store that takes ``type_``; idempotent by key."""
    assert type_ in EVENT_TYPES, type_
    n = 0
    endpoints = uow.db.scalars(
        select(WebhookEndpointRow).where(
            WebhookEndpointRow.store_id == store, WebhookEndpointRow.active.is_(True)
        )
    )
    for ep in endpoints:
        if "*" not in ep.events and type_ not in ep.events:
            continue
        seen = uow.db.scalars(
            select(WebhookDeliveryRow.id).where(
                WebhookDeliveryRow.endpoint_id == ep.id, WebhookDeliveryRow.event_key == key
            )
        ).first()
        if seen is not None:
            continue
        uow.db.add(
            WebhookDeliveryRow(
                endpoint_id=ep.id,
                store_id=store,
                type=type_,
                event_key=key,
                account_id=account,
                payload={"id": key, "type": type_, "created": now, "store": store, "data": data},
                status="pending",
                next_at=now,
            )
        )
        n += 1
    return n
