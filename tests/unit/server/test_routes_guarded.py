"""Every route refuses a missing token and every role it does not name, and a
token for another store. A new endpoint without a Guard fails here."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute

from tests.unit.server.conftest import Live
from walkout.server.api.app import ROUTERS
from walkout.server.api.guard import Guard
from walkout.server.api.health import PUBLIC
from walkout.server.auth.principal import Role


def _guard(dependant: Any) -> Guard | None:
    for dep in dependant.dependencies:
        if isinstance(dep.call, Guard):
            return dep.call
        found = _guard(dep)
        if found is not None:
            return found
    return None


def _routes() -> list[tuple[str, str, Guard | None]]:
    out = []
    for mod in ROUTERS:
        for r in mod.router.routes:
            assert isinstance(r, APIRoute)
            for m in sorted(r.methods):
                out.append((m, r.path, _guard(r.dependant)))
    return out


def _url(path: str, store: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path.replace("{store}", store).replace("{queue}", "tasks"))


def test_every_route_is_in_the_walk_and_guarded(live: Live) -> None:
    walked = {(m, p) for m, p, _ in _routes()}
    spec = live.client.get("/openapi.json").json()["paths"]
    in_spec = {(m.upper(), p) for p, ops in spec.items() for m in ops}
    assert in_spec <= walked, f"routes outside the known routers: {in_spec - walked}"
    for m, p, g in _routes():
        if p in PUBLIC:
            continue
        assert g is not None, f"{m} {p} has no Guard"


def test_each_route_refuses_no_token_wrong_role_and_other_store(live: Live) -> None:
    checked = 0
    for m, p, g in _routes():
        if g is None:
            continue
        url = _url(p, live.store)
        r = live.client.request(m, url, json={})
        assert r.status_code == 401, (m, p, r.status_code)
        r = live.client.request(m, url, json={}, headers={"Authorization": "Bearer wo_forged"})
        assert r.status_code == 401, (m, p, "forged", r.status_code)
        for role in Role:
            if role in g.roles:
                if "{store}" in p:  # the right role, but for another store
                    r = live.client.request(
                        m, url, json={}, headers=live.auth(f"other-{role.value}")
                    )
                    assert r.status_code == 403, (m, p, role, "other store", r.status_code)
                continue
            r = live.client.request(m, url, json={}, headers=live.auth(role.value))
            assert r.status_code == 403, (m, p, role, r.status_code)
            checked += 1
    assert checked > 50


def test_the_right_role_gets_past_the_guard(live: Live) -> None:
    """Admitted roles are not refused by the guard (they may still get 404/409/422)."""
    for m, p, g in _routes():
        if g is None:
            continue
        for role in g.roles:
            r = live.client.request(m, _url(p, live.store), json={}, headers=live.auth(role.value))
            assert r.status_code not in (401, 403), (m, p, role, r.status_code, r.text)


def test_public_endpoints(live: Live) -> None:
    assert live.client.get("/healthz").json() == {"status": "ok"}
    assert live.client.get("/readyz").status_code == 200
    body = live.client.get("/metrics").text
    assert "walkout_records_in_total" in body and "walkout_review_queue_depth" in body
