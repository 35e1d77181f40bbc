"""The app factory: a FastAPI app around a ``Server`` (started and stopped
with the app's lifespan)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from walkout.server.api import (
    accounts,
    admin,
    catalogue,
    disputes,
    gate,
    health,
    ingest,
    payments,
    review,
    staff,
    store_settings,
    visits,
    webhooks,
)
from walkout.server.api.guard import TokenCache
from walkout.server.bootstrap import Server

ROUTERS = (health, ingest, visits, review, staff, catalogue, admin)
ROUTERS += (accounts, gate, payments, disputes, webhooks)  # accounts, entry, payments (issue 6)
ROUTERS += (store_settings,)  # the dashboard's store settings (issue 7)


def create_app(
    server: Server, manage: bool = True, extensions: Sequence[Callable[[FastAPI], None]] = ()
) -> FastAPI:
    """``manage``: start and stop the server with the app (False when the caller does).
    ``extensions``: adapters that mount themselves on the app (the web pages,
    ``walkout.web.mount``); the server never imports them."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if manage:
            server.start()
        try:
            yield
        finally:
            if manage:
                server.stop()

    app = FastAPI(
        title="Walkout store server",
        version="1",
        description="Live ingestion, the engine's receipts, review and staff queues. See docs/server.md.",
        lifespan=lifespan,
    )
    app.state.server = server
    app.state.tokens = TokenCache()
    for r in ROUTERS:
        app.include_router(r.router)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors()[:5]:
            loc = ".".join(str(x) for x in err.get("loc", ()))
            parts.append(f"{loc}: {err.get('msg')}")
        # a custom validator's error carries its exception in ctx: not JSON, so left out
        errors = jsonable_encoder(
            [{k: v for k, v in e.items() if k != "ctx"} for e in exc.errors()[:20]]
        )
        return JSONResponse({"detail": "; ".join(parts), "errors": errors}, status_code=422)

    for extend in extensions:
        extend(app)
    return app
