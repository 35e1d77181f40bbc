"""The shopper's card form when the store charges through Stripe: the page
loads Stripe.js from the configured URL with the publishable key, its script
gets a setup from ``/shop/card-setup`` (shoppers only), and the form's post of
the confirmed setup saves the card. The fake provider stands in for Stripe
(its ``confirm_card_setup`` is what Stripe.js does in the browser)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.unit.server.conftest import Clock, add_tokens, make_settings, wait_ready
from walkout.server.api.app import create_app
from walkout.server.bootstrap import Server
from walkout.server.payments.fake import FakeProvider
from walkout.web import mount
from walkout.web.shopper import stripe_form

JS = "http://127.0.0.1:9/js.stripe.com/v3/"


class Site:
    def __init__(self, app: object, store: str, tokens: dict[str, str], fake: FakeProvider):
        self.app, self.store, self.tokens, self.fake = app, store, tokens, fake

    def client(self, who: str | None = None) -> TestClient:
        c = TestClient(self.app, follow_redirects=False)  # type: ignore[arg-type]
        if who is not None:
            assert c.post("/web/login", data={"token": self.tokens[who]}).status_code == 303
        return c


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp: Path = tmp_path_factory.mktemp("web-stripe")
    settings = make_settings(
        tmp,
        payment_provider="stripe",
        stripe_api_key="sk_test_unused",
        stripe_publishable_key="pk_test_walkout",
        stripe_js_url=JS,
    )
    fake = FakeProvider()
    server = Server(settings, clock=Clock(), provider=fake)
    app = create_app(server, extensions=[mount])
    with TestClient(app):
        sid = next(iter(server.stores))
        wait_ready(server)
        yield Site(app, sid, add_tokens(server, sid), fake)


def test_the_page_loads_stripe_js_with_the_publishable_key(site: Site) -> None:
    html = site.client("shopper").get(f"/web/{site.store}/shop").text
    assert f'<script src="{JS}"></script>' in html
    assert 'data-key="pk_test_walkout"' in html and 'id="card-element"' in html
    assert 'id="payment_method"' not in html  # no test-card menu
    assert "/web/static/card.js" in html


def test_stripe_form_needs_stripe_and_the_key() -> None:
    assert stripe_form(make_settings(Path("x"))) is None
    keyless = make_settings(Path("x"), payment_provider="stripe", stripe_api_key="sk_x")
    assert stripe_form(keyless) is None
    fake_with_key = make_settings(Path("x"), stripe_publishable_key="pk_x")
    assert stripe_form(fake_with_key) is None


def test_card_saved_from_a_confirmed_setup(site: Site) -> None:
    c = site.client("shopper")
    r = c.post(f"/web/{site.store}/shop/card-setup")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    setup = r.json()
    site.fake.confirm_card_setup(setup["client_secret"], "4242424242424242")
    r = c.post(f"/web/{site.store}/shop/cards", data={"setup": setup["id"]})
    assert r.status_code == 303
    assert "Visa •••• 4242" in c.get(f"/web/{site.store}/shop").text


def test_another_shoppers_setup_or_none_is_refused_on_the_page(site: Site) -> None:
    setup = site.client("shopper").post(f"/web/{site.store}/shop/card-setup").json()
    site.fake.confirm_card_setup(setup["client_secret"], "4242424242424242")
    bob = site.client("bob")
    r = bob.post(f"/web/{site.store}/shop/cards", data={"setup": setup["id"]})
    assert r.status_code == 200 and "no card setup" in r.text and "No card yet." in r.text
    r = bob.post(f"/web/{site.store}/shop/cards", data={})
    assert r.status_code == 200 and "Choose a card first." in r.text


def test_only_a_shopper_gets_a_setup(site: Site) -> None:
    url = f"/web/{site.store}/shop/card-setup"
    before = len(site.fake.setups)
    r = site.client().post(url)
    assert r.status_code == 303 and r.headers["location"].startswith("/web/login")
    for who in ("reviewer", "staff", "admin", "other-shopper"):
        assert site.client(who).post(url).status_code == 403, who
    assert len(site.fake.setups) == before
