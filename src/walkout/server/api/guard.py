"""Every endpoint names the roles it admits with a ``Guard``; the guard checks
the bearer token, the role, and that the token is for the store in the path.
A test walks the route table and fails on any endpoint without one."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from fastapi import HTTPException, Request

from walkout.server.auth.principal import Principal, Role
from walkout.server.auth.tokens import authenticate, token_hash

if TYPE_CHECKING:
    from walkout.server.bootstrap import Server

CACHE_S = 2.0  # a revoked token stops working within this long


class TokenCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[str, tuple[float, Principal | None]] = {}

    def principal(self, server: Server, token: str) -> Principal | None:
        key = token_hash(token)
        now = time.monotonic()
        with self._lock:
            hit = self._hits.get(key)
            if hit is not None and now - hit[0] < CACHE_S:
                return hit[1]
        with server.session_factory() as db:
            p = authenticate(db, token)
        with self._lock:
            if len(self._hits) > 10_000:
                self._hits.clear()
            self._hits[key] = (now, p)
        return p


class Guard:
    """``Depends(Guard(Role.ADMIN, Role.STAFF))``: admits these roles, for the path's store."""

    def __init__(self, *roles: Role):
        self.roles = frozenset(roles)

    def __call__(self, request: Request) -> Principal:
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(
                401, "a bearer token is needed", headers={"WWW-Authenticate": "Bearer"}
            )
        return self.admit(request, token.strip())

    def admit(self, request: Request, token: str) -> Principal:
        """The checks on a token however it came (header here; the web pages' cookie)."""
        server: Server = request.app.state.server
        p = request.app.state.tokens.principal(server, token)
        if p is None:
            raise HTTPException(
                401, "unknown, expired or revoked token", headers={"WWW-Authenticate": "Bearer"}
            )
        if p.role not in self.roles:
            raise HTTPException(
                403,
                f"{_article(p.role)} {p.role} token may not do this (needs {', '.join(sorted(self.roles))})",
            )
        store = request.path_params.get("store")
        if store is not None and not p.may_act_in(store):
            raise HTTPException(403, f"this token is not for store {store!r}")
        return p

    def __repr__(self) -> str:
        return f"Guard({', '.join(sorted(self.roles))})"


ANY_ROLE = (Role.SHOPPER, Role.REVIEWER, Role.STAFF, Role.ADMIN)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
