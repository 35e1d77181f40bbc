"""The store operations dashboard: the live floor plan (fixtures coloured by
stock, anonymous dots for people), alerts and staff tasks to claim and close,
analytics, and the store's settings. Staff and admins see it; only staff work
the queues and only admins change settings, as in the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from walkout.server.api import staff as staff_api
from walkout.server.api import store_settings
from walkout.server.auth.principal import Principal, Role
from walkout.server.service import queues
from walkout.web import svg
from walkout.web.analytics import figures
from walkout.web.auth import Page
from walkout.web.layouts import layout_of
from walkout.web.render import clock, page
from walkout.web.stock import stock_now

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(Page(Role.STAFF, Role.ADMIN))]
Staff = Annotated[Principal, Depends(Page(Role.STAFF))]
Admin = Annotated[Principal, Depends(Page(Role.ADMIN))]
Queue = Annotated[str, Path(pattern="^(tasks|alerts)$")]


def _srv(request: Request) -> Any:
    return request.app.state.server


def people_in_store(request: Request, store: str) -> list[tuple[float, float]]:
    """Where the tracker last saw each person (no ids, no faces): the store engine's
    live tracks. Read from the engine thread's buffer, so retried if it changes
    under us."""
    w = _srv(request).workers.get(store)
    eng = getattr(w, "engine", None)
    if eng is None:
        return []
    for _ in range(3):
        try:
            tracks = list(eng.tracks.tracks.values())
            latest = eng.tracks.latest_t
            return [
                (float(t.last_xy[0]), float(t.last_xy[1]))
                for t in tracks
                if t.last_t >= latest - 1.0
            ]
        except RuntimeError:  # the dict changed size while we copied it
            continue
    return []


def _floor(request: Request, store: str, who: Principal) -> dict[str, Any]:
    srv = _srv(request)
    st = srv.stores[store]
    layout = layout_of(st)
    with srv.bus.uow() as uow:
        stock = stock_now(srv, uow.db, st)
        tasks = staff_api.list_items(store, "tasks", uow, who, status=None, limit=200)
        alerts = staff_api.list_items(store, "alerts", uow, who, status=None, limit=200)
    names = {p.sku: p.name for p in st.catalogue}
    worst: dict[str, float] = {}
    lines: dict[str, list[str]] = {}
    for f in stock:
        worst[f.fixture] = min(worst.get(f.fixture, 1.0), f.fraction)
        lines.setdefault(f.fixture, []).append(f"{names.get(f.sku, f.sku)}: {f.units}/{f.capacity}")
    fill = {fx: svg.stock_colour(v) for fx, v in worst.items()}
    title = {fx: f"{fx}\n" + "\n".join(ls) for fx, ls in lines.items()}
    flagged = [
        a["data"].get("fixture")
        for a in alerts
        if a["status"] != "closed" and isinstance(a.get("data"), dict)
    ]
    people = people_in_store(request, store)
    low = sorted((f for f in stock if f.fraction <= 0.35), key=lambda f: f.fraction)
    return {
        "plan": svg.floor_plan(layout, fill, title, people, flagged=[f for f in flagged if f]),
        "people": len(people),
        "tasks": [t for t in tasks if t["status"] != "closed"][::-1],
        "alerts": [a for a in alerts if a["status"] != "closed"][::-1],
        "closed": sorted(
            [
                x
                for x in tasks + alerts
                if x["status"] == "closed" and x["note"] != queues.RESOLUTION  # not its resolution
            ],
            key=lambda x: -x["t"],
        )[:10],
        "low": [(names.get(f.sku, f.sku), f) for f in low[:12]],
        "now": srv.clock(),
    }


@router.get("/web/{store}/ops", response_class=HTMLResponse)
def ops_home(request: Request, store: str, who: Viewer) -> HTMLResponse:
    return page(
        request, "ops_home.html", store=store, who=who, tab="floor", **_floor(request, store, who)
    )


@router.get("/web/{store}/ops/live", response_class=HTMLResponse)
def ops_live(request: Request, store: str, who: Viewer) -> HTMLResponse:
    """The floor plan and the queues: htmx polls this every 2 s."""
    return page(request, "ops_live.html", store=store, who=who, **_floor(request, store, who))


@router.post("/web/{store}/ops/{queue}/{item}/claim", response_class=HTMLResponse)
def claim(request: Request, store: str, queue: Queue, item: str, who: Staff) -> Response:
    with _srv(request).bus.uow() as uow:
        staff_api.claim_item(store, queue, item, uow, who)
    return _after(request, store, who)


@router.post("/web/{store}/ops/{queue}/{item}/close", response_class=HTMLResponse)
def close(
    request: Request,
    store: str,
    queue: Queue,
    item: str,
    who: Staff,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    with _srv(request).bus.uow() as uow:
        staff_api.close_item(store, queue, item, staff_api.Closing(note=note or None), uow, who)
    return _after(request, store, who)


@router.post("/web/{store}/ops/tasks/{item}/verify-id", response_class=HTMLResponse)
def verify_id(
    request: Request,
    store: str,
    item: str,
    who: Staff,
    verified: Annotated[str, Form(pattern="^(yes|no)$")],
) -> Response:
    """The ID-check buttons: the answer goes to the store's log (as the API's)."""
    with _srv(request).bus.uow() as uow:
        staff_api.verify_id(
            store, item, staff_api.IdAnswer(verified=verified == "yes"), request, uow, who
        )
    return _after(request, store, who)


def _after(request: Request, store: str, who: Principal) -> Response:
    if request.headers.get("hx-request"):
        return ops_live(request, store, who)
    return RedirectResponse(f"/web/{store}/ops", status_code=303)


@router.get("/web/{store}/ops/analytics", response_class=HTMLResponse)
def analytics(request: Request, store: str, who: Viewer) -> HTMLResponse:
    srv = _srv(request)
    st = srv.stores[store]
    with srv.bus.uow() as uow:
        f = figures(uow.db, st)
    cur = st.currency

    def t_fmt(t: float) -> str:
        return clock(t, st, "%H:%M")

    plots = {
        "sales": svg.bar_chart(
            f.sales_by_hour, y_fmt=lambda v: f"{v:.0f}", title=f"sales by hour of day ({cur})"
        ),
        "top": svg.hbar_chart(f.top_sellers, y_fmt=lambda v: f"{v:.0f}"),
        "basket": svg.bar_chart(f.basket_sizes, title="receipts by units bought"),
        "visits": svg.line_plot(
            [("visits", f.visits_over_time)],
            x_fmt=t_fmt,
            zero_y=True,
            title=f"visits per {f.bucket_s / 60:.0f} min",
        ),
        "review": svg.line_plot(
            [("review rate", f.review_rate_over_time)],
            x_fmt=t_fmt,
            zero_y=True,
            y_fmt=lambda v: f"{100 * v:.0f}%",
            title="receipts sent to review",
        ),
        "latency": svg.line_plot(
            [("engine", f.latency_engine), ("review", f.latency_review)],
            x_fmt=t_fmt,
            zero_y=True,
            y_fmt=lambda v: f"{svg.num(v)}s",
            title="receipt after exit (s)",
        ),
    }
    return page(
        request, "ops_analytics.html", store=store, who=who, f=f, plots=plots, tab="analytics"
    )


@router.get("/web/{store}/ops/settings", response_class=HTMLResponse)
def settings_page(request: Request, store: str, who: Viewer) -> HTMLResponse:
    return _settings(request, store, who)


def _settings(request: Request, store: str, who: Principal, **extra: Any) -> HTMLResponse:
    srv = _srv(request)
    with srv.bus.uow() as uow:
        s = store_settings.read_settings(uow, request, store)
    return page(
        request,
        "ops_settings.html",
        store=store,
        who=who,
        s=s,
        checks=store_settings.AGE_CHECKS,
        tab="settings",
        **extra,
    )


@router.post("/web/{store}/ops/settings", response_class=HTMLResponse)
async def change_settings(request: Request, store: str, who: Admin) -> Response:
    """Money is typed in major units (2.50) and stored in minor units."""
    form = await request.form()
    try:
        body = store_settings.SettingsChange(
            review_threshold=float(str(form["review_threshold"])),
            age_check=str(form["age_check"]),  # type: ignore[arg-type]
            hold_amount=round(float(str(form["hold_amount"])) * 100),
            dispute_auto_refund_max=round(float(str(form["dispute_auto_refund_max"])) * 100),
        )
    except (KeyError, ValueError, ValidationError) as e:
        msg = (
            e.errors()[0]["msg"]
            if isinstance(e, ValidationError)
            else "fill in every field with a number"
        )
        return _settings(request, store, who, error=msg)
    srv = _srv(request)
    if store not in srv.stores:
        raise HTTPException(404, f"no store {store!r}")
    with srv.bus.uow() as uow:
        store_settings.change_settings(uow, request, store, who.token_id, body)
    return _settings(request, store, who, saved=True)
