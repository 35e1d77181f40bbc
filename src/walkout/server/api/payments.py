"""Receipts as bills (itemized, taxed, formatted) and their payment; settling
a declined one; the store's payment policy (hold, dispute limit)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from walkout.server.api.accounts import pay_of
from walkout.server.api.deps import known_store, server_of
from walkout.server.api.guard import Guard
from walkout.server.auth.principal import Principal, Role
from walkout.server.db.payments import ChargeRow
from walkout.server.db.visits import CredentialRow, ReceiptRow
from walkout.server.payments import charges
from walkout.server.payments.bills import ItemizedReceipt
from walkout.server.payments.policy import policy_of, set_policy
from walkout.server.payments.views import itemized
from walkout.server.service.uow import UnitOfWork

router = APIRouter(tags=["receipts and payments"])
Admin = Annotated[Principal, Depends(Guard(Role.ADMIN))]


class ChargeView(BaseModel):
    session: str
    status: str
    amount: int
    currency: str
    attempt: int
    provider_calls: int
    error: str | None


class PolicyView(BaseModel):
    hold_amount: int = Field(description="pre-authorization at entry, minor units; 0: none")
    dispute_auto_refund_max: int = Field(description="disputes up to this are refunded at once")
    dispute_window_days: int


class PolicyChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hold_amount: int | None = Field(default=None, ge=0, le=100_000_00)
    dispute_auto_refund_max: int | None = Field(default=None, ge=0)
    dispute_window_days: int | None = Field(default=None, ge=1, le=365)


def own_receipt(uow: UnitOfWork, who: Principal, store: str, session: str) -> ReceiptRow:
    """The receipt, if this principal may see it (a shopper: only their own; 404 otherwise)."""
    rec = uow.get(ReceiptRow, store, session)
    if rec is not None and who.role is Role.SHOPPER:
        cred = uow.get(CredentialRow, rec.token) if rec.token else None
        if cred is None or cred.account_id != who.account:
            rec = None
    if rec is None:
        raise HTTPException(404, f"no receipt for session {session!r}")
    return rec


@router.get("/api/stores/{store}/receipts/{session}/itemized", response_model=ItemizedReceipt)
def itemized_receipt(
    store: str,
    session: str,
    request: Request,
    who: Annotated[Principal, Depends(Guard(Role.SHOPPER, Role.STAFF, Role.ADMIN))],
) -> ItemizedReceipt:
    """Lines, taxes by the store's rules, money in the store's locale, payment, disputes."""
    srv = server_of(request)
    known_store(srv, store)
    with pay_of(request).uow() as uow:
        return itemized(uow, srv.stores[store], own_receipt(uow, who, store, session))


@router.post(
    "/api/stores/{store}/me/receipts/{session}/pay", status_code=202, response_model=ChargeView
)
def settle(
    store: str,
    session: str,
    request: Request,
    who: Annotated[Principal, Depends(Guard(Role.SHOPPER))],
) -> ChargeView:
    """Pay a declined receipt again, with the account's current card (add one first)."""
    ctx = pay_of(request)
    with ctx.uow() as uow:
        own_receipt(uow, who, store, session)
    key = charges.charge_key(store, session)
    try:
        charges.retry(ctx, key)
    except charges.NotOwed as e:
        raise HTTPException(409, str(e)) from None
    with ctx.uow() as uow:
        return _charge(uow.get(ChargeRow, key))


def _charge(r: ChargeRow) -> ChargeView:
    return ChargeView(
        session=r.session,
        status=r.status,
        amount=r.amount,
        currency=r.currency,
        attempt=r.attempt,
        provider_calls=r.provider_calls,
        error=r.error,
    )


@router.get("/api/stores/{store}/charges", response_model=list[ChargeView])
def list_charges(
    store: str,
    request: Request,
    who: Admin,
    status: str | None = Query(None, max_length=16),
    limit: int = Query(100, ge=1, le=10_000),
) -> list[ChargeView]:
    with pay_of(request).uow() as uow:
        q = select(ChargeRow).where(ChargeRow.store_id == store)
        if status:
            q = q.where(ChargeRow.status == status)
        return [_charge(r) for r in uow.db.scalars(q.order_by(ChargeRow.created_at).limit(limit))]


@router.get("/api/stores/{store}/policy", response_model=PolicyView)
def get_policy(
    store: str, request: Request, who: Annotated[Principal, Depends(Guard(Role.STAFF, Role.ADMIN))]
) -> PolicyView:
    known_store(server_of(request), store)
    ctx = pay_of(request)
    with ctx.uow() as uow:
        return PolicyView(**policy_of(uow, store, ctx.settings).__dict__)


@router.put("/api/stores/{store}/policy", response_model=PolicyView)
def put_policy(store: str, body: PolicyChange, request: Request, who: Admin) -> PolicyView:
    """The retailer's settings: the hold at entry, the dispute limit and window."""
    known_store(server_of(request), store)
    ctx = pay_of(request)
    with ctx.uow() as uow:
        p = set_policy(uow, store, ctx.settings, who.token_id, **body.model_dump(exclude_none=True))
        return PolicyView(**p.__dict__)
