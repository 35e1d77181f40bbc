"""Every page (``catalogue.PAGES``), signed in as its role, is usable on a
375 px phone and at 1440 px: nothing scrolls sideways, the main heading and
the primary action are visible and inside the viewport's width, and the
browser logs no error. Then each role is refused every other role's pages
(and gets its own), and another store's token is refused everywhere.

One chromium and one signed-in context per role serve all the cases of this
module (a new context per case would cost a second each)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.catalogue import PAGES, Ids, WebPage, prepare
from tests.e2e.conftest import CHROMIUM, PHONE, WIDE, Site, shot, unusable

VIEWPORTS = {"375": {"width": 375, "height": 812}, "1440": {"width": 1440, "height": 900}}
assert VIEWPORTS["375"]["width"] == PHONE["width"] and VIEWPORTS["1440"] == WIDE
# who may open a page, by the part of the path after the store (web/auth.py's HOME)
OWNERS = {"shop": {"shopper"}, "review": {"reviewer"}, "ops": {"staff", "admin"}}
ROLES = ("shopper", "reviewer", "staff", "admin")


@pytest.fixture(scope="session")
def ids(site: Site) -> Ids:
    return prepare(site)


class Browsers:
    """One chromium; a context (its own cookie) per key of Site.tokens."""

    def __init__(self, browser: Any, site: Site):
        self.browser, self.site, self.contexts = browser, site, {}

    def context(self, who: str) -> Any:
        if who not in self.contexts:
            ctx = self.browser.new_context(viewport=WIDE)
            ctx.set_default_timeout(10_000)
            if who:
                r = ctx.request.post(
                    f"{self.site.url}/web/login",
                    form={"token": self.site.tokens[who]},
                    max_redirects=0,
                )
                assert r.status == 303, r.text()
            self.contexts[who] = ctx
        return self.contexts[who]


@pytest.fixture(scope="module")
def browsers(site: Site) -> Iterator[Browsers]:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield Browsers(b, site)
        b.close()


@pytest.mark.parametrize("vw", list(VIEWPORTS))
@pytest.mark.parametrize("p", PAGES, ids=[p.name for p in PAGES])
def test_every_page_is_usable_on_a_phone_and_wide(
    site: Site, ids: Ids, browsers: Browsers, p: WebPage, vw: str
) -> None:
    view = VIEWPORTS[vw]
    page = browsers.context(p.role).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.set_viewport_size(view)
        resp = page.goto(ids.url(site, p))
        assert resp is not None and resp.status == p.status, (p.name, resp and resp.status)
        if p.click:
            page.click(p.click)
            page.wait_for_load_state()
        if p.status != 200:  # chromium logs the status of the document itself
            errors = [e for e in errors if "status of " + str(p.status) not in e]
        problems = unusable(page, p.heading, p.action)
        assert not problems, f"{p.name} at {vw}: {problems}"
        assert not errors, f"{p.name} at {vw}: console {errors}"
    except AssertionError:
        shot(page, f"page-{p.name}-{vw}")  # what was wrong, in test-artifacts/e2e
        raise
    finally:
        page.close()


def _owners(p: WebPage) -> set[str]:
    part = p.path.split("/")[3].split("#")[0].split("?")[0]
    return OWNERS[part]


@pytest.mark.parametrize("who", ROLES)
def test_a_role_gets_its_pages_and_is_refused_every_other(
    site: Site, ids: Ids, browsers: Browsers, who: str
) -> None:
    """Both ways, on every page with a role: 200 for its owners, 403 with the
    refusal page for everyone else; and another store's token of the same role
    is refused too."""
    mine, theirs = browsers.context(who).request, browsers.context(f"other-{who}").request
    own = refused = 0
    urls = {}  # each page with a role once (a page's parts share its url)
    for p in PAGES:
        if p.role and p.status == 200 and p.role != "bob":
            urls.setdefault(ids.url(site, p).split("#")[0], p)
    for url, p in urls.items():
        r = mine.get(url, max_redirects=0)
        if who in _owners(p):
            assert r.status == 200, (who, p.name, r.status)
            own += 1
        else:
            assert r.status == 403 and "Not your page" in r.text(), (who, p.name, r.status)
            refused += 1
        r = theirs.get(url, max_redirects=0)
        why = "not for store" if who in _owners(p) else "may not do this"
        assert r.status == 403 and why in r.text(), (who, p.name, "other store", r.status)
    assert own >= 3 and refused >= 6, (own, refused)
    # changing settings is the admin's alone: staff read them, and their post is refused
    with site.api(site.tokens["admin"]) as admin:
        now = admin.get(f"/api/stores/{site.shop}/settings").json()
    r = mine.post(  # the settings as they are: the other tests' shop is unchanged
        f"{site.url}/web/{site.shop}/ops/settings",
        form={
            "review_threshold": str(now["review_threshold"]),
            "age_check": now["age_check"],
            "hold_amount": f"{now['hold_amount'] / 100:.2f}",
            "dispute_auto_refund_max": f"{now['dispute_auto_refund_max'] / 100:.2f}",
        },
        max_redirects=0,
    )
    assert (r.status == 200) == (who == "admin"), (who, r.status)
