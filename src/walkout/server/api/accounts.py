"""Shoppers: sign up, cards (held by the payment provider), entry codes, their
data exported or deleted. Everything but sign-up is the shopper's own (``/me``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from walkout.server.accounts import privacy, shoppers
from walkout.server.accounts.gate import standing
from walkout.server.api.deps import known_store, server_of
from walkout.server.api.guard import Guard
from walkout.server.auth.principal import Principal, Role
from walkout.server.db.system import AccountRow
from walkout.server.limits import Window, span
from walkout.server.payments.context import PaymentsContext
from walkout.server.payments.port import CardDeclined, ProviderError

router = APIRouter(tags=["accounts and entry"])
Shopper = Annotated[Principal, Depends(Guard(Role.SHOPPER))]


def pay_of(request: Request) -> PaymentsContext:
    return server_of(request).payments.ctx


def limit(window: Window, key: str) -> None:
    """429 with ``Retry-After`` when ``key`` is over the window's limit."""
    wait = window.wait_s(key)
    if wait > 0:
        raise HTTPException(
            429,
            f"too many {window.what}: at most {window.n} per {span(window.per_s)}; "
            f"try again in {wait:.0f} s",
            headers={"Retry-After": str(max(1, round(wait)))},
        )


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(
        default=None,
        max_length=320,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="optional; unique",
    )


class SignedUp(BaseModel):
    account: str
    token: str = Field(description="the shopper's bearer token for this store; shown once")


class Account(BaseModel):
    id: str
    email: str | None
    status: str
    created_at: datetime
    may_enter: bool
    refused_because: str | None


class NewCard(BaseModel):
    """One of the two: a payment method the app made with the provider's SDK, or
    the card setup the browser confirmed (``POST /me/card-setups``)."""

    model_config = ConfigDict(extra="forbid")
    payment_method: str | None = Field(
        default=None,
        min_length=3,
        max_length=128,
        description="the provider's payment method id (pm_...) the app created",
    )
    setup: str | None = Field(
        default=None,
        min_length=3,
        max_length=128,
        description="a card setup (seti_...) the browser confirmed with Stripe.js",
    )

    @model_validator(mode="before")
    @classmethod
    def _one_of_the_two(cls, data: Any) -> Any:
        """Before the fields, so that a misspelt field is told what is wanted."""
        if isinstance(data, dict):
            given = [k for k in ("payment_method", "setup") if data.get(k) is not None]
            if len(given) != 1:
                raise ValueError("give payment_method or setup, not both or neither")
        return data


class CardSetupView(BaseModel):
    id: str = Field(
        description="the provider's setup (seti_...): post it to /me/cards once confirmed"
    )
    client_secret: str = Field(
        description="for Stripe.js confirmCardSetup in the shopper's browser"
    )
    publishable_key: str | None = Field(description="the store's Stripe publishable key (pk_...)")


class CardView(BaseModel):
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    default: bool


class NewEntryCode(BaseModel):
    model_config = ConfigDict(extra="forbid")
    admits: int = Field(default=1, ge=1, le=16, description="people the code lets in: a group of N")


class EntryCodeView(BaseModel):
    code: str = Field(description="show it as a QR code at the gate")
    admits: int
    expires_at: float
    expires_in_s: float


