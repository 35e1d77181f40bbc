"""Store settings (review threshold, age check, hold, dispute limit): staff read
them, only the store's admin changes them, bad values get a 422, the payment
policy is the same data. How the threshold reaches the store's engine:
test_threshold_live.py."""

from __future__ import annotations

from tests.unit.server.conftest import Live


def test_defaults_then_an_admin_changes_them(live: Live) -> None:
    url = f"/api/stores/{live.store}/settings"
    r = live.client.get(url, headers=live.auth("staff"))
    assert r.status_code == 200
    s = r.json()
    assert s["review_threshold_default"] and s["review_threshold"] == 0.95
    assert s["age_check"] == "charge_on_verification" and s["hold_amount"] == 0
    change = {"review_threshold": 0.97, "age_check": "block_exit", "hold_amount": 1500}
    for who in ("staff", "reviewer", "shopper", "other-admin"):
        assert live.client.put(url, json=change, headers=live.auth(who)).status_code == 403, who
    r = live.client.put(url, json=change, headers=live.auth("admin"))
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["review_threshold"], s["age_check"], s["hold_amount"]) == (0.97, "block_exit", 1500)
    assert not s["review_threshold_default"]
    # the same policy the gate and the disputes read
    pol = live.client.get(f"/api/stores/{live.store}/policy", headers=live.auth("admin")).json()
    assert pol["hold_amount"] == 1500
    # a partial change leaves the rest alone
    r = live.client.put(url, json={"dispute_auto_refund_max": 250}, headers=live.auth("admin"))
    assert r.json()["dispute_auto_refund_max"] == 250 and r.json()["age_check"] == "block_exit"


def test_bad_values_are_refused(live: Live) -> None:
    url = f"/api/stores/{live.store}/settings"
    for body in (
        {"review_threshold": 1.2},
        {"review_threshold": 0.3},
        {"age_check": "sometimes"},
        {"hold_amount": -1},
        {"colour": "red"},
    ):
        r = live.client.put(url, json=body, headers=live.auth("admin"))
        assert r.status_code == 422, body
