"""Disputes: a shopper disputes a receipt line; small ones are refunded at once,
the rest wait in the dispute review queue for a reviewer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from walkout.server.api.accounts import pay_of
from walkout.server.api.deps import known_store, server_of
from walkout.server.api.guard import Guard
from walkout.server.api.payments import own_receipt
from walkout.server.auth.principal import Principal, Role
from walkout.server.db.payments import DisputeRow
from walkout.server.db.visits import ReceiptLineRow, ShelfEventRow
from walkout.server.payments import disputes
from walkout.server.payments.bills import money

router = APIRouter(tags=["disputes"])
Reviewer = Annotated[Principal, Depends(Guard(Role.REVIEWER, Role.ADMIN))]


class NewDispute(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line: int = Field(ge=0, description="the receipt line's number (n in the itemized receipt)")
    qty: int | None = Field(
        default=None, ge=1, le=1000, description="units disputed; default all left"
    )
    reason: str | None = Field(default=None, max_length=2000)


class DisputeDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accept: bool = Field(description="true: refund the amount; false: the charge stands")
    note: str | None = Field(default=None, max_length=2000, description="shown to the shopper")


class DisputeOut(BaseModel):
    id: str
    session: str
    line: int
    sku: str
    qty: int
    amount: int
    amount_text: str
    status: str = Field(description="review | refunding | refunded | rejected | refund failed")
    route: str = Field(description="auto (under the store's limit) | review")
    reason: str | None
    note: str | None
    t: float
    decided_at: float | None
    evidence: list[dict[str, Any]] | None = Field(
        default=None, description="reviewers: the shelf events behind the line"
    )


def _out(
    request: Request, d: DisputeRow, evidence: list[dict[str, Any]] | None = None
) -> DisputeOut:
    st = server_of(request).stores[d.store_id]
    return DisputeOut(
        id=d.id,
        session=d.session,
        line=d.line,
        sku=d.sku,
        qty=d.qty,
        amount=d.amount,
        amount_text=money(d.amount, st).text,
        status=d.status,
        route=d.route,
        reason=d.reason,
        note=d.note,
        t=d.t,
        decided_at=d.decided_at,
        evidence=evidence,
    )


@router.post(
    "/api/stores/{store}/receipts/{session}/disputes", status_code=201, response_model=DisputeOut
)
def open_dispute(
    store: str,
    session: str,
    body: NewDispute,
    request: Request,
    who: Annotated[Principal, Depends(Guard(Role.SHOPPER))],
) -> DisputeOut:
    known_store(server_of(request), store)
    ctx = pay_of(request)
    with ctx.uow() as uow:
        own_receipt(uow, who, store, session)
    try:
        d = disputes.open_dispute(
            ctx, store, session, who.account, body.line, body.qty, body.reason
        )
    except disputes.DisputeRefused as e:
        raise HTTPException(409, str(e)) from None
    return _out(request, d)


@router.get("/api/stores/{store}/disputes", response_model=list[DisputeOut])
def list_disputes(
    store: str,
    request: Request,
    who: Annotated[Principal, Depends(Guard(Role.SHOPPER, Role.REVIEWER, Role.ADMIN))],
    status: str | None = Query(
        None, pattern="^(review|refunding|refunded|rejected|refund failed)$"
    ),
    limit: int = Query(100, ge=1, le=1000),
) -> list[DisputeOut]:
    """The dispute review queue (``status=review``); a shopper sees their own."""
    with pay_of(request).uow() as uow:
        q = select(DisputeRow).where(DisputeRow.store_id == store)
        if who.role is Role.SHOPPER:
            q = q.where(DisputeRow.account_id == who.account)
        if status:
            q = q.where(DisputeRow.status == status)
        return [
            _out(request, d)
            for d in uow.db.scalars(q.order_by(DisputeRow.t, DisputeRow.id).limit(limit))
        ]


@router.get("/api/stores/{store}/disputes/{dispute}", response_model=DisputeOut)
def get_dispute(
    store: str,
    dispute: str,
    request: Request,
    who: Annotated[Principal, Depends(Guard(Role.SHOPPER, Role.REVIEWER, Role.ADMIN))],
) -> DisputeOut:
    with pay_of(request).uow() as uow:
        d = uow.get(DisputeRow, dispute)
        if (
            d is None
            or d.store_id != store
            or (who.role is Role.SHOPPER and d.account_id != who.account)
        ):
            raise HTTPException(404, f"no dispute {dispute!r}")
        evidence = None
        if who.role is not Role.SHOPPER:
            line = uow.get(ReceiptLineRow, store, d.session, d.line)
            ids = list(line.events) if line is not None and line.sku == d.sku else []
            evidence = [r.data for i in ids if (r := uow.get(ShelfEventRow, store, i)) is not None]
        return _out(request, d, evidence)


@router.post("/api/stores/{store}/disputes/{dispute}/decision", response_model=DisputeOut)
def decide_dispute(
    store: str, dispute: str, body: DisputeDecision, request: Request, who: Reviewer
) -> DisputeOut:
    try:
        d = disputes.decide(pay_of(request), store, dispute, who.token_id, body.accept, body.note)
    except KeyError:
        raise HTTPException(404, f"no dispute {dispute!r}") from None
    except disputes.DisputeRefused as e:
        raise HTTPException(409, str(e)) from None
    return _out(request, d)