class DeleteMe(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm: Literal["delete my account"] = Field(description='exactly "delete my account"')


class Deleted(BaseModel):
    account: str
    status: str
    anonymized: dict[str, int]


@router.post("/api/stores/{store}/signup", status_code=201, response_model=SignedUp)
def sign_up(store: str, body: SignUp, request: Request) -> SignedUp:
    """Public, like any shop's sign-up page: a new account and its shopper token
    (``signups_per_hour`` per client address)."""
    known_store(server_of(request), store)
    limit(server_of(request).signups, client_of(request))
    try:
        acc, token = shoppers.sign_up(pay_of(request), store, body.email)
    except shoppers.AccountConflict as e:
        raise HTTPException(409, str(e)) from None
    return SignedUp(account=acc.id, token=token)


@router.get("/api/stores/{store}/me", response_model=Account)
def my_account(store: str, request: Request, who: Shopper) -> Account:
    ctx = pay_of(request)
    with ctx.uow() as uow:
        acc = uow.get(AccountRow, who.account)
        if acc is None:
            raise HTTPException(404, "no such account")
        why = standing(uow, acc.id)
        return Account(
            id=acc.id,
            email=acc.email,
            status=acc.status,
            created_at=acc.created_at,
            may_enter=why is None,
            refused_because=why,
        )


@router.post("/api/stores/{store}/me/cards", status_code=201, response_model=CardView)
def add_card(store: str, body: NewCard, request: Request, who: Shopper) -> CardView:
    ctx = pay_of(request)
    with ctx.uow() as uow:
        acc = uow.get(AccountRow, who.account)
        email = acc.email if acc else None
    try:
        row = shoppers.add_card(ctx, who.account or "", email, body.payment_method, body.setup)
    except CardDeclined as e:
        raise HTTPException(402, f"card refused by the payment provider: {e}") from None
    except shoppers.AccountConflict as e:
        raise HTTPException(409, str(e)) from None
    except ProviderError as e:
        raise _provider_refusal(e, body.setup) from None
    return _card(row)


def _provider_refusal(e: ProviderError, setup: str | None = None) -> HTTPException:
    if e.code == "not_found" and setup is not None:  # another account's setup looks like none
        return HTTPException(404, f"no card setup {setup!r} on your account")
    if e.code == "setup_unconfirmed":
        return HTTPException(409, f"payment provider: {e}")
    return HTTPException(503 if e.retry else 422, f"payment provider: {e}")


@router.post("/api/stores/{store}/me/card-setups", status_code=201, response_model=CardSetupView)
def start_card_setup(store: str, request: Request, who: Shopper) -> CardSetupView:
    """A setup for a new card (Stripe's SetupIntent, off-session use). The
    browser confirms it with Stripe.js (``confirmCardSetup(client_secret,
    {payment_method: {card}})``): the card number goes to the provider only.
    Then ``POST /me/cards {"setup": id}`` saves the card on the account.
    Each is an object at the provider, so an account may start
    ``card_setups_per_hour``."""
    limit(server_of(request).card_setups, who.account or who.token_id)
    ctx = pay_of(request)
    with ctx.uow() as uow:
        acc = uow.get(AccountRow, who.account)
        email = acc.email if acc else None
    try:
        st = shoppers.start_card_setup(ctx, who.account or "", email)
    except ProviderError as e:
        raise _provider_refusal(e) from None
    return CardSetupView(
        id=st.id,
        client_secret=st.client_secret,
        publishable_key=ctx.settings.stripe_publishable_key,
    )


def _card(r: Any) -> CardView:
    return CardView(
        id=r.id,
        brand=r.brand,
        last4=r.last4,
        exp_month=r.exp_month,
        exp_year=r.exp_year,
        default=r.is_default,
    )


@router.get("/api/stores/{store}/me/cards", response_model=list[CardView])
def list_cards(store: str, request: Request, who: Shopper) -> list[CardView]:
    return [_card(r) for r in shoppers.cards(pay_of(request), who.account or "")]


@router.delete("/api/stores/{store}/me/cards/{card}", status_code=204)
def remove_card(store: str, card: str, request: Request, who: Shopper) -> None:
    try:
        shoppers.remove_card(pay_of(request), who.account or "", card)
    except KeyError:
        raise HTTPException(404, f"no card {card!r} on your account") from None
    except ProviderError as e:
        raise HTTPException(503, f"payment provider: {e}") from None


@router.post("/api/stores/{store}/me/entry-codes", status_code=201, response_model=EntryCodeView)
def new_entry_code(store: str, body: NewEntryCode, request: Request, who: Shopper) -> EntryCodeView:
    """A signed, single-use code for the gate; it expires after ``entry_code_ttl_s``."""
    ctx = pay_of(request)
    known_store(server_of(request), store)
    with ctx.uow() as uow:
        why = standing(uow, who.account or "")
    if why:
        raise HTTPException(409, f"you cannot enter now: {why}")
    text, row = shoppers.issue_code(ctx, store, who.account or "", body.admits)
    return EntryCodeView(
        code=text,
        admits=row.admits,
        expires_at=row.expires_at,
        expires_in_s=row.expires_at - ctx.now(),
    )


Rows = list[dict[str, Any]]


class AccountExport(BaseModel):
    """Every table's rows about the account, as stored (docs/server.md, Privacy)."""

    format: Literal["walkout-account-export/1"]
    exported_at: str
    account: dict[str, Any]
    tokens: Rows = Field(description="without their hashes")
    payment_profile: Rows
    payment_methods: Rows
    credentials: Rows
    entry_codes: Rows
    gate_decisions: Rows
    sessions: Rows
    receipts: Rows = Field(description="with their lines")
    charges: Rows
    holds: Rows
    refunds: Rows
    disputes: Rows


@router.get("/api/stores/{store}/me/export", response_model=AccountExport)
def export_my_data(store: str, request: Request, who: Shopper) -> AccountExport:
    """All the data we hold about you, every store, as JSON (the right of access)."""
    return AccountExport.model_validate(privacy.export(pay_of(request), who.account or ""))


@router.delete("/api/stores/{store}/me", response_model=Deleted)
def delete_me(store: str, body: DeleteMe, request: Request, who: Shopper) -> Deleted:
    """Delete your account: personal data removed, receipts kept anonymously (docs/server.md)."""
    try:
        n = privacy.delete(pay_of(request), who.account or "")
    except KeyError:
        raise HTTPException(404, "no such account") from None
    except privacy.DeleteRefused as e:
        raise HTTPException(409, str(e)) from None
    except ProviderError as e:
        raise HTTPException(503, f"payment provider: {e}") from None
    request.app.state.tokens._hits.clear()  # the revoked tokens stop at once
    return Deleted(account=who.account or "", status="deleted", anonymized=n)
