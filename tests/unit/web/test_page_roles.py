"""Every page names its roles with ``Page`` (the API's guard on the cookie), and
refuses everyone else both ways: no cookie goes to the sign-in page, another
role's or another store's token gets 403, the right role gets through."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute

from tests.unit.web.conftest import Web
from walkout.server.auth.principal import Role
from walkout.web import PAGES
from walkout.web.auth import Page

PUBLIC = {"/web/login", "/web/logout", "/web/{store}/signup"}
ROLES = [Role.SHOPPER, Role.REVIEWER, Role.STAFF, Role.ADMIN]


def _page(dependant: Any) -> Page | None:
    for dep in dependant.dependencies:
        if isinstance(dep.call, Page):
            return dep.call
        found = _page(dep)
        if found is not None:
            return found
    return None


def _routes() -> list[tuple[str, str, Page | None]]:
    return [
        (m, r.path, _page(r.dependant))
        for mod in PAGES
        for r in mod.router.routes
        if isinstance(r, APIRoute)
        for m in sorted(r.methods)
    ]


def _url(path: str, store: str) -> str:
    return re.sub(r"\{[^}]+\}", "0", path.replace("{store}", store).replace("{queue}", "tasks"))


def test_every_page_but_sign_in_names_its_roles() -> None:
    routes = _routes()
    assert len(routes) > 20
    for m, p, g in routes:
        assert p.startswith("/web/"), p
        if p not in PUBLIC:
            assert g is not None, f"{m} {p} has no Page guard"


def test_pages_refuse_no_cookie_other_roles_and_other_stores(web: Web) -> None:
    anon = web.client()
    browsers = {role: web.client(role.value) for role in ROLES}
    others = {role: web.client(f"other-{role.value}") for role in ROLES}
    refused = 0
    for m, p, g in _routes():
        if g is None:
            continue
        url = _url(p, web.store)
        r = anon.request(m, url)
        assert r.status_code == 303 and r.headers["location"].startswith("/web/login?next="), (
            m,
            p,
            r.status_code,
        )
        for role in ROLES:
            if role in g.roles:
                r = others[role].request(m, url)
                assert r.status_code == 403, (m, p, role, "other store", r.status_code)
                assert "this token is not for store" in r.text
                continue
            r = browsers[role].request(m, url)
            assert r.status_code == 403, (m, p, role, r.status_code)
            assert "Not your page" in r.text  # a page, not JSON
            refused += 1
    assert refused > 40


def test_the_right_role_gets_through(web: Web) -> None:
    browsers = {role: web.client(role.value) for role in ROLES}
    for m, p, g in _routes():
        if g is None:
            continue
        for role in g.roles:
            r = browsers[role].request(m, _url(p, web.store))
            assert r.status_code not in (401, 403), (m, p, role, r.status_code, r.text[:300])
            assert not r.headers.get("location", "").startswith("/web/login"), (m, p, role)


def test_sign_in_sets_an_http_only_cookie_and_lands_on_the_roles_home(web: Web) -> None:
    c = web.client()
    for role, home in (
        ("shopper", "shop"),
        ("reviewer", "review"),
        ("staff", "ops"),
        ("admin", "ops"),
    ):
        r = c.post("/web/login", data={"token": web.tokens[role]})
        assert r.status_code == 303 and r.headers["location"] == f"/web/{web.store}/{home}"
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/web" in cookie
    r = c.post("/web/login", data={"token": "wo_forged"})
    assert r.status_code == 401 and "unknown, expired or revoked" in r.text
    r = c.post("/web/login", data={"token": web.tokens["device"]})
    assert r.status_code == 401  # a device does not browse
    # back to the page asked for, never off the site
    r = c.post(
        "/web/login", data={"token": web.tokens["staff"], "next": f"/web/{web.store}/ops/analytics"}
    )
    assert r.headers["location"] == f"/web/{web.store}/ops/analytics"
    r = c.post("/web/login", data={"token": web.tokens["staff"], "next": "//evil.example/x"})
    assert r.headers["location"] == f"/web/{web.store}/ops"


def test_signing_out_forgets_the_cookie(web: Web) -> None:
    c = web.client("reviewer")
    assert c.get(f"/web/{web.store}/review").status_code == 200
    r = c.post("/web/logout")
    assert r.status_code == 303
    assert c.get(f"/web/{web.store}/review").status_code == 303


def test_a_refusal_leads_to_the_roles_own_pages(web: Web) -> None:
    for who, url, home in (
        ("shopper", f"/web/{web.store}/ops", f"/web/{web.store}/shop"),
        ("staff", f"/web/{web.store}/review", f"/web/{web.store}/ops"),
        ("reviewer", f"/web/{web.store}/shop/privacy", f"/web/{web.store}/review"),
        ("other-staff", f"/web/{web.store}/ops", "/web/some-other-store/ops"),
    ):
        r = web.client(who).get(url)
        assert r.status_code == 403 and f'href="{home}">Go to your pages' in r.text, (who, url)
    r = web.client().get("/web/nowhere/signup")
    assert r.status_code == 404 and 'href="/web/login">Go to your pages' in r.text
