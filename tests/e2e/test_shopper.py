"""The shopper's main path in a phone-sized browser: sign up, add a card, get the
entry code for a group of two with the hold shown, walk in through the gate
(the code the page shows), watch the live cart as the script takes a
product, walk out, open the receipt, dispute its line in two taps and see the
refund; then export and delete the account."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.e2e.conftest import (
    PHONE,
    SHIFT,
    Site,
    new_page,
    no_horizontal_scroll,
    shot,
    unusable,
)
from tests.fixtures.fusion_script import EPOCH, Move, Person, Reach, Script, front_of, stand
from tests.fixtures.mini_store import mini_store
from walkout.domain.layout import Layout
from walkout.eventlog.records import AnyRecord, Header

TAKE_T = 6.2  # the script's take, seconds into the visit


def _visit() -> list[AnyRecord]:
    """A shopper and a guest walk in; the shopper takes one P004 (two plates'
    worth of weight) at 6.2 s; both walk out by 14 s. Store time: SHIFT later."""
    st = mini_store()
    y = front_of(Layout.of(st), "G1.2.1")[1]
    shopper = Person("a1", stand(1.7, y, 0.5, 14.0), [Reach(5.8, 6.6, "G1.2.1")])
    guest = Person("g1", stand(2.6, y, 0.9, 13.0))
    recs = Script(
        st,
        20.0,
        moves=[Move(TAKE_T, {"G1.2.1": -200.0, "G1.2.2": -235.2})],
        people=[shopper, guest],
    ).records()
    return [
        r.model_copy(update={"t": r.t + SHIFT, "rx": (r.rx or r.t) + SHIFT})
        for r in recs
        if not isinstance(r, Header)
    ]


def _feed(site: Site, recs: list[AnyRecord]) -> None:
    log = site.server.logs[site.mini]
    log.append(recs).result(timeout=30)
    end = log.end()
    t0 = time.monotonic()
    while site.server.workers[site.mini].offset < end:
        assert time.monotonic() - t0 < 30
        time.sleep(0.05)


def test_enter_take_leave_receipt_dispute(site: Site, browser: object) -> None:
    with site.api(site.mini_tokens["operator"]) as admin:
        assert (
            admin.put(f"/api/stores/{site.mini}/policy", json={"hold_amount": 2000}).status_code
            == 200
        )
    site.clock.t = EPOCH + SHIFT - 30
    page = new_page(browser, PHONE)

    page.goto(f"{site.url}/web/{site.mini}/signup")
    assert no_horizontal_scroll(page)
    shot(page, "shopper-signup-375")
    page.fill("#email", "ada@example.com")
    page.click("button[type=submit]")
    assert page.url.endswith(f"/web/{site.mini}/shop")
    assert "Add a card first" in page.inner_text("#entry")

    page.select_option("#payment_method", "pm_card_visa")
    page.click("#add-card")
    assert "Visa •••• 4242" in page.inner_text("#cards")

    page.select_option("#guests", "1")
    page.click("#get-code")
    assert page.inner_text("#admits") == "2"
    assert "you and 1 guest" in page.inner_text("#qr")
    assert page.locator("#qr svg").count() == 1
    hold = page.inner_text("#hold")
    assert "$20.00" in hold and "•••• 4242" in hold  # the hold, shown before entry
    assert no_horizontal_scroll(page)
    shot(page, "shopper-entry-375")
    code = page.inner_text("#code-text").strip()

    # the gate scans the code: the server admits and logs the entry record
    site.clock.t = EPOCH + SHIFT + 0.2
    with site.api(site.mini_tokens["staff"]) as gate:
        r = gate.post(
            f"/api/stores/{site.mini}/gate/decisions",
            json={"gate": "in", "kind": "qr", "code": code},
        )
        assert r.status_code == 200 and r.json()["decision"] == "admit", r.text

    visit = _visit()
    cut = EPOCH + SHIFT + TAKE_T + 3.0
    _feed(site, [r for r in visit if r.t <= cut])
    page.wait_for_selector("#cart >> text=1 × ", timeout=10_000)  # htmx polls the live cart
    assert "$1.83" in page.inner_text("#cart")
    shot(page, "shopper-cart-375")

    site.clock.t = EPOCH + SHIFT + 20.0
    _feed(site, [r for r in visit if r.t > cut])
    page.wait_for_selector(".receipt-link", timeout=10_000)  # the receipt arrives
    assert page.locator("#cart").count() == 0  # out of the store
    page.click(".receipt-link")
    page.wait_for_selector("#receipt")
    for _ in range(50):  # the payments worker charges in the background
        if page.inner_text("#payment") == "succeeded":
            break
        time.sleep(0.2)
        page.reload()
    assert page.inner_text("#payment") == "succeeded"
    assert "final" in page.inner_text("#receipt h1")
    assert no_horizontal_scroll(page)
    shot(page, "shopper-receipt-375")

    # two taps: "Not mine", then the refund button
    page.click("#line-0 .dispute")
    page.wait_for_selector("#line-0 .confirm-dispute")
    shot(page, "shopper-dispute-375")
    page.click("#line-0 .confirm-dispute")
    page.wait_for_selector("#outcome")
    assert "$1.83" in page.inner_text("#outcome")  # refunded, or on its way
    for _ in range(50):  # the refund worker calls the provider in the background
        if "refunded" in page.inner_text("#disputes"):
            break
        time.sleep(0.2)
        page.reload()
    assert "Refunded $1.83" in page.inner_text("#outcome")
    assert page.locator("#line-0 .dispute").count() == 0  # nothing left to dispute
    shot(page, "shopper-refunded-375")

    page.goto(f"{site.url}/web/{site.mini}/shop/privacy")
    with page.expect_download() as dl:
        page.click("#export")
    data = json.loads(Path(dl.value.path()).read_text())
    assert data["format"] == "walkout-account-export/1"
    assert data["account"]["email"] == "ada@example.com" and len(data["receipts"]) == 1
    shot(page, "shopper-privacy-375")
    page.fill("#confirm", "delete my account")
    page.click("#delete")
    assert "Your account is deleted" in page.inner_text("main")
    assert not unusable(page, action="main a")
    page.goto(f"{site.url}/web/{site.mini}/shop")
    assert "/web/login" in page.url  # signed out: the cookie and the tokens are gone
    page.context.close()
