"""Administration: stores and their state, tokens, accounts and credentials
(the seams the accounts and entry part builds on), dead letters, closing a day."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from walkout.server.api.deps import known_store, server_of, uow_of
from walkout.server.api.guard import ANY_ROLE, Guard
from walkout.server.auth.principal import Principal, Role
from walkout.server.auth.tokens import issue
from walkout.server.db.stores import StoreRow
from walkout.server.db.system import AccountRow, DeadLetterRow
from walkout.server.db.visits import CredentialRow
from walkout.server.service.uow import UnitOfWork

router = APIRouter(tags=["administration"])
UoW = Annotated[UnitOfWork, Depends(uow_of)]
Admin = Annotated[Principal, Depends(Guard(Role.ADMIN))]


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    name: str = Field(default="", max_length=200)
    account: str | None = Field(default=None, description="for a shopper token")
    days: float | None = Field(default=None, gt=0, description="expires after; default never")


class NewAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(default=None, max_length=320)


class NewCredential(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=512)
    account: str
    kind: str = Field(default="qr", pattern="^(qr|card)$")


@router.get("/api/me")
def me(who: Annotated[Principal, Depends(Guard(*ANY_ROLE, Role.DEVICE))]) -> dict[str, Any]:
    return {"role": who.role, "store": who.store, "account": who.account}


@router.get("/api/stores")
def list_stores(request: Request, who: Admin) -> list[dict[str, Any]]:
    srv = server_of(request)
    return [status_of(request, sid) for sid in sorted(srv.stores) if who.may_act_in(sid)]


def status_of(request: Request, store: str) -> dict[str, Any]:
    srv = server_of(request)
    st = srv.stores[store]
    w = srv.workers.get(store)
    dlog = srv.logs.get(store)
    return {
        "id": st.id,
        "name": st.name,
        "log_end": dlog.end() if dlog else None,
        "engine_offset": w.offset if w else None,
        "caught_up": bool(w and dlog and w.offset >= dlog.end()),
        "closed": bool(w and w.closed),
        "engine_error": str(w.error) if w and w.error else None,
    }


@router.get("/api/stores/{store}/status")
def store_status(
    store: str, request: Request, who: Annotated[Principal, Depends(Guard(Role.ADMIN, Role.STAFF))]
) -> dict[str, Any]:
    known_store(server_of(request), store)
    return status_of(request, store)


@router.post("/api/stores/{store}/close")
def close_day(store: str, request: Request, uow: UoW, who: Admin) -> dict[str, Any]:
    """End the day: once the engine has applied every record logged so far, it
    decides everything pending and issues every receipt still open."""
    srv = server_of(request)
    known_store(srv, store)
    dlog, w = srv.logs.get(store), srv.workers.get(store)
    if dlog is None or w is None:
        raise HTTPException(409, f"store {store!r} has no engine worker on this server")
    at = dlog.end()
    row = uow.get(StoreRow, store)
    row.close_at_offset = at
    uow.commit()
    w.request_close(at)
    return {"store": store, "close_at_offset": at}


@router.post("/api/stores/{store}/tokens", status_code=201)
def new_token(store: str, body: NewToken, request: Request, uow: UoW, who: Admin) -> dict[str, Any]:
    """Issue a token for this store; shown once, kept only as a hash."""
    known_store(server_of(request), store)
    if body.role is Role.SHOPPER and (
        body.account is None or uow.get(AccountRow, body.account) is None
    ):
        raise HTTPException(422, "a shopper token needs an existing account")
    expires = datetime.now(UTC) + timedelta(days=body.days) if body.days else None
    clear, row = issue(uow.db, body.role, store, body.account, body.name, expires_at=expires)
    uow.commit()
    return {"token": clear, "id": row.id, "role": body.role, "store": store}


@router.post("/api/stores/{store}/accounts", status_code=201)
def new_account(store: str, body: NewAccount, uow: UoW, who: Admin) -> dict[str, Any]:
    """A shopper account (sign-up proper is the accounts part's)."""
    acc = AccountRow(id="a_" + secrets.token_hex(8), email=body.email)
    uow.db.add(acc)
    uow.commit()
    return {"id": acc.id, "email": acc.email}


@router.post("/api/stores/{store}/credentials", status_code=201)
def new_credential(store: str, body: NewCredential, uow: UoW, who: Admin) -> dict[str, Any]:
    """Bind an entry credential (QR or card token) to an account, so its visits are the account's."""
    if uow.get(AccountRow, body.account) is None:
        raise HTTPException(404, f"no account {body.account!r}")
    if uow.get(CredentialRow, body.token) is None:
        uow.db.add(CredentialRow(token=body.token, account_id=body.account, kind=body.kind))
        uow.commit()
    return {"token": body.token, "account": body.account}


@router.get("/api/stores/{store}/dead-letters")
def dead_letters(
    store: str, uow: UoW, who: Admin, limit: int = Query(100, ge=1, le=1000)
) -> list[dict[str, Any]]:
    rows = uow.db.scalars(
        select(DeadLetterRow)
        .where(DeadLetterRow.store_id == store)
        .order_by(DeadLetterRow.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": r.id,
            "source": r.source,
            "where": r.where,
            "reason": r.reason,
            "payload": r.payload[:2000].decode("utf-8", "replace"),
            "received_at": r.received_at.isoformat(),
        }
        for r in rows
    ]
