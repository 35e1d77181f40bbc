"""Store operations on the twin's corner shop: the floor plan (fixtures by
stock, people), a restock alert and task as they arrive, claimed and closed by
staff; analytics with plots; settings changed by the admin (staff read them)."""

from __future__ import annotations

from tests.e2e.conftest import PHONE, WIDE, Site, no_horizontal_scroll, shot, sign_in


def test_restock_task_claim_close_analytics_settings(site: Site, browser: object) -> None:
    page = sign_in(browser, site, site.tokens["staff"], WIDE)
    assert page.url.endswith(f"/web/{site.shop}/ops")
    floor = page.locator("#floor svg.floor")
    assert floor.locator("polygon[data-fixture]").count() >= 5
    # stock: the planogram's opening units minus what the twin's shoppers took
    assert page.locator("#floor polygon[data-fixture] >> title").count() >= 5
    assert "Restock Candy" in page.inner_text("#tasks")
    assert "running low" in page.inner_text("#alerts")
    shot(page, "ops-floor-1440")

    # an alert raised while the page is open appears by itself (htmx polls)
    seed_extra = "A-age-G07"
    from walkout.server.service.queues import record_operations
    from walkout.server.worker.operations import AlertIn

    with site.server.bus.uow() as uow:
        record_operations(
            uow,
            site.shop,
            [
                AlertIn(
                    id=seed_extra,
                    kind="age_check",
                    severity="warning",
                    message="Age check: beer taken at G07",
                    t=site.clock.t,
                    data={"fixture": "G07"},
                )
            ],
        )
        uow.commit()
    page.wait_for_selector(f"#alerts-{seed_extra}")

    task = page.locator("#tasks-T-restock-G02")
    task.locator("button.claim").click()
    page.wait_for_selector("#tasks-T-restock-G02 button.close")
    assert "claimed · you" in page.inner_text("#tasks-T-restock-G02")
    page.fill("#tasks-T-restock-G02 input[name=note]", "12 on the shelf")
    page.click("#tasks-T-restock-G02 button.close")
    page.wait_for_selector("#closed >> text=12 on the shelf")
    assert page.locator("#tasks-T-restock-G02").count() == 0
    with site.api(site.tokens["admin"]) as admin:
        rows = admin.get(f"/api/stores/{site.shop}/staff/tasks", params={"status": "closed"}).json()
        assert [(r["id"], r["note"]) for r in rows] == [("T-restock-G02", "12 on the shelf")]

    page.set_viewport_size(PHONE)
    page.reload()
    assert no_horizontal_scroll(page)
    shot(page, "ops-floor-375")
    page.set_viewport_size(WIDE)

    page.goto(f"{site.url}/web/{site.shop}/ops/analytics")
    kpis = page.inner_text("#kpis")
    assert "receipts" in kpis and "review rate" in kpis
    assert page.locator("main svg.plot").count() >= 6
    assert page.locator("main svg.plot rect").count() > 5  # bars with data
    shot(page, "ops-analytics-1440")

    # settings: staff read them, the admin changes them
    page.goto(f"{site.url}/web/{site.shop}/ops/settings")
    assert page.locator("#hold_amount").is_disabled()
    page.context.close()
    admin_page = sign_in(browser, site, site.tokens["admin"], WIDE)
    admin_page.goto(f"{site.url}/web/{site.shop}/ops/settings")
    admin_page.fill("#hold_amount", "25.00")
    admin_page.fill("#review_threshold", "0.97")
    admin_page.select_option("#age_check", "block_exit")
    admin_page.fill("#dispute_auto_refund_max", "5.00")
    admin_page.click("#save")
    admin_page.wait_for_selector("#saved")
    shot(admin_page, "ops-settings-1440")
    with site.api(site.tokens["admin"]) as admin:
        s = admin.get(f"/api/stores/{site.shop}/settings").json()
        assert s["hold_amount"] == 2500 and s["dispute_auto_refund_max"] == 500
        assert s["review_threshold"] == 0.97 and s["age_check"] == "block_exit"
        assert admin.get(f"/api/stores/{site.shop}/policy").json()["hold_amount"] == 2500
    # the admin sees the queues but does not work them (as in the API)
    admin_page.goto(f"{site.url}/web/{site.shop}/ops")
    assert admin_page.locator("button.claim").count() == 0
    admin_page.context.close()
