"""Every page the server serves, with whom it is for, its main heading and its
primary action: the list the page tests walk (usable at 375 and 1440 px, each
role refused the others' pages). ``prepare`` gives the corner shop what the
pages show: a shopper with a card, a paid receipt, a dispute refunded at once
and one waiting for review.

Not here, because they are not pages: the polled fragments (``/shop/live``,
``/review/queue``, ``/ops/live``, the inline dispute form htmx fetches), the
JSON export, and sign-out. The pages only an action reaches and that change
the twin's shop for the other tests (a decided review task, the deleted
account) are checked in the tests that reach them (test_review, test_shopper)."""

from __future__ import annotations

from dataclasses import dataclass

from tests.e2e.conftest import Site
from tests.unit.server.conftest import charge_settled, pay_until
from tests.unit.server.payments.conftest import final_receipt

RECEIPT = "S900101"


@dataclass(frozen=True)
class WebPage:
    name: str  # also the screenshot's name
    role: str  # a key of Site.tokens ("" = public)
    path: str  # with {shop} {receipt} {task} {dispute} {outcome}
    action: str  # the primary action's selector
    heading: str = "main h1"
    click: str = ""  # reached by clicking this on ``path`` (a page made by a POST)
    status: int = 200


PAGES = (
    WebPage("sign-in", "", "/web/login", "button[type=submit]"),
    WebPage("sign-up", "", "/web/{shop}/signup", "button[type=submit]"),
    WebPage("add-card", "bob", "/web/{shop}/shop", "#add-card"),
    WebPage("shop", "shopper", "/web/{shop}/shop", "#get-code"),
    WebPage("entry-code", "shopper", "/web/{shop}/shop", "#qr svg", click="#get-code"),
    WebPage(
        "receipts",
        "shopper",
        "/web/{shop}/shop#receipts",
        "#receipts .receipt-link",
        "#receipts h2",
    ),
    WebPage("receipt", "shopper", "/web/{shop}/shop/receipts/{receipt}", "#line-0 .dispute"),
    WebPage(
        "dispute",
        "shopper",
        "/web/{shop}/shop/receipts/{receipt}/lines/0/dispute",
        ".confirm-dispute",
    ),
    WebPage(
        "dispute-outcome",
        "shopper",
        "/web/{shop}/shop/receipts/{receipt}?opened={outcome}",
        "#outcome",
    ),
    WebPage("privacy", "shopper", "/web/{shop}/shop/privacy", "#export"),
    WebPage("review-queue", "reviewer", "/web/{shop}/review", "#take-next"),
    WebPage("reviewer-stats", "reviewer", "/web/{shop}/review#stats", "#stats td", "#stats h2"),
    WebPage("review-task", "reviewer", "/web/{shop}/review/tasks/{task}", "#claim"),
    WebPage("review-disputes", "reviewer", "/web/{shop}/review/disputes", "#disputes a"),
    WebPage("review-dispute", "reviewer", "/web/{shop}/review/disputes/{dispute}", "#accept"),
    WebPage("floor", "staff", "/web/{shop}/ops", "#floor svg.floor"),
    WebPage(
        "alerts-tasks", "staff", "/web/{shop}/ops#alerts", "#alerts button.claim", "#alerts h2"
    ),
    WebPage("analytics", "staff", "/web/{shop}/ops/analytics", "#kpis"),
    WebPage("settings", "admin", "/web/{shop}/ops/settings", "#save"),
    WebPage("settings-read", "staff", "/web/{shop}/ops/settings", "#review_threshold"),
    WebPage("refused", "shopper", "/web/{shop}/ops", "main a", status=403),
    WebPage("not-found", "shopper", "/web/{shop}/shop/receipts/S000000", "main a", status=404),
)


@dataclass
class Ids:
    receipt: str
    task: str
    dispute: str  # waiting for a reviewer
    outcome: str  # refunded at once

    def url(self, site: Site, p: WebPage) -> str:
        return site.url + p.path.format(
            shop=site.shop,
            receipt=self.receipt,
            task=self.task,
            dispute=self.dispute,
            outcome=self.outcome,
        )


def prepare(site: Site) -> Ids:
    """The shopper (alice) gets a card and a paid two-line receipt; line 1 is
    disputed under the store's auto-refund limit, line 0 above it (the limit
    is set to 0 for that, then put back)."""
    s = site.shop
    with site.api(site.tokens["shopper"]) as alice, site.api(site.tokens["admin"]) as admin:
        r = alice.post(f"/api/stores/{s}/me/cards", json={"payment_method": "pm_card_visa"})
        assert r.status_code == 201, r.text
        skus = [p.sku for p in site.server.stores[s].catalogue[:2]]
        ctx = site.server.payments.ctx
        final_receipt(ctx, s, "a_alice", RECEIPT, [(skus[0], 2), (skus[1], 1)], site.clock.t - 60)
        pay_until(site.server, charge_settled(site.server, s, RECEIPT))
        url = f"/api/stores/{s}/receipts/{RECEIPT}/disputes"
        r = alice.post(url, json={"line": 1, "reason": "never took it"})
        assert r.status_code == 201, r.text
        outcome = r.json()["id"]
        limit = admin.get(f"/api/stores/{s}/policy").json()["dispute_auto_refund_max"]
        admin.put(f"/api/stores/{s}/policy", json={"dispute_auto_refund_max": 0})
        r = alice.post(url, json={"line": 0, "qty": 1, "reason": "only one"})
        assert r.status_code == 201 and r.json()["status"] == "review", r.text
        admin.put(f"/api/stores/{s}/policy", json={"dispute_auto_refund_max": limit})
        tasks = admin.get(f"/api/stores/{s}/review/tasks").json()
        assert tasks, "the twin's shop has review tasks"
    return Ids(RECEIPT, tasks[0]["id"], r.json()["id"], outcome)
