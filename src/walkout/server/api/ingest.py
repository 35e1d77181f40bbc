"""``POST /api/stores/{store}/records``: a batch of event-log records from devices."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from walkout.server.api.deps import known_store, server_of
from walkout.server.api.guard import Guard
from walkout.server.auth.principal import Principal, Role
from walkout.server.ingest.validate import Rejected, parse_binary, parse_json

router = APIRouter(tags=["ingestion"])
MAX_BODY = 64 << 20
BINARY_TYPE = "application/vnd.walkout.log"  # walkout.eventlog.binary.encode_records


class RefusedRecord(BaseModel):
    index: int
    reason: str


class IngestResult(BaseModel):
    accepted: int
    duplicates: int
    first_offset: int | None
    refused: list[RefusedRecord]


@router.post(
    "/api/stores/{store}/records",
    status_code=202,
    response_model=IngestResult,
    responses={422: {"model": IngestResult, "description": "every record refused"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                BINARY_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
            "description": "event-log records (docs/event-log.md), in arrival order",
        }
    },
)
async def post_records(
    store: str, request: Request, who: Annotated[Principal, Depends(Guard(Role.DEVICE, Role.ADMIN))]
) -> Any:
    """Validate, log durably (fsync'd before this answers), and queue for the engine.
    Refused records are kept as dead letters and listed with their reasons."""
    srv = server_of(request)
    known_store(srv, store)
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise HTTPException(413, f"batch of {len(raw):,} bytes; send at most {MAX_BODY:,}")
    binary = request.headers.get("content-type", "").split(";")[0].strip() == BINARY_TYPE
    try:
        body = parse_binary(raw) if binary else parse_json(raw)
    except Rejected as e:
        srv.ingestor.dead_letter(store, "http", "body", str(e), raw)
        raise HTTPException(400, f"body is {e}") from None
    if not isinstance(body, list):
        srv.ingestor.dead_letter(store, "http", "body", "body must be a JSON array of records", raw)
        raise HTTPException(400, "body must be a JSON array of records")
    sub = srv.ingestor.submit(store, body, "http", f"http:{who.token_id}")
    first, dups = None, 0
    if sub.appended is not None:
        done = await asyncio.wrap_future(sub.appended)
        first, dups = done.first, done.duplicates
        if dups:
            srv.metrics.duplicates.labels(store).inc(dups)
    res = IngestResult(
        accepted=sub.accepted - dups,
        duplicates=dups,
        first_offset=first,
        refused=[RefusedRecord(index=r.index, reason=r.reason) for r in sub.refused],
    )
    if body and sub.accepted == 0:
        return JSONResponse(res.model_dump(), status_code=422)
    return res
