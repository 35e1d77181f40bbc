"""The gate decision API: a gate (device token) asks whether to admit a QR code
or a card tap; an admit writes the event log's ``entry`` record for the engine."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from walkout.server.accounts import gate
from walkout.server.api.accounts import pay_of
from walkout.server.api.deps import known_store, server_of
from walkout.server.api.guard import Guard
from walkout.server.auth.principal import Principal, Role
from walkout.server.db.payments import GateDecisionRow

router = APIRouter(tags=["accounts and entry"])


class GateAsk(BaseModel):
    model_config = ConfigDict(extra="forbid")
    gate: str = Field(
        min_length=1, max_length=64, description="the entry gate's id in the store file"
    )
    device: str | None = Field(default=None, max_length=128, description="default: the gate's id")
    kind: Literal["qr", "card", "exit"] = Field(
        description="qr, card: may this credential enter; exit: may this visit leave"
    )
    session: str | None = Field(
        default=None, min_length=1, max_length=64, description="exit: the visit at the gate"
    )
    code: str | None = Field(default=None, max_length=1024, description="qr: the code as scanned")
    card_fingerprint: str | None = Field(
        default=None,
        min_length=4,
        max_length=128,
        description="card: the provider's card fingerprint from the tap",
    )
    admits: int | None = Field(
        default=None, ge=1, le=16, description="card: people on this tap (default 1)"
    )

    @model_validator(mode="after")
    def _one_credential(self) -> GateAsk:
        if self.kind == "exit":
            if not self.session or self.code or self.card_fingerprint or self.admits:
                raise ValueError("an exit gives session (the visit at the gate), nothing else")
            return self
        if self.session:
            raise ValueError("session is for exits only")
        if self.kind == "qr" and (not self.code or self.card_fingerprint or self.admits):
            raise ValueError("a qr entry gives code (the group size is in the code), nothing else")
        if self.kind == "card" and (not self.card_fingerprint or self.code):
            raise ValueError("a card entry gives card_fingerprint (and admits), not code")
        return self


class GateAnswer(BaseModel):
    decision: Literal["admit", "refuse"]
    reason: str
    admits: int
    hold: str | None = None
    log_offset: int | None = Field(default=None, description="where the entry record was logged")


class GateDecisionView(BaseModel):
    id: int
    gate: str
    kind: str
    decision: str
    reason: str
    admits: int
    t: float


@router.post("/api/stores/{store}/gate/decisions", response_model=GateAnswer)
async def ask_gate(
    store: str,
    body: GateAsk,
    request: Request,
    who: Annotated[Principal, Depends(Guard(Role.DEVICE, Role.STAFF))],
) -> GateAnswer:
    """Admit or refuse, with the reason. Entry: answers once the entry record is
    durable. Exit: refused while the visit waits for an ID check under the store's
    ``block_exit`` age-check policy."""
    srv = server_of(request)
    known_store(srv, store)
    try:
        if body.kind == "exit":
            assert body.session is not None
            d = await asyncio.to_thread(
                gate.decide_exit, pay_of(request), store, body.gate, body.session
            )
            return GateAnswer(decision=d.decision, reason=d.reason, admits=d.admits)
        d = await asyncio.to_thread(
            gate.decide,
            pay_of(request),
            srv.ingestor,
            store,
            body.gate,
            body.kind,
            body.code or body.card_fingerprint or "",
            body.admits,
            body.device,
        )
    except gate.UnknownGate as e:
        raise HTTPException(422, str(e)) from None
    return GateAnswer(
        decision=d.decision, reason=d.reason, admits=d.admits, hold=d.hold, log_offset=d.offset
    )


@router.get("/api/stores/{store}/gate/decisions", response_model=list[GateDecisionView])
def list_gate_decisions(
    store: str,
    request: Request,
    who: Annotated[Principal, Depends(Guard(Role.STAFF, Role.ADMIN))],
    decision: str | None = Query(None, pattern="^(admit|refuse)$"),
    limit: int = Query(100, ge=1, le=1000),
) -> list[GateDecisionView]:
    with pay_of(request).uow() as uow:
        q = select(GateDecisionRow).where(GateDecisionRow.store_id == store)
        if decision:
            q = q.where(GateDecisionRow.decision == decision)
        rows = uow.db.scalars(q.order_by(GateDecisionRow.id.desc()).limit(limit))
        return [
            GateDecisionView(
                id=r.id,
                gate=r.gate,
                kind=r.kind,
                decision=r.decision,
                reason=r.reason,
                admits=r.admits,
                t=r.t,
            )
            for r in rows
        ]
