"""Cards saved through a setup the browser confirms (``POST /me/card-setups``,
then ``POST /me/cards {"setup"}``), on a live server with the fake provider
standing in for Stripe (its ``confirm_card_setup`` is what Stripe.js does):
only a shopper may start one, only for their own account, and a setup that is
another account's, unconfirmed or declined saves no card."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.unit.server.conftest import Live
from walkout.server.api.app import create_app
from walkout.server.payments.fake import FakeProvider
from walkout.server.payments.port import CardDeclined
from walkout.web import mount

VISA, DECLINED = "4242424242424242", "4000000000000002"


def _start(live: Live, who: str) -> dict[str, str]:
    r = live.client.post(f"/api/stores/{live.store}/me/card-setups", headers=live.auth(who))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _save(live: Live, who: str, setup: str) -> tuple[int, dict[str, object]]:
    r = live.client.post(
        f"/api/stores/{live.store}/me/cards", json={"setup": setup}, headers=live.auth(who)
    )
    return r.status_code, r.json()


def _fake(live: Live) -> FakeProvider:
    p = live.server.payments.ctx.provider
    assert isinstance(p, FakeProvider)
    return p


def test_a_confirmed_setup_saves_its_card_once(live: Live) -> None:
    st = _start(live, "shopper")
    assert st["id"].startswith("seti_") and st["client_secret"].startswith(st["id"] + "_secret_")
    assert st["publishable_key"] is None  # the embedded defaults have no Stripe
    assert _save(live, "shopper", st["id"])[0] == 409  # not confirmed in the browser yet
    _fake(live).confirm_card_setup(st["client_secret"], VISA)
    code, card = _save(live, "shopper", st["id"])
    assert code == 201 and card["last4"] == "4242" and card["default"] is True
    again_code, again = _save(live, "shopper", st["id"])  # a double submit
    assert again_code == 201 and again["id"] == card["id"]
    cards = live.client.get(f"/api/stores/{live.store}/me/cards", headers=live.auth("shopper"))
    assert [c["id"] for c in cards.json()] == [card["id"]]
    me = live.client.get(f"/api/stores/{live.store}/me", headers=live.auth("shopper")).json()
    assert me["may_enter"] is True


def test_a_setup_is_its_own_accounts_only(live: Live) -> None:
    st = _start(live, "shopper")
    _fake(live).confirm_card_setup(st["client_secret"], VISA)
    code, body = _save(live, "bob", st["id"])
    assert code == 404 and "no card setup" in str(body["detail"])
    assert (
        live.client.get(f"/api/stores/{live.store}/me/cards", headers=live.auth("bob")).json() == []
    )
    assert _save(live, "shopper", st["id"])[0] == 201
    assert _save(live, "bob", "seti_nope")[0] == 404


def test_a_declined_card_saves_nothing(live: Live) -> None:
    st = _start(live, "shopper")
    with pytest.raises(CardDeclined):
        _fake(live).confirm_card_setup(st["client_secret"], DECLINED)
    code, body = _save(live, "shopper", st["id"])
    assert code == 409 and "not confirmed" in str(body["detail"])
    assert (
        live.client.get(f"/api/stores/{live.store}/me/cards", headers=live.auth("shopper")).json()
        == []
    )


def test_a_card_is_a_payment_method_or_a_setup_not_both(live: Live) -> None:
    url = f"/api/stores/{live.store}/me/cards"
    for body in ({}, {"payment_method": "pm_card_visa", "setup": "seti_000001"}):
        r = live.client.post(url, json=body, headers=live.auth("shopper"))
        assert r.status_code == 422 and "payment_method or setup" in r.text, body


def test_only_a_shopper_starts_a_setup(live: Live) -> None:
    url = f"/api/stores/{live.store}/me/card-setups"
    assert live.client.post(url).status_code == 401
    for who in ("reviewer", "staff", "admin", "device", "operator"):
        r = live.client.post(url, headers=live.auth(who))
        assert r.status_code == 403, (who, r.status_code)
        if who == "admin":  # the refusal reads as English
            assert r.json()["detail"].startswith("an admin token may not do this")
    r = live.client.post(url, headers=live.auth("other-shopper"))  # another store's shopper
    assert r.status_code == 403
    assert _fake(live).setups == {}


def test_an_account_may_start_only_so_many_setups_an_hour(live: Live) -> None:
    """Each setup is an object at the provider: the eleventh in an hour is refused
    (429, with when to try again), another account is not held up, and an hour on
    the server's clock lets the first account start again."""
    n = live.server.settings.card_setups_per_hour
    for _ in range(n):
        _start(live, "shopper")
    url = f"/api/stores/{live.store}/me/card-setups"
    r = live.client.post(url, headers=live.auth("shopper"))
    assert r.status_code == 429 and "at most 10 per hour" in r.json()["detail"]
    assert 3590 <= int(r.headers["Retry-After"]) <= 3600
    _start(live, "bob")
    live.clock.t += 3600.0
    _start(live, "shopper")


def test_sign_ups_are_limited_per_client_address(live: Live) -> None:
    url = f"/api/stores/{live.store}/signup"
    n = live.server.settings.signups_per_hour
    for _ in range(n):
        assert live.client.post(url, json={}).status_code == 201
    r = live.client.post(url, json={})
    assert r.status_code == 429 and "sign-ups" in r.json()["detail"]
    pages = TestClient(create_app(live.server, extensions=[mount]))  # the same server's pages
    page = pages.post(f"/web/{live.store}/signup", data={"email": ""})
    assert page.status_code == 429 and "too many sign-ups" in page.text
