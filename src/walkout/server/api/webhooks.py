"""Webhook endpoints (a retailer admin registers them) and the delivery log."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select

from walkout.server.api.accounts import pay_of
from walkout.server.api.deps import known_store, server_of
from walkout.server.api.guard import Guard
from walkout.server.auth.principal import Principal, Role
from walkout.server.db.payments import WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow
from walkout.server.webhooks.queue import EVENT_TYPES

router = APIRouter(tags=["webhooks"])
Admin = Annotated[Principal, Depends(Guard(Role.ADMIN))]


class NewEndpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: AnyHttpUrl
    events: list[str] = Field(default_factory=lambda: ["*"], min_length=1)

    @field_validator("events")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        bad = [e for e in v if e != "*" and e not in EVENT_TYPES]
        if bad:
            raise ValueError(f"unknown event type(s) {bad}; known: {', '.join(EVENT_TYPES)} or *")
        return v


class EndpointView(BaseModel):
    id: str
    url: str
    events: list[str]
    active: bool
    secret: str | None = Field(default=None, description="signing secret; shown when created")


class AttemptView(BaseModel):
    n: int
    t: float
    status_code: int | None
    error: str | None
    ms: float


class DeliveryView(BaseModel):
    id: int
    type: str
    event: str
    status: str
    attempts: int
    next_at: float
    delivered_at: float | None
    last_code: int | None
    last_error: str | None
    log: list[AttemptView]


@router.post("/api/stores/{store}/webhooks", status_code=201, response_model=EndpointView)
def new_endpoint(store: str, body: NewEndpoint, request: Request, who: Admin) -> EndpointView:
    known_store(server_of(request), store)
    with pay_of(request).uow() as uow:
        ep = WebhookEndpointRow(
            id="we_" + secrets.token_hex(8),
            store_id=store,
            url=str(body.url),
            secret="whsec_" + secrets.token_urlsafe(32),
            events=body.events,
        )
        uow.db.add(ep)
        uow.commit()
        return EndpointView(id=ep.id, url=ep.url, events=ep.events, active=True, secret=ep.secret)


@router.get("/api/stores/{store}/webhooks", response_model=list[EndpointView])
def list_endpoints(store: str, request: Request, who: Admin) -> list[EndpointView]:
    with pay_of(request).uow() as uow:
        rows = uow.db.scalars(
            select(WebhookEndpointRow).where(WebhookEndpointRow.store_id == store)
        )
        return [EndpointView(id=r.id, url=r.url, events=r.events, active=r.active) for r in rows]


@router.delete("/api/stores/{store}/webhooks/{endpoint}", status_code=204)
def disable_endpoint(store: str, endpoint: str, request: Request, who: Admin) -> None:
    with pay_of(request).uow() as uow:
        ep = uow.get(WebhookEndpointRow, endpoint)
        if ep is None or ep.store_id != store:
            raise HTTPException(404, f"no webhook endpoint {endpoint!r}")
        ep.active = False
        uow.commit()


@router.get("/api/stores/{store}/webhooks/{endpoint}/deliveries", response_model=list[DeliveryView])
def deliveries(
    store: str,
    endpoint: str,
    request: Request,
    who: Admin,
    status: str | None = Query(None, pattern="^(pending|delivered|failed)$"),
    limit: int = Query(100, ge=1, le=1000),
) -> list[DeliveryView]:
    """The delivery log: each delivery with every attempt, its answer and time."""
    with pay_of(request).uow() as uow:
        ep = uow.get(WebhookEndpointRow, endpoint)
        if ep is None or ep.store_id != store:
            raise HTTPException(404, f"no webhook endpoint {endpoint!r}")
        q = select(WebhookDeliveryRow).where(WebhookDeliveryRow.endpoint_id == endpoint)
        if status:
            q = q.where(WebhookDeliveryRow.status == status)
        out = []
        for d in uow.db.scalars(q.order_by(WebhookDeliveryRow.id.desc()).limit(limit)):
            log = uow.db.scalars(
                select(WebhookAttemptRow)
                .where(WebhookAttemptRow.delivery_id == d.id)
                .order_by(WebhookAttemptRow.n)
            )
            out.append(
                DeliveryView(
                    id=d.id,
                    type=d.type,
                    event=d.event_key,
                    status=d.status,
                    attempts=d.attempts,
                    next_at=d.next_at,
                    delivered_at=d.delivered_at,
                    last_code=d.last_code,
                    last_error=d.last_error,
                    log=[
                        AttemptView(n=a.n, t=a.t, status_code=a.status_code, error=a.error, ms=a.ms)
                        for a in log
                    ],
                )
            )
        return out
