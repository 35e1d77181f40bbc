"""The shopper's pages: account and cards, the entry code ("bring N guests")
with the hold shown before entry, the live cart while in the store, receipts,
disputes in two taps, export and deletion. Each action calls the API's own
endpoint function with the page's principal, so what a shopper may see and do
is exactly what the API lets them."""

from __future__ import annotations

import io
import json
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from walkout.server.api import accounts, disputes, payments, visits
from walkout.server.auth.principal import Principal, Role
from walkout.server.db.visits import CredentialRow, SessionRow, ShelfEventRow
from walkout.server.payments.policy import policy_of
from walkout.server.settings import Settings
from walkout.web.auth import COOKIE, Page
from walkout.web.render import page

router = APIRouter(include_in_schema=False)
Shopper = Annotated[Principal, Depends(Page(Role.SHOPPER))]
TEST_CARDS = [
    ("pm_card_visa", "Visa •••• 4242 (test card)"),
    ("pm_card_chargeCustomerFail", "Visa •••• 0341 (declined when charged)"),
    ("pm_card_visa_chargeDeclined", "Visa •••• 0002 (refused when added)"),
]


def _srv(request: Request) -> Any:
    return request.app.state.server


def stripe_form(settings: Settings) -> dict[str, str] | None:
    """Stripe.js and the publishable key for the card form, when the store
    charges through Stripe and has the key; else the page offers test cards."""
    if settings.payment_provider != "stripe" or not settings.stripe_publishable_key:
        return None
    return {"key": settings.stripe_publishable_key, "js_url": settings.stripe_js_url}


def live_cart(request: Request, store: str, who: Principal) -> dict[str, Any] | None:
    """The open visit of this account and what the engine thinks it holds: each
    shelf event given to the visit, by its top hypothesis (takes minus puts)."""
    srv = _srv(request)
    with srv.bus.uow() as uow:
        tokens = list(
            uow.db.scalars(
                select(CredentialRow.token).where(CredentialRow.account_id == who.account)
            )
        )
        if not tokens:
            return None
        sess = uow.db.scalars(
            select(SessionRow)
            .where(
                SessionRow.store_id == store,
                SessionRow.token.in_(tokens),
                SessionRow.status == "open",
            )
            .order_by(SessionRow.t_enter.desc())
            .limit(1)
        ).first()
        if sess is None:
            return None
        held: dict[str, int] = {}
        unsure: set[str] = set()
        for e in uow.db.scalars(
            select(ShelfEventRow.data).where(
                ShelfEventRow.store_id == store, ShelfEventRow.session == sess.id
            )
        ):
            if e.get("op") not in ("take", "put") or not e.get("hypotheses"):
                continue
            sign = 1 if e["op"] == "take" else -1
            for sku, n in e["hypotheses"][0]["items"]:
                held[sku] = held.get(sku, 0) + sign * int(n)
                if e.get("review"):
                    unsure.add(sku)
        st = srv.stores[store]
        names = {p.sku: p for p in st.catalogue}
        lines = [
            {
                "sku": sku,
                "name": names[sku].name if sku in names else sku,
                "qty": q,
                "amount": q * (names[sku].price if sku in names else 0),
                "unsure": sku in unsure,
            }
            for sku, q in sorted(held.items())
            if q > 0
        ]
        return {
            "session": sess.id,
            "t_enter": sess.t_enter,
            "admits": sess.admits,
            "lines": lines,
            "total": sum(ln["amount"] for ln in lines),
        }


def _home(request: Request, store: str, who: Principal, **extra: Any) -> HTMLResponse:
    srv = _srv(request)
    acc = accounts.my_account(store, request, who)
    cards = accounts.list_cards(store, request, who)
    with srv.bus.uow() as uow:
        pol = policy_of(uow, store, srv.settings)
    return page(
        request,
        "shop_home.html",
        store=store,
        who=who,
        acc=acc,
        cards=cards,
        hold=pol.hold_amount,
        receipts=_receipts(request, store, who),
        cart=live_cart(request, store, who),
        test_cards=TEST_CARDS,
        stripe=stripe_form(srv.settings),
        provider=srv.settings.payment_provider,
        tab="home",
        **extra,
    )


@router.get("/web/{store}/shop", response_class=HTMLResponse)
def shop_home(request: Request, store: str, who: Shopper) -> HTMLResponse:
    return _home(request, store, who)


@router.post("/web/{store}/shop/cards", response_class=HTMLResponse)
def add_card(
    request: Request,
    store: str,
    who: Shopper,
    payment_method: Annotated[str | None, Form(min_length=3, max_length=128)] = None,
    setup: Annotated[str | None, Form(min_length=3, max_length=128)] = None,
) -> Response:
    """The provider's payment method id (with the fake provider: one of Stripe's
    test cards), or the card setup the Stripe card form confirmed."""
    try:
        body = accounts.NewCard(payment_method=payment_method, setup=setup)
        accounts.add_card(store, body, request, who)
    except ValidationError:
        return _home(request, store, who, card_error="Choose a card first.")
    except HTTPException as e:
        return _home(request, store, who, card_error=e.detail)
    return RedirectResponse(f"/web/{store}/shop", status_code=303)


@router.post("/web/{store}/shop/card-setup")
def card_setup(request: Request, store: str, who: Shopper) -> JSONResponse:
    """The Stripe card form's first step (``static/card.js``): a setup for
    Stripe.js to confirm with the card typed in. JSON, for the page's script."""
    try:
        st = accounts.start_card_setup(store, request, who)
    except HTTPException as e:
        return JSONResponse({"error": e.detail}, status_code=e.status_code)
    return JSONResponse({"id": st.id, "client_secret": st.client_secret})


