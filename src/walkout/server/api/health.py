"""Health (the process answers), readiness (database up, every engine caught
up with its log), and Prometheus metrics: the operator's endpoints, public
like any scrape target; they hold no personal data."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from walkout.server.api.deps import server_of

router = APIRouter(tags=["operations"])
PUBLIC = {"/healthz", "/readyz", "/metrics"}
PUBLIC.add("/api/stores/{store}/signup")  # a shop's sign-up page is open to anyone


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    ok, why = server_of(request).ready()
    return JSONResponse({"ready": ok, "waiting_for": why}, status_code=200 if ok else 503)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    return Response(
        generate_latest(server_of(request).metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
