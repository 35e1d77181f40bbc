"""The review console: the queue (shoppers waiting first), a task's evidence
(weight traces, the shelf from above with hands, ranked choices, product
images), keyboard shortcuts, and the decision, which finalizes the receipt at
once through the API's own endpoint (and is kept as a labelled example)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from walkout.server.api import disputes as disputes_api
from walkout.server.api import review as api
from walkout.server.auth.principal import Principal, Role
from walkout.server.db.queues import ReviewTaskRow
from walkout.server.db.visits import ShelfEventRow
from walkout.server.service.outputs import receipt_lines
from walkout.server.service.review import DecidedLine, Decision, EventLabel
from walkout.web import svg
from walkout.web.auth import Page
from walkout.web.layouts import layout_of
from walkout.web.render import page
from walkout.web.review_data import choices, lines_after, queue, reviewer_stats

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[Principal, Depends(Page(Role.REVIEWER))]


def _srv(request: Request) -> Any:
    return request.app.state.server


@router.get("/web/{store}/review", response_class=HTMLResponse)
def review_home(request: Request, store: str, who: Reviewer) -> HTMLResponse:
    srv = _srv(request)
    with srv.bus.uow() as uow:
        q = queue(uow.db, store)
        stats = reviewer_stats(uow.db, store)
    now = srv.clock()
    return page(
        request,
        "review_home.html",
        store=store,
        who=who,
        queue=q,
        stats=stats,
        now=now,
        tab="queue",
    )


@router.get("/web/{store}/review/queue", response_class=HTMLResponse)
def queue_fragment(request: Request, store: str, who: Reviewer) -> HTMLResponse:
    srv = _srv(request)
    with srv.bus.uow() as uow:
        q = queue(uow.db, store)
    return page(request, "review_queue.html", store=store, who=who, queue=q, now=srv.clock())


@router.post("/web/{store}/review/next")
def take_next(request: Request, store: str, who: Reviewer) -> Response:
    """Claim the most urgent free task (the queue's order) and open it."""
    srv = _srv(request)
    with srv.bus.uow() as uow:
        order = [it.task.id for it in queue(uow.db, store)]
    for tid in order:
        try:
            with srv.bus.uow() as uow:
                api.claim_task(store, tid, request, uow, who)
        except HTTPException:
            continue  # another reviewer holds it
        return RedirectResponse(f"/web/{store}/review/tasks/{tid}", status_code=303)
    return RedirectResponse(f"/web/{store}/review?empty=1", status_code=303)


@router.post("/web/{store}/review/tasks/{task}/claim")
def claim(request: Request, store: str, task: str, who: Reviewer) -> Response:
    with _srv(request).bus.uow() as uow:
        api.claim_task(store, task, request, uow, who)
    return RedirectResponse(f"/web/{store}/review/tasks/{task}", status_code=303)


def _evidence(
    request: Request, store: str, ids: list[str], evidence: dict[str, Any], t: float
) -> list[dict[str, Any]]:
    """Each event of the task with its plots and choices, ready for the template."""
    srv = _srv(request)
    st = srv.stores[store]
    layout = layout_of(st)
    products = {p.sku: p for p in st.catalogue}
    out = []
    with srv.bus.uow() as uow:
        for eid in ids:
            er = uow.get(ShelfEventRow, store, eid)
            ev = er.data if er is not None else {}
            evid = evidence.get(eid, {})
            t0 = float(ev.get("t_start", t))

            def rel(t: float, t0: float = t0) -> str:
                return f"{t - t0:+.1f}s"

            traces = [
                (pid, [(float(q[0]), float(q[1])) for q in pts])
                for pid, pts in sorted(evid.get("plates", {}).items())
            ]
            plot = svg.line_plot(
                traces,
                width=560,
                height=200,
                x_fmt=rel,
                y_label="grams",
                spans=[(t0, float(ev.get("t_end", t0)))],
                title="plate weights around the event",
            )
            track_session = {
                a.get("track"): a.get("session")
                for a in ev.get("attribution", [])
                if a.get("track")
            }
            who_p = evid.get("who", {})
            labels = {
                tid: f"{track_session.get(tid) or 'no visit'} {100 * float(who_p.get(tid, 0)):.0f}%"
                for tid in evid.get("hands", {})
            }
            fixture = ev.get("fixture")
            shelfmap = (
                svg.shelf_map(
                    layout, fixture, list(ev.get("plates", {})), evid.get("hands", {}), labels
                )
                if fixture in {f.id for f in layout.fixtures}
                else ""
            )
            opts = [
                {
                    "parts": [
                        {
                            "sku": s,
                            "qty": k,
                            "name": products[s].name if s in products else "unknown product",
                            "image": products[s].image if s in products else None,
                        }
                        for s, k in c.items
                    ],
                    "session": c.session,
                    "p": c.p,
                    "value": i,
                }
                for i, c in enumerate(choices(ev))
            ]
            out.append(
                {
                    "id": eid,
                    "ev": ev,
                    "plot": plot,
                    "map": shelfmap,
                    "options": opts,
                    "when": t0,
                }
            )
    return out


@router.get("/web/{store}/review/tasks/{task}", response_class=HTMLResponse)
def task_page(request: Request, store: str, task: str, who: Reviewer) -> HTMLResponse:
    srv = _srv(request)
    with srv.bus.uow() as uow:
        view = api.get_task(store, task, uow, who)
        row = uow.get(ReviewTaskRow, store, task)
        parts = (list(row.events), dict(row.evidence or {}), row.t) if row is not None else None
    now = datetime.fromtimestamp(srv.clock(), UTC)
    until = datetime.fromisoformat(view["lease_until"]) if view["lease_until"] else None
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=UTC)  # SQLite gives naive datetimes back
    mine = view["claimed_by"] == who.token_id and (until is None or until > now)
    return page(
        request,
        "review_task.html",
        store=store,
        who=who,
        task=view,
        events=_evidence(request, store, *parts) if parts else [],
        mine=mine,
        names=_names(request, store),
        tab="task",
    )


