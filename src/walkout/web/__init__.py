"""The browser pages of Walkout: the shopper's, the review console and the
store operations dashboard. An adapter on the store server (it imports the
server and the core; neither imports it), mounted on the server's FastAPI
app by ``mount``. Server-rendered Jinja2 templates, plots as server-made SVG,
and htmx (vendored in ``static/``, no CDN) for the parts that update live."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from walkout.web import auth, ops, review, shopper
from walkout.web.render import page

PAGES = (auth, shopper, review, ops)


def mount(app: FastAPI) -> None:
    """Add the pages under ``/web`` (``create_app(server, extensions=[mount])``)."""
    for mod in PAGES:
        app.include_router(mod.router)
    app.mount(
        "/web/static",
        StaticFiles(directory=str(files("walkout.web") / "static")),
        name="web-static",
    )

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/web/login", status_code=307)

    @app.exception_handler(auth.NeedsLogin)
    async def _login(request: Request, exc: auth.NeedsLogin) -> Response:
        return auth.login_redirect(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _refused(request: Request, exc: StarletteHTTPException) -> Response:
        if not request.url.path.startswith("/web/"):
            return await http_exception_handler(request, exc)
        title = {403: "Not your page", 404: "Not found"}.get(exc.status_code, "Refused")
        return page(
            request,
            "refused.html",
            status_code=exc.status_code,
            title=title,
            detail=exc.detail,
            home=_home_of_cookie(request),
        )


def _home_of_cookie(request: Request) -> str:
    """Where "Go to your pages" leads on a refusal: the signed-in role's home
    (in its own store), or the sign-in page."""
    token = request.cookies.get(auth.COOKIE, "").strip()
    server = request.app.state.server
    p = request.app.state.tokens.principal(server, token) if token else None
    if p is None or p.role not in auth.HOME:
        return "/web/login"
    store = p.store or request.path_params.get("store") or min(server.stores, default="")
    return auth.home_of(p, store) if store else "/web/login"
