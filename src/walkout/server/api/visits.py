"""Sessions and receipts. A shopper sees only their own (through the
credentials issued to their account); staff and admins see the store's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy import select

from walkout.server.api.deps import uow_of
from walkout.server.api.guard import Guard
from walkout.server.auth.principal import Principal, Role
from walkout.server.db.visits import CredentialRow, ReceiptRow, SessionRow
from walkout.server.service.outputs import receipt_lines
from walkout.server.service.uow import UnitOfWork

router = APIRouter(tags=["sessions and receipts"])
UoW = Annotated[UnitOfWork, Depends(uow_of)]


def _tokens_of(uow: UnitOfWork, who: Principal) -> list[str]:
    return list(
        uow.db.scalars(select(CredentialRow.token).where(CredentialRow.account_id == who.account))
    )


def session_view(r: SessionRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "status": r.status,
        "credential": r.credential,
        "admits": r.admits,
        "t_enter": r.t_enter,
        "t_exit": r.t_exit,
        "staff": r.staff,
    }


def receipt_view(uow: UnitOfWork, r: ReceiptRow) -> dict[str, Any]:
    return {
        "session": r.session,
        "token": r.token,
        "status": r.status,
        "t_exit": r.t_exit,
        "t_final": r.t_final,
        "total": r.total,
        "currency": r.currency,
        "decided_by": "review" if r.decided_by else ("engine" if r.status == "final" else None),
        "lines": [
            {
                "sku": ln.sku,
                "qty": ln.qty,
                "unit_price": ln.unit_price,
                "p": ln.p,
                "review": ln.review,
            }
            for ln in receipt_lines(uow, r.store_id, r.session)
        ],
    }


@router.get("/api/stores/{store}/sessions")
def list_sessions(
    store: str,
    uow: UoW,
    who: Annotated[Principal, Depends(Guard(Role.SHOPPER, Role.STAFF, Role.ADMIN))],
    status: str | None = Query(None, pattern="^(open|closed)$"),
    limit: int = Query(100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    q = select(SessionRow).where(SessionRow.store_id == store)
    if who.role is Role.SHOPPER:
        q = q.where(SessionRow.token.in_(_tokens_of(uow, who)))
    if status:
        q = q.where(SessionRow.status == status)
    return [
        session_view(r) for r in uow.db.scalars(q.order_by(SessionRow.t_enter.desc()).limit(limit))
    ]


@router.get("/api/stores/{store}/sessions/{session}")
def get_session(
    store: str,
    session: str,
    uow: UoW,
    who: Annotated[Principal, Depends(Guard(Role.SHOPPER, Role.STAFF, Role.ADMIN))],
) -> dict[str, Any]:
    r = uow.get(SessionRow, store, session)
    if r is None or (who.role is Role.SHOPPER and r.token not in _tokens_of(uow, who)):
        raise HTTPException(404, f"no session {session!r}")  # a shopper cannot probe others' ids
    return session_view(r)


@router.get("/api/stores/{store}/receipts")
def list_receipts(
    store: str,
    uow: UoW,
    who: Annotated[Principal, Depends(Guard(Role.SHOPPER, Role.ADMIN))],
    status: str | None = Query(None, pattern="^(final|review)$"),
    limit: int = Query(100, ge=1, le=10_000),
) -> list[dict[str, Any]]:
    q = select(ReceiptRow).where(ReceiptRow.store_id == store)
    if who.role is Role.SHOPPER:
        q = q.where(ReceiptRow.token.in_(_tokens_of(uow, who)))
    if status:
        q = q.where(ReceiptRow.status == status)
    rows = uow.db.scalars(q.order_by(ReceiptRow.t_exit, ReceiptRow.session).limit(limit))
    return [receipt_view(uow, r) for r in rows]


@router.get("/api/stores/{store}/receipts/{session}")
def get_receipt(
    store: str,
    session: str,
    uow: UoW,
    who: Annotated[Principal, Depends(Guard(Role.SHOPPER, Role.ADMIN))],
) -> dict[str, Any]:
    r = uow.get(ReceiptRow, store, session)
    if r is None or (who.role is Role.SHOPPER and r.token not in _tokens_of(uow, who)):
        raise HTTPException(404, f"no receipt for session {session!r}")
    return receipt_view(uow, r)