@router.post("/web/{store}/review/tasks/{task}/decision", response_class=HTMLResponse)
async def decide(request: Request, store: str, task: str, who: Reviewer) -> Response:
    """The form's pick per event (``ev-<id>`` = the choice's index) becomes the
    receipt's lines and the events' labels; the API's decision endpoint does the rest."""
    form = await request.form()
    srv = _srv(request)
    with srv.bus.uow() as uow:
        row = uow.get(ReviewTaskRow, store, task)
        if row is None:
            raise HTTPException(404, f"no review task {task!r}")
        events = {
            eid: (r.data if (r := uow.get(ShelfEventRow, store, eid)) is not None else {})
            for eid in row.events
        }
        current = {
            ln.sku: ln.qty for ln in (receipt_lines(uow, store, row.session) if row.session else [])
        }
        session = row.session
    picked = {}
    for eid, ev in events.items():
        opts = choices(ev)
        try:
            k = int(str(form.get(f"ev-{eid}", "0")))
        except ValueError:
            k = 0
        if opts:
            picked[eid] = opts[min(max(k, 0), len(opts) - 1)]
    lines = lines_after(session, current, events, picked)
    decision = Decision(
        lines=[DecidedLine(sku=s, qty=q) for s, q in lines.items()],
        events={
            eid: EventLabel(items=[(s, k) for s, k in c.items if s != "?"], session=c.session)
            for eid, c in picked.items()
        },
        note=str(form.get("note", "")).strip() or None,
    )
    try:
        with srv.bus.uow() as uow:
            out = api.decide_task(store, task, decision, request, uow, who)
    except HTTPException as e:
        if e.status_code != 409:
            raise
        return page(
            request,
            "refused.html",
            status_code=409,
            store=store,
            who=who,
            title="Not decided",
            detail=e.detail,
            home=f"/web/{store}/review",
        )
    return page(
        request,
        "review_done.html",
        store=store,
        who=who,
        task=task,
        receipt=out["receipt"],
        names=_names(request, store),
        tab="task",
    )


@router.get("/web/{store}/review/disputes", response_class=HTMLResponse)
def disputes_page(request: Request, store: str, who: Reviewer, done: str = "") -> HTMLResponse:
    """Disputes above the store's auto-refund limit, waiting for a reviewer."""
    waiting = disputes_api.list_disputes(store, request, who, status="review", limit=200)
    decided = None
    if done:
        decided = disputes_api.get_dispute(store, done, request, who)
    return page(
        request,
        "review_disputes.html",
        store=store,
        who=who,
        disputes=waiting,
        decided=decided,
        names=_names(request, store),
        tab="disputes",
    )


@router.get("/web/{store}/review/disputes/{dispute}", response_class=HTMLResponse)
def dispute_page(request: Request, store: str, dispute: str, who: Reviewer) -> HTMLResponse:
    """The dispute with the shelf events behind its line (what the engine saw)."""
    d = disputes_api.get_dispute(store, dispute, request, who)
    return page(
        request,
        "review_dispute.html",
        store=store,
        who=who,
        d=d,
        names=_names(request, store),
        tab="disputes",
    )


@router.post("/web/{store}/review/disputes/{dispute}/decision")
def decide_dispute(
    request: Request,
    store: str,
    dispute: str,
    who: Reviewer,
    accept: Annotated[bool, Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Accept (refund) or reject, with a note the shopper sees."""
    disputes_api.decide_dispute(
        store,
        dispute,
        disputes_api.DisputeDecision(accept=accept, note=note or None),
        request,
        who,
    )
    return RedirectResponse(f"/web/{store}/review/disputes?done={dispute}", status_code=303)


def _names(request: Request, store: str) -> dict[str, str]:
    return {p.sku: p.name for p in _srv(request).stores[store].catalogue}
