"""The reviewer's main path on the twin's corner shop: the queue (shoppers
waiting first), take the next task, read its evidence, accept the top choice
with the keyboard, and the receipt is final at once, stored as a labelled
example; the reviewer's statistics count it."""

from __future__ import annotations

from tests.e2e.conftest import PHONE, WIDE, Site, no_horizontal_scroll, shot, sign_in, unusable


def test_take_a_task_decide_and_the_receipt_is_final(site: Site, browser: object) -> None:
    page = sign_in(browser, site, site.tokens["reviewer"], WIDE)
    assert page.url.endswith(f"/web/{site.shop}/review")
    rows = page.locator("#queue .task-row")
    assert rows.count() == 2
    assert page.locator("#queue .task-row.waiting").count() == 2  # both shoppers have accounts
    shot(page, "review-queue-1440")

    page.keyboard.press("n")  # take the next task
    page.wait_for_selector("#decision")
    task = page.url.rsplit("/", 1)[1]
    events = page.locator("#decision [data-event]")
    assert events.count() >= 1
    first = events.first
    assert first.locator("svg.plot").count() >= 2  # weight traces and the map from above
    assert first.locator("svg.shelfmap polyline").count() >= 1  # hand paths
    assert first.locator("label.hyp").count() >= 2  # ranked choices with probabilities
    assert "%" in first.locator("label.hyp").first.inner_text()
    shot(page, "review-task-1440")

    with site.api(site.tokens["admin"]) as admin:
        session = admin.get(f"/api/stores/{site.shop}/review/tasks/{task}").json()["session"]
        before = admin.get(f"/api/stores/{site.shop}/receipts/{session}").json()
        assert before["status"] == "review"
        page.keyboard.press("a")  # accept the top choice of every event
        page.wait_for_selector("#finalized")
        assert "final" in page.inner_text("#finalized")
        assert not unusable(page, action="#take-next")
        shot(page, "review-decided-1440")
        after = admin.get(f"/api/stores/{site.shop}/receipts/{session}").json()
        assert after["status"] == "final" and after["decided_by"] == "review"
        examples = admin.get(f"/api/stores/{site.shop}/review/examples").json()
        assert [e["task"] for e in examples] == [task]
        assert examples[0]["events"]  # each event labelled: items and who

    page.goto(f"{site.url}/web/{site.shop}/review")
    assert page.locator("#queue .task-row").count() == 1
    stats = page.inner_text("#stats")
    assert "reviewer (you)" in stats and "1" in stats

    # picking another choice with a number key, on a phone-sized screen
    page.set_viewport_size(PHONE)
    page.keyboard.press("n")
    page.wait_for_selector("#decision")
    assert no_horizontal_scroll(page)
    shot(page, "review-task-375")
    page.keyboard.press("2")
    assert (
        page.locator("#decision [data-event]")
        .first.locator("input[type=radio]")
        .nth(1)
        .is_checked()
    )
    page.context.close()
