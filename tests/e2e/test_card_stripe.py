"""The Stripe card form in a phone-sized browser, against a server whose
payments go through the Stripe adapter to localstripe. The page loads Stripe.js
from localstripe (its mock, served at BASE/js.stripe.com/v3/: no CDN) and
mounts the Card Element; saving a card runs a SetupIntent the server made,
confirmed by Stripe.js, then checked and kept by the server. The card must end
up on the page and on the customer at localstripe; a declined card's error
shows on the page and saves nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

pytest.importorskip("localstripe", reason="localstripe is not installed (pip install -e '.[test]')")
import stripe
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import (
    ARTIFACTS,
    PHONE,
    browser_site_dir,
    new_page,
    no_horizontal_scroll,
    serving,
    shot,
)
from tests.fixtures.localstripe_server import localstripe
from tests.unit.server.conftest import Clock, make_settings
from walkout.server.bootstrap import Server
from walkout.server.db.payments import PaymentMethodRow, PaymentProfileRow
from walkout.server.embedded import free_port

KEY, PUBLISHABLE = "sk_test_walkout", "pk_test_walkout"
STORE = "mini"


@dataclass
class StripeSite:
    url: str
    api: str  # localstripe
    server: Server

    def stripe(self) -> stripe.StripeClient:
        return stripe.StripeClient(KEY, base_addresses={"api": self.api}, max_network_retries=0)


@pytest.fixture(scope="module")
def stripe_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StripeSite]:
    tmp, mini_file = browser_site_dir(tmp_path_factory, "e2e-stripe")
    with localstripe() as api:
        settings = make_settings(
            tmp,
            stores=[str(mini_file)],
            port=free_port(0),
            payment_provider="stripe",
            stripe_api_key=KEY,
            stripe_api_base=api,
            stripe_publishable_key=PUBLISHABLE,
            stripe_js_url=f"{api}/js.stripe.com/v3/",
        )
        with serving(settings, Clock(time.time())) as (url, server):
            yield StripeSite(url, api, server)


def _signed_up(browser: object, site: StripeSite) -> object:
    page = new_page(browser, PHONE)
    page.goto(f"{site.url}/web/{STORE}/signup")  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    assert page.url.endswith(f"/web/{STORE}/shop")  # type: ignore[attr-defined]
    return page


def _type_card(page: object, number: str) -> None:
    """Into the Card Element (localstripe's mock: one input per field; Stripe's
    own is one field in an iframe)."""
    el = page.locator("#card-element")  # type: ignore[attr-defined]
    for field, value in (
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "30"),
        ("cvc", "123"),
        ("postal_code", "10001"),
    ):
        el.locator(f"input[placeholder={field}]").fill(value)


def _account_cards(site: StripeSite) -> list[tuple[str, str, str]]:
    """(account, customer, payment method) of every card the server keeps."""
    with site.server.session_factory() as db:
        rows = db.execute(
            select(
                PaymentMethodRow.account_id,
                PaymentProfileRow.customer_id,
                PaymentMethodRow.provider_id,
            ).join(PaymentProfileRow, PaymentProfileRow.account_id == PaymentMethodRow.account_id)
        ).all()
    return [(a, c, p) for a, c, p in rows]


def test_card_saved_through_stripe_js_and_a_setup_intent(
    stripe_site: StripeSite, browser: object
) -> None:
    site = stripe_site
    page = _signed_up(browser, site)
    js = page.get_attribute("script[src*='js.stripe.com']", "src")  # type: ignore[attr-defined]
    assert js == f"{site.api}/js.stripe.com/v3/"  # localstripe's mock, no CDN
    assert page.locator("#payment_method").count() == 0  # type: ignore[attr-defined]
    expect(page.locator("#card-element input[placeholder=number]")).to_be_visible()  # type: ignore[attr-defined]
    _type_card(page, "4242424242424242")
    assert no_horizontal_scroll(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # docs/img/card-stripe.png is this one
    page.locator("#cards").screenshot(path=str(ARTIFACTS / "card-stripe.png"))  # type: ignore[attr-defined]
    before = set(_account_cards(site))
    page.click("#add-card")  # type: ignore[attr-defined]
    expect(page.locator("#cards li").first).to_contain_text("Visa •••• 4242")  # type: ignore[attr-defined]
    expect(page.locator("#cards")).to_contain_text("exp 12/2030")  # type: ignore[attr-defined]
    assert "Show my entry code" in page.inner_text("#entry")  # type: ignore[attr-defined]
    shot(page, "shopper-card-stripe-375")

    (account, customer, pm), *more = set(_account_cards(site)) - before
    assert not more
    cus = site.stripe().v1.customers.retrieve(customer)
    assert cus.metadata["walkout_account"] == account
    at_stripe = site.stripe().v1.payment_methods.list(params={"customer": customer, "type": "card"})
    assert [(m.id, m.card.last4) for m in at_stripe.data] == [(pm, "4242")]


def test_declined_card_shows_stripes_error_and_saves_nothing(
    stripe_site: StripeSite, browser: object
) -> None:
    site = stripe_site
    page = _signed_up(browser, site)
    before = _account_cards(site)
    err = page.locator("#card-errors")  # type: ignore[attr-defined]
    page.click("#add-card")  # type: ignore[attr-defined]
    expect(err).to_contain_text("Check the card details")  # nothing typed yet
    _type_card(page, "4000000000000002")
    page.click("#add-card")  # type: ignore[attr-defined]
    expect(err).to_be_visible()
    expect(err).to_contain_text("Your card was declined.")
    assert page.url.endswith(f"/web/{STORE}/shop")  # type: ignore[attr-defined]
    assert "No card yet." in page.inner_text("#cards")  # type: ignore[attr-defined]
    assert page.locator("#add-card").is_enabled()  # type: ignore[attr-defined]
    assert _account_cards(site) == before
    shot(page, "shopper-card-declined-375")

    _type_card(page, "4242424242424242")  # another card, same form, no reload
    page.click("#add-card")  # type: ignore[attr-defined]
    expect(page.locator("#cards li").first).to_contain_text("Visa •••• 4242")  # type: ignore[attr-defined]
    assert len(_account_cards(site)) == len(before) + 1
