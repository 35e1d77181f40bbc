"""Staff tasks and alerts: list, claim, close."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from walkout.server.api.deps import known_store, server_of, uow_of
from walkout.server.api.guard import Guard
from walkout.server.auth.principal import Principal, Role
from walkout.server.service import agecheck, queues
from walkout.server.service.uow import UnitOfWork

router = APIRouter(tags=["staff"])
UoW = Annotated[UnitOfWork, Depends(uow_of)]
Queue = Annotated[str, Path(pattern="^(tasks|alerts)$", description="tasks or alerts")]


class Closing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=2000)


class IdAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verified: bool = Field(description="true: the ID shows the shopper may buy it; false: refused")


class IdAnswerLogged(BaseModel):
    task: str
    session: str
    verified: bool
    log_offset: int = Field(description="where the id_verification record was logged")


def view(r: Any) -> dict[str, Any]:
    out = {
        "id": r.id,
        "kind": r.kind,
        "t": r.t,
        "status": r.status,
        "claimed_by": r.claimed_by,
        "data": r.data,
        "note": r.note,
    }
    out.update(
        {"title": r.title}
        if hasattr(r, "title")
        else {"severity": r.severity, "message": r.message}
    )
    return out


@router.get("/api/stores/{store}/staff/{queue}")
def list_items(
    store: str,
    queue: Queue,
    uow: UoW,
    who: Annotated[Principal, Depends(Guard(Role.STAFF, Role.ADMIN))],
    status: str | None = Query(None, pattern="^(open|claimed|closed)$"),
    limit: int = Query(100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    row_t = queues.QUEUES[queue]
    q = select(row_t).where(row_t.store_id == store)
    if status:
        q = q.where(row_t.status == status)
    return [view(r) for r in uow.db.scalars(q.order_by(row_t.t, row_t.id).limit(limit))]


@router.post("/api/stores/{store}/staff/{queue}/{item}/claim")
def claim_item(
    store: str,
    queue: Queue,
    item: str,
    uow: UoW,
    who: Annotated[Principal, Depends(Guard(Role.STAFF))],
) -> dict[str, Any]:
    try:
        queues.claim(uow, queue, store, item, who.token_id)
    except KeyError:
        raise HTTPException(404, f"no {queue[:-1]} {item!r}") from None
    except queues.QueueConflict as e:
        raise HTTPException(409, str(e)) from None
    return view(uow.get(queues.QUEUES[queue], store, item))


@router.post("/api/stores/{store}/staff/{queue}/{item}/close")
def close_item(
    store: str,
    queue: Queue,
    item: str,
    body: Closing,
    uow: UoW,
    who: Annotated[Principal, Depends(Guard(Role.STAFF))],
) -> dict[str, Any]:
    try:
        queues.close(uow, queue, store, item, who.token_id, body.note)
    except KeyError:
        raise HTTPException(404, f"no {queue[:-1]} {item!r}") from None
    except queues.QueueConflict as e:
        raise HTTPException(409, str(e)) from None
    return view(uow.get(queues.QUEUES[queue], store, item))


@router.post(
    "/api/stores/{store}/staff/tasks/{item}/verify-id",
    response_model=IdAnswerLogged,
    status_code=202,
)
def verify_id(
    store: str,
    item: str,
    body: IdAnswer,
    request: Request,
    uow: UoW,
    who: Annotated[Principal, Depends(Guard(Role.STAFF))],
) -> IdAnswerLogged:
    """Staff checked the shopper's ID for an ``id_check`` task. Answers once the
    ``id_verification`` record is durable in the store's log; store operations
    apply it from there (the task closes, a held receipt is charged or loses its
    restricted lines, the exit gate opens)."""
    srv = server_of(request)
    known_store(srv, store)
    try:
        off = agecheck.verify_id(
            srv.ingestor, uow, store, item, body.verified, who.token_id, srv.clock()
        )
    except KeyError:
        raise HTTPException(404, f"no task {item!r}") from None
    except agecheck.NotAnIdCheck as e:
        raise HTTPException(422, str(e)) from None
    except agecheck.AlreadyChecked as e:
        raise HTTPException(409, str(e)) from None
    row = uow.get(queues.QUEUES["tasks"], store, item)
    return IdAnswerLogged(
        task=item, session=str(row.data["session"]), verified=body.verified, log_offset=off
    )
