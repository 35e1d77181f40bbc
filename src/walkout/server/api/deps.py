"""Shared request helpers: the server, a unit of work, the store (404 if not here)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import HTTPException, Request

from walkout.server.bootstrap import Server
from walkout.server.service.uow import UnitOfWork


def server_of(request: Request) -> Server:
    return request.app.state.server  # type: ignore[no-any-return]


def uow_of(request: Request) -> Iterator[UnitOfWork]:
    with server_of(request).bus.uow() as uow:
        yield uow


def known_store(server: Server, store: str) -> None:
    if store not in server.stores:
        raise HTTPException(404, f"no store {store!r} on this server")
