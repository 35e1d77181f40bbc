"""Browser sign-in: a page takes a token (or signs a shopper up) and sets an
HttpOnly cookie. Every page names its roles with ``Page``, which runs the very
checks the API's ``Guard`` runs (role, and the token's store against the
path's), on the cookie's token instead of the Authorization header.

The cookie is ``SameSite=Strict``: a page of another site cannot make the
browser send it, which is what guards the pages' forms against cross-site
posts. It is ``Secure`` when the request came over HTTPS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from walkout.server.accounts import shoppers
from walkout.server.api import accounts
from walkout.server.api.accounts import SignUp
from walkout.server.api.guard import Guard
from walkout.server.auth.principal import Principal, Role
from walkout.web.render import page

if TYPE_CHECKING:
    from walkout.server.bootstrap import Server

COOKIE = "walkout_token"
router = APIRouter(include_in_schema=False)

HOME = {
    Role.SHOPPER: "shop",
    Role.REVIEWER: "review",
    Role.STAFF: "ops",
    Role.ADMIN: "ops",
}


class NeedsLogin(Exception):
    """No usable cookie: the page sends the browser to the sign-in page."""

    def __init__(self, next_url: str, why: str = ""):
        self.next_url, self.why = next_url, why


class Page(Guard):
    """``Depends(Page(Role.REVIEWER))``: the API's guard, on the page's cookie."""

    def __call__(self, request: Request) -> Principal:
        token = request.cookies.get(COOKIE, "").strip()
        nxt = request.url.path
        if not token:
            raise NeedsLogin(nxt)
        try:
            return self.admit(request, token)
        except HTTPException as e:
            if e.status_code == 401:
                raise NeedsLogin(nxt, "your sign-in has expired or was revoked") from None
            raise


def home_of(p: Principal, store: str) -> str:
    return f"/web/{store}/{HOME.get(p.role, 'ops')}"


def _signed_in(request: Request, token: str, to: str) -> Response:
    r = RedirectResponse(to, status_code=303)
    r.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/web",
        max_age=30 * 86400,
    )
    return r


@router.get("/web/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "", why: str = "") -> HTMLResponse:
    return page(
        request, "login.html", next=next, why=why, stores=sorted(request.app.state.server.stores)
    )


def _safe_next(nxt: str) -> str:
    return nxt if nxt.startswith("/web/") and "//" not in nxt else ""


@router.post("/web/login")
def login(
    request: Request,
    token: Annotated[str, Form(max_length=512)],
    next: Annotated[str, Form(max_length=512)] = "",
) -> Response:
    server = request.app.state.server
    p = request.app.state.tokens.principal(server, token.strip())
    if p is None or p.role is Role.DEVICE:
        return page(
            request,
            "login.html",
            status_code=401,
            next=next,
            why="That token is unknown, expired or revoked (or a device's).",
            stores=sorted(server.stores),
        )
    nxt = _safe_next(next)
    if not nxt:
        store = p.store or (sorted(server.stores)[0] if server.stores else "")
        nxt = home_of(p, store)
    return _signed_in(request, token.strip(), nxt)


@router.post("/web/logout")
def logout() -> Response:
    r = RedirectResponse("/web/login", status_code=303)
    r.delete_cookie(COOKIE, path="/web")
    return r


@router.get("/web/{store}/signup", response_class=HTMLResponse)
def signup_page(request: Request, store: str) -> HTMLResponse:
    _known(request, store)
    return page(request, "signup.html", store=store)


@router.post("/web/{store}/signup")
def signup(
    request: Request, store: str, email: Annotated[str, Form(max_length=320)] = ""
) -> Response:
    """Public, like the API's sign-up: a new account, signed in at once."""
    srv = _known(request, store)
    try:
        body = SignUp(email=email.strip() or None)
    except ValidationError:
        return page(
            request,
            "signup.html",
            status_code=422,
            store=store,
            why="That is not an email address.",
        )
    try:
        accounts.limit(srv.signups, accounts.client_of(request))
    except HTTPException as e:
        return page(request, "signup.html", status_code=429, store=store, why=e.detail)
    try:
        _acc, token = shoppers.sign_up(srv.payments.ctx, store, body.email)
    except shoppers.AccountConflict as e:
        return page(request, "signup.html", status_code=409, store=store, why=str(e))
    return _signed_in(request, token, f"/web/{store}/shop")


def _known(request: Request, store: str) -> Server:
    srv: Server = request.app.state.server
    if store not in srv.stores:
        raise HTTPException(404, f"no store {store!r} on this server")
    return srv


def login_redirect(exc: NeedsLogin) -> RedirectResponse:
    url = f"/web/login?next={quote(exc.next_url)}"
    if exc.why:
        url += f"&why={quote(exc.why)}"
    return RedirectResponse(url, status_code=303)
