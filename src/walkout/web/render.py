"""Templates (Jinja2, shipped in the package) and the filters pages share:
money in the store's locale, times in the store's time zone."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from walkout.domain.money import format_money
from walkout.domain.store import Store


@cache
def env() -> Environment:
    e = Environment(
        loader=PackageLoader("walkout.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    e.filters["pct"] = lambda x, d=1: "–" if x is None else f"{100 * x:.{d}f} %"
    e.filters["svg"] = lambda s: Markup(s)  # SVG made by walkout.web.svg, escaped there
    return e


def money(minor: int | None, st: Store) -> str:
    return "–" if minor is None else format_money(minor, st.currency, st.locale)


def clock(t: float | None, st: Store, fmt: str = "%H:%M:%S") -> str:
    if t is None:
        return "–"
    return datetime.fromtimestamp(t, zoneinfo.ZoneInfo(st.timezone)).strftime(fmt)


def render(name: str, **ctx: Any) -> str:
    return env().get_template(name).render(**ctx)


def page(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """A whole page, or (for htmx's requests) the same template: templates that
    are fragments extend nothing."""
    store = ctx.get("store")
    srv = request.app.state.server
    st = srv.stores.get(store) if isinstance(store, str) else None
    ctx.setdefault("st", st)
    ctx.setdefault("money", (lambda m: money(m, st)) if st else (lambda m: str(m)))
    ctx.setdefault("clock", (lambda t, fmt="%H:%M:%S": clock(t, st, fmt)) if st else str)
    ctx.setdefault("who", None)
    return HTMLResponse(render(name, request=request, **ctx), status_code=status_code)
