"""The accounts, entry, payments, disputes and webhook endpoints over HTTP on a
live server (embedded defaults, the fake provider): each role's access both
ways, a shopper only ever sees their own, bad input gets a clear 4xx."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.fixtures.webhook_receiver import Receiver
from tests.unit.server.conftest import Live, charge_settled, pay_until
from tests.unit.server.payments.conftest import final_receipt

BEER = "ALC00001"


def _receipt(live: Live, account: str, session: str, lines: list[tuple[str, int]]) -> None:
    final_receipt(live.server.payments.ctx, live.store, account, session, lines, live.clock.t)
    pay_until(live.server, charge_settled(live.server, live.store, session))


def _until(live: Live, check: Callable[[], bool], timeout_s: float = 10.0) -> None:
    pay_until(live.server, check, timeout_s)


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _sign_up(
    live: Live, email: str | None = None, card: str | None = "pm_card_visa"
) -> tuple[str, str]:
    r = live.client.post(f"/api/stores/{live.store}/signup", json={"email": email} if email else {})
    assert r.status_code == 201, r.text
    acc, tok = r.json()["account"], r.json()["token"]
    if card:
        r = live.client.post(
            f"/api/stores/{live.store}/me/cards", json={"payment_method": card}, headers=_h(tok)
        )
        assert r.status_code == 201, r.text
    return acc, tok


def test_sign_up_cards_and_bad_input(live: Live) -> None:
    s = live.store
    acc, tok = _sign_up(live, "ada@example.org", card=None)
    me = live.client.get(f"/api/stores/{s}/me", headers=_h(tok)).json()
    assert (
        me["id"] == acc
        and me["may_enter"] is False
        and "no valid payment method" in me["refused_because"]
    )
    assert (
        live.client.post(f"/api/stores/{s}/signup", json={"email": "ada@example.org"}).status_code
        == 409
    )
    r = live.client.post(f"/api/stores/{s}/signup", json={"email": "not-an-email"})
    assert r.status_code == 422 and "email" in r.json()["detail"]
    r = live.client.post(
        f"/api/stores/{s}/me/cards",
        json={"payment_method": "pm_card_visa_chargeDeclined"},
        headers=_h(tok),
    )
    assert r.status_code == 402 and "declined" in r.json()["detail"]
    r = live.client.post(f"/api/stores/{s}/me/cards", json={"pm": "x"}, headers=_h(tok))
    assert r.status_code == 422 and "payment_method" in r.json()["detail"]
    r = live.client.post(
        f"/api/stores/{s}/me/cards", json={"payment_method": "pm_card_visa"}, headers=_h(tok)
    )
    assert r.json()["last4"] == "4242"
    cards = live.client.get(f"/api/stores/{s}/me/cards", headers=_h(tok)).json()
    assert [c["last4"] for c in cards] == ["4242"]
    assert live.client.get(f"/api/stores/{s}/me", headers=_h(tok)).json()["may_enter"] is True
    assert (
        live.client.delete(
            f"/api/stores/{s}/me/cards/{cards[0]['id']}", headers=live.auth("bob")
        ).status_code
        == 404
    )
    assert (
        live.client.delete(
            f"/api/stores/{s}/me/cards/{cards[0]['id']}", headers=_h(tok)
        ).status_code
        == 204
    )


def test_entry_code_and_gate_decision(live: Live) -> None:
    s = live.store
    _, tok = _sign_up(live)
    r = live.client.post(f"/api/stores/{s}/me/entry-codes", json={"admits": 17}, headers=_h(tok))
    assert r.status_code == 422 and "admits" in r.json()["detail"]
    code = live.client.post(
        f"/api/stores/{s}/me/entry-codes", json={"admits": 2}, headers=_h(tok)
    ).json()["code"]
    ask = {"gate": "entry-1", "kind": "qr", "code": code}
    assert (
        live.client.post(f"/api/stores/{s}/gate/decisions", json=ask, headers=_h(tok)).status_code
        == 403
    )
    r = live.client.post(
        f"/api/stores/{s}/gate/decisions",
        json={**ask, "card_fingerprint": "abcd"},
        headers=live.auth("device"),
    )
    assert r.status_code == 422 and "qr entry gives code" in r.json()["detail"]
    r = live.client.post(
        f"/api/stores/{s}/gate/decisions",
        json={**ask, "gate": "exit-1"},
        headers=live.auth("device"),
    )
    assert r.status_code == 422 and "no entry gate" in r.json()["detail"]
    r = live.client.post(
        f"/api/stores/{s}/gate/decisions", json=ask, headers=live.auth("device")
    ).json()
    assert r["decision"] == "admit" and r["admits"] == 2 and r["log_offset"] is not None
    r = live.client.post(
        f"/api/stores/{s}/gate/decisions", json=ask, headers=live.auth("device")
    ).json()
    assert r["decision"] == "refuse" and "already used" in r["reason"]
    log = live.client.get(f"/api/stores/{s}/gate/decisions", headers=live.auth("staff")).json()
    assert [d["decision"] for d in log] == ["refuse", "admit"]
    assert live.client.get(f"/api/stores/{s}/gate/decisions", headers=_h(tok)).status_code == 403


def test_receipts_disputes_and_their_roles(live: Live) -> None:
    s = live.store
    acc, tok = _sign_up(live)
    _receipt(live, acc, "S1", [(BEER, 2)])
    url = f"/api/stores/{s}/receipts/S1/itemized"
    r = live.client.get(url, headers=_h(tok))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (
        body["total"]["text"] == "$6.84"
        and body["tax"]["minor"] == 46
        and body["payment"]["status"] == "succeeded"
    )
    assert body["lines"][0]["unit_price"]["text"] == "$3.19"
    assert live.client.get(url, headers=live.auth("bob")).status_code == 404  # another shopper's
    for who in ("staff", "admin"):
        assert live.client.get(url, headers=live.auth(who)).status_code == 200
    assert live.client.get(url, headers=live.auth("reviewer")).status_code == 403
    assert (
        live.client.put(
            f"/api/stores/{s}/policy",
            json={"dispute_auto_refund_max": 100},
            headers=live.auth("admin"),
        ).json()["dispute_auto_refund_max"]
        == 100
    )
    assert (
        live.client.put(
            f"/api/stores/{s}/policy", json={"hold_amount": -1}, headers=live.auth("admin")
        ).status_code
        == 422
    )
    assert (
        live.client.put(f"/api/stores/{s}/policy", json={}, headers=live.auth("staff")).status_code
        == 403
    )
    d_url = f"/api/stores/{s}/receipts/S1/disputes"
    assert live.client.post(d_url, json={"line": 0}, headers=live.auth("bob")).status_code == 404
    r = live.client.post(d_url, json={"line": 5}, headers=_h(tok))
    assert r.status_code == 409 and "no line 5" in r.json()["detail"]
    d = live.client.post(
        d_url, json={"line": 0, "qty": 1, "reason": "one only"}, headers=_h(tok)
    ).json()
    assert (d["route"], d["status"], d["amount_text"]) == ("review", "review", "$3.42")
    queue = live.client.get(
        f"/api/stores/{s}/disputes?status=review", headers=live.auth("reviewer")
    ).json()
    assert [q["id"] for q in queue] == [d["id"]]
    assert live.client.get(f"/api/stores/{s}/disputes", headers=live.auth("bob")).json() == []
    dec = f"/api/stores/{s}/disputes/{d['id']}/decision"
    assert live.client.post(dec, json={"accept": True}, headers=_h(tok)).status_code == 403
    assert (
        live.client.post(dec, json={"accept": "maybe"}, headers=live.auth("reviewer")).status_code
        == 422
    )
    r = live.client.post(
        dec, json={"accept": True, "note": "ok"}, headers=live.auth("reviewer")
    ).json()
    assert r["status"] == "refunding"
    dispute = f"/api/stores/{s}/disputes/{d['id']}"
    _until(live, lambda: live.client.get(dispute, headers=_h(tok)).json()["status"] == "refunded")
    mine = live.client.get(dispute, headers=_h(tok)).json()
    assert mine["status"] == "refunded" and mine["note"] == "ok" and mine["evidence"] is None
    assert (
        live.client.get(
            f"/api/stores/{s}/disputes/{d['id']}", headers=live.auth("reviewer")
        ).json()["evidence"]
        == []
    )
    assert live.client.get(url, headers=_h(tok)).json()["payment"]["refunded"]["text"] == "$3.42"
    charges_ = live.client.get(f"/api/stores/{s}/charges", headers=live.auth("admin")).json()
    assert [c["status"] for c in charges_] == ["succeeded"]


def test_declined_receipt_is_settled_by_the_shopper(live: Live) -> None:
    s = live.store
    acc, tok = _sign_up(live, card="pm_card_chargeCustomerFail")
    _receipt(live, acc, "S2", [(BEER, 1)])
    assert (
        live.client.get(f"/api/stores/{s}/receipts/S2/itemized", headers=_h(tok)).json()["payment"][
            "status"
        ]
        == "unpaid"
    )
    assert (
        "unpaid receipt"
        in live.client.get(f"/api/stores/{s}/me", headers=_h(tok)).json()["refused_because"]
    )
    r = live.client.post(f"/api/stores/{s}/me/entry-codes", json={}, headers=_h(tok))
    assert r.status_code == 409 and "unpaid receipt" in r.json()["detail"]
    live.client.post(
        f"/api/stores/{s}/me/cards", json={"payment_method": "pm_card_visa"}, headers=_h(tok)
    )
    assert (
        live.client.post(
            f"/api/stores/{s}/me/receipts/S2/pay", headers=live.auth("bob")
        ).status_code
        == 404
    )
    assert (
        live.client.post(f"/api/stores/{s}/me/receipts/S2/pay", headers=_h(tok)).status_code == 202
    )
    _until(
        live, lambda: live.client.get(f"/api/stores/{s}/me", headers=_h(tok)).json()["may_enter"]
    )
    assert (
        live.client.post(f"/api/stores/{s}/me/receipts/S2/pay", headers=_h(tok)).status_code == 409
    )


def test_webhook_endpoints_and_delivery_log(live: Live) -> None:
    s = live.store
    with Receiver() as rx:
        r = live.client.post(
            f"/api/stores/{s}/webhooks",
            json={"url": rx.url, "events": ["nope"]},
            headers=live.auth("admin"),
        )
        assert r.status_code == 422 and "unknown event type" in r.json()["detail"]
        assert (
            live.client.post(
                f"/api/stores/{s}/webhooks", json={"url": rx.url}, headers=live.auth("staff")
            ).status_code
            == 403
        )
        ep = live.client.post(
            f"/api/stores/{s}/webhooks",
            json={"url": rx.url, "events": ["receipt.finalized"]},
            headers=live.auth("admin"),
        ).json()
        assert ep["secret"].startswith("whsec_")
        acc, _ = _sign_up(live)
        _receipt(live, acc, "S3", [(BEER, 1)])
        got = rx.wait(1)
        assert got and got[0].json["data"]["receipt"]["session"] == "S3"
        log: list[Any] = []
        for _ in range(50):
            log = live.client.get(
                f"/api/stores/{s}/webhooks/{ep['id']}/deliveries", headers=live.auth("admin")
            ).json()
            if log and log[0]["status"] == "delivered":
                break
            time.sleep(0.05)  # the sender records the answer just after the receiver has it
        assert log[0]["status"] == "delivered" and log[0]["log"][0]["status_code"] == 200
        assert [
            e["id"]
            for e in live.client.get(f"/api/stores/{s}/webhooks", headers=live.auth("admin")).json()
        ] == [ep["id"]]


def test_export_and_delete_my_account(live: Live) -> None:
    s = live.store
    acc, tok = _sign_up(live, "grace@example.org")
    _receipt(live, acc, "S4", [(BEER, 1)])
    out = live.client.get(f"/api/stores/{s}/me/export", headers=_h(tok)).json()
    assert out["account"]["email"] == "grace@example.org" and len(out["receipts"]) == 1
    assert (
        live.client.get(f"/api/stores/{s}/me/export", headers=live.auth("admin")).status_code == 403
    )
    r = live.client.request("DELETE", f"/api/stores/{s}/me", json={}, headers=_h(tok))
    assert r.status_code == 422 and "confirm" in r.json()["detail"]
    r = live.client.request(
        "DELETE", f"/api/stores/{s}/me", json={"confirm": "delete my account"}, headers=_h(tok)
    )
    assert r.status_code == 200 and r.json()["anonymized"]["receipts"] == 1
    assert live.client.get(f"/api/stores/{s}/me", headers=_h(tok)).status_code == 401
    assert (
        live.client.get(
            f"/api/stores/{s}/receipts/S4/itemized", headers=live.auth("admin")
        ).status_code
        == 200
    )