@router.post("/web/{store}/shop/entry", response_class=HTMLResponse)
def entry_code(
    request: Request,
    store: str,
    who: Shopper,
    guests: Annotated[int, Form(ge=0, le=15)] = 0,
) -> HTMLResponse:
    """A signed single-use code for the shopper and ``guests`` more people."""
    try:
        code = accounts.new_entry_code(
            store, accounts.NewEntryCode(admits=guests + 1), request, who
        )
    except HTTPException as e:
        return _home(request, store, who, entry_error=e.detail)
    buf = io.BytesIO()
    segno.make(code.code, error="m").save(
        buf, kind="svg", scale=6, border=2, xmldecl=False, svgns=True
    )
    return _home(request, store, who, code=code, qr_svg=buf.getvalue().decode(), guests=guests)


def _receipts(request: Request, store: str, who: Principal) -> list[dict[str, Any]]:
    with _srv(request).bus.uow() as uow:
        recs = visits.list_receipts(store, uow, who, status=None, limit=50)
    return sorted(recs, key=lambda r: -r["t_exit"])


@router.get("/web/{store}/shop/live", response_class=HTMLResponse)
def live_fragment(request: Request, store: str, who: Shopper) -> HTMLResponse:
    """The live cart and the receipts: htmx polls this every few seconds."""
    return page(
        request,
        "shop_live.html",
        store=store,
        who=who,
        cart=live_cart(request, store, who),
        receipts=_receipts(request, store, who),
    )


def _receipt_page(
    request: Request, store: str, session: str, who: Principal, **extra: Any
) -> HTMLResponse:
    bill = payments.itemized_receipt(store, session, request, who)
    mine = [
        d
        for d in disputes.list_disputes(store, request, who, status=None, limit=1000)
        if d.session == session
    ]
    opened_id = extra.pop("opened_id", "")
    return page(
        request,
        "shop_receipt.html",
        store=store,
        who=who,
        bill=bill,
        disputes=mine,
        opened=next((d for d in mine if d.id == opened_id), None),
        names={p.sku: p.name for p in _srv(request).stores[store].catalogue},
        session=session,
        tab="receipts",
        **extra,
    )


@router.get("/web/{store}/shop/receipts/{session}", response_class=HTMLResponse)
def receipt(
    request: Request, store: str, session: str, who: Shopper, opened: str = ""
) -> HTMLResponse:
    """``opened``: the dispute just made, whose outcome the page leads with."""
    return _receipt_page(request, store, session, who, opened_id=opened)


@router.get(
    "/web/{store}/shop/receipts/{session}/lines/{line}/dispute", response_class=HTMLResponse
)
def dispute_form(
    request: Request, store: str, session: str, line: int, who: Shopper
) -> HTMLResponse:
    """The first tap: what would be disputed, and the button that does it."""
    bill = payments.itemized_receipt(store, session, request, who)
    ln = next((x for x in bill.lines if x.n == line), None)
    if ln is None:
        raise HTTPException(404, f"no line {line} on this receipt")
    return page(
        request, "shop_dispute.html", store=store, who=who, session=session, ln=ln, bill=bill
    )


@router.post(
    "/web/{store}/shop/receipts/{session}/lines/{line}/dispute", response_class=HTMLResponse
)
def dispute(
    request: Request,
    store: str,
    session: str,
    line: int,
    who: Shopper,
    qty: Annotated[int | None, Form(ge=1, le=1000)] = None,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> HTMLResponse:
    """The second tap: the dispute is opened and its outcome shown."""
    try:
        d = disputes.open_dispute(
            store,
            session,
            disputes.NewDispute(line=line, qty=qty, reason=reason or None),
            request,
            who,
        )
    except HTTPException as e:
        return _receipt_page(request, store, session, who, dispute_error=e.detail)
    return RedirectResponse(  # type: ignore[return-value]
        f"/web/{store}/shop/receipts/{session}?opened={d.id}", status_code=303
    )


@router.post("/web/{store}/shop/receipts/{session}/pay", response_class=HTMLResponse)
def pay(request: Request, store: str, session: str, who: Shopper) -> Response:
    """An unpaid (declined) receipt, paid again with the account's current card."""
    try:
        payments.settle(store, session, request, who)
    except HTTPException as e:
        if e.status_code != 409:
            raise
        return _receipt_page(request, store, session, who, pay_error=e.detail)
    return RedirectResponse(f"/web/{store}/shop/receipts/{session}", status_code=303)


@router.get("/web/{store}/shop/privacy", response_class=HTMLResponse)
def privacy_page(request: Request, store: str, who: Shopper) -> HTMLResponse:
    return page(request, "shop_privacy.html", store=store, who=who, tab="privacy")


@router.get("/web/{store}/shop/export")
def export(request: Request, store: str, who: Shopper) -> Response:
    data = accounts.export_my_data(store, request, who)
    return Response(
        json.dumps(data.model_dump(mode="json"), indent=1),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="walkout-my-data.json"'},
    )


@router.post("/web/{store}/shop/delete", response_class=HTMLResponse)
def delete(
    request: Request,
    store: str,
    who: Shopper,
    confirm: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if confirm.strip().lower() != "delete my account":
        return page(
            request,
            "shop_privacy.html",
            status_code=422,
            store=store,
            who=who,
            tab="privacy",
            error='Type "delete my account" to confirm.',
        )
    try:
        accounts.delete_me(store, accounts.DeleteMe(confirm="delete my account"), request, who)
    except HTTPException as e:
        return page(
            request,
            "shop_privacy.html",
            status_code=e.status_code,
            store=store,
            who=who,
            tab="privacy",
            error=e.detail,
        )
    r = page(request, "shop_deleted.html", store=store)
    r.delete_cookie(COOKIE, path="/web")
    return r
