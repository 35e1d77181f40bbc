"""What the pages do, without a browser: a reviewer's pick other than the top
one settles the receipt as picked; staff claim and close from the floor page
(htmx gets the fragment back); the analytics count what the server stored; the
settings page changes the running engine's review threshold."""

from __future__ import annotations

from tests.unit.server.conftest import charge_settled, pay_until
from tests.unit.web.conftest import Web
from walkout.web.review_data import choices, line_counts, reviewer_stats


def test_a_pick_other_than_the_top_settles_the_receipt_as_picked(web: Web) -> None:
    s = web.store
    c = web.client("reviewer")
    r = c.post(f"/web/{s}/review/next")
    task = r.headers["location"].rsplit("/", 1)[1]
    admin = {"Authorization": f"Bearer {web.tokens['admin']}"}
    t = c.get(f"/api/stores/{s}/review/tasks/{task}", headers=admin).json()
    assert t["events"]
    before = {ln["sku"]: ln["qty"] for ln in t["receipt"]["lines"]}
    # settle each event the other way from the engine: an event it gave to this
    # visit was nobody's; an event it gave to someone else was this visit's
    from walkout.server.db.visits import ShelfEventRow

    form = {}
    want = dict(before)
    with web.server.session_factory() as db:
        for e in t["events"]:
            data = db.get(ShelfEventRow, (s, e)).data
            cs = choices(data)
            mine = data["session"] == t["session"]
            top = cs[0].items
            k = next(
                i
                for i, ch in enumerate(cs)
                if ch.items == top and ch.session == (None if mine else t["session"])
            )
            form[f"ev-{e}"] = str(k)
            sign = (1 if data["op"] == "take" else -1) * (-1 if mine else 1)
            for sku, n in top:
                want[sku] = want.get(sku, 0) + sign * n
    want = {k: v for k, v in want.items() if v > 0}
    assert want != before
    r = c.post(f"/web/{s}/review/tasks/{task}/decision", data=form)
    assert r.status_code == 200 and "is <b>final</b>" in r.text
    after = c.get(f"/api/stores/{s}/receipts/{t['session']}", headers=admin).json()
    assert {ln["sku"]: ln["qty"] for ln in after["lines"]} == want
    assert after["status"] == "final" and after["decided_by"] == "review"
    # decided once: a second decision is refused with a page saying why
    r = c.post(f"/web/{s}/review/tasks/{task}/decision", data=form)
    assert r.status_code == 409 and "already decided" in r.text
    # the reviewer's statistics count it, against the engine
    with web.server.session_factory() as db:
        (mine,) = [x for x in reviewer_stats(db, s) if x.name == "reviewer"]
    assert mine.decisions == 1 and mine.agree_engine == 0.0  # settled the other way
    assert mine.refunded_after == 0 and mine.per_hour is None  # one decision: no span yet
    (ex,) = c.get(f"/api/stores/{s}/review/examples", headers=admin).json()
    assert ex["task"] == task and line_counts(ex["lines"]) == want
    assert set(ex["events"]) == set(t["events"])  # each event labelled


def test_staff_claim_and_close_from_the_floor(web: Web) -> None:
    s = web.store
    c = web.client("staff")
    r = c.post(f"/web/{s}/ops/alerts/A-restock-G02/claim", headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'id="floor"' in r.text and "<html" not in r.text
    other = web.client("admin")
    assert other.post(f"/web/{s}/ops/alerts/A-restock-G02/close").status_code == 403
    r = c.post(f"/web/{s}/ops/alerts/A-restock-G02/close", data={"note": "filled up"})
    assert r.status_code == 303
    page = c.get(f"/web/{s}/ops").text
    assert "filled up" in page and 'id="alerts-A-restock-G02"' not in page


def test_analytics_count_what_the_server_stored(web: Web) -> None:
    from walkout.web.analytics import figures

    st = web.server.stores[web.store]
    with web.server.session_factory() as db:
        f = figures(db, st)
    assert f.visits >= 6 and f.receipts >= 4
    assert f.review_rate is not None and 0 < f.review_rate < 1  # 2 of 6 went to review
    assert sum(v for _, v in f.basket_sizes) == f.receipts
    assert f.revenue == round(sum(v for _, v in f.sales_by_hour) * 100)
    assert f.top_sellers and f.latency_p50_s is not None and f.latency_p50_s >= 0
    html = web.client("staff").get(f"/web/{web.store}/ops/analytics").text
    assert html.count('class="plot"') >= 6


def test_a_dispute_above_the_limit_is_decided_on_the_review_pages(web: Web) -> None:
    from tests.unit.server.payments.conftest import final_receipt

    s = web.store
    shopper = web.client()
    r = shopper.post(f"/web/{s}/signup", data={"email": "grace@example.com"})
    assert r.status_code == 303 and r.headers["location"] == f"/web/{s}/shop"
    assert (
        shopper.post(f"/web/{s}/shop/cards", data={"payment_method": "pm_card_visa"}).status_code
        == 303
    )
    tok = shopper.cookies.get("walkout_token")
    me = shopper.get(f"/api/stores/{s}/me", headers={"Authorization": f"Bearer {tok}"}).json()
    admin = {"Authorization": f"Bearer {web.tokens['admin']}"}
    shopper.put(f"/api/stores/{s}/policy", json={"dispute_auto_refund_max": 0}, headers=admin)
    sku = web.server.stores[s].catalogue[0].sku
    ctx = web.server.payments.ctx
    final_receipt(ctx, s, me["id"], "S900001", [(sku, 2)], web.clock.t - 60)
    pay_until(web.server, charge_settled(web.server, s, "S900001"))
    r = shopper.post(
        f"/web/{s}/shop/receipts/S900001/lines/0/dispute", data={"qty": "1", "reason": "one only"}
    )
    assert r.status_code == 303
    page = shopper.get(r.headers["location"]).text
    assert "Sent for review" in page

    reviewer = web.client("reviewer")
    listing = reviewer.get(f"/web/{s}/review/disputes").text
    assert "S900001" in listing and "one only" in listing
    (did,) = [
        d["id"]
        for d in shopper.get(f"/api/stores/{s}/disputes", headers=admin).json()
        if d["session"] == "S900001"
    ]
    detail = reviewer.get(f"/web/{s}/review/disputes/{did}").text
    assert 'id="accept"' in detail
    r = reviewer.post(
        f"/web/{s}/review/disputes/{did}/decision", data={"accept": "true", "note": "camera agrees"}
    )
    assert r.status_code == 303
    done = reviewer.get(r.headers["location"]).text
    assert f"Dispute {did}: refund" in done and "camera agrees" in done
    assert "S900001" not in done.split("<table", 1)[1]  # no longer waiting
    shown = shopper.get(f"/web/{s}/shop/receipts/S900001").text
    assert "camera agrees" in shown


def test_the_floor_shows_people_the_tracker_sees_now_and_nobody_else() -> None:
    from types import SimpleNamespace as NS

    import numpy as np

    from walkout.fusion.tracks import Track, TrackBuffer
    from walkout.web.ops import people_in_store

    buf = TrackBuffer()
    buf.latest_t = 100.0
    seen = (("a", 99.8, (2.0, 3.0)), ("b", 100.0, (4.0, 1.0)), ("gone", 90.0, (1.0, 1.0)))
    for tid, last_t, xy in seen:
        buf.tracks[tid] = Track(tid, 50.0, np.zeros(2), last_t=last_t, last_xy=np.array(xy))
    workers = {"s": NS(engine=NS(tracks=buf)), "cold": NS(engine=None)}
    request = NS(app=NS(state=NS(server=NS(workers=workers))))
    assert sorted(people_in_store(request, "s")) == [(2.0, 3.0), (4.0, 1.0)]  # type: ignore[arg-type]
    assert people_in_store(request, "cold") == []  # type: ignore[arg-type]
    assert people_in_store(request, "nowhere") == []  # type: ignore[arg-type]


def test_a_declined_receipt_is_paid_again_from_its_page(web: Web) -> None:
    from tests.unit.server.payments.conftest import final_receipt

    s = web.store
    shopper = web.client()
    shopper.post(f"/web/{s}/signup", data={})
    shopper.post(f"/web/{s}/shop/cards", data={"payment_method": "pm_card_chargeCustomerFail"})
    tok = shopper.cookies.get("walkout_token")
    me = shopper.get(f"/api/stores/{s}/me", headers={"Authorization": f"Bearer {tok}"}).json()
    sku = web.server.stores[s].catalogue[0].sku
    final_receipt(web.server.payments.ctx, s, me["id"], "S900002", [(sku, 1)], web.clock.t - 60)
    pay_until(web.server, charge_settled(web.server, s, "S900002"))
    page = shopper.get(f"/web/{s}/shop/receipts/S900002").text
    assert 'id="unpaid"' in page
    assert "unpaid receipt" in shopper.get(f"/web/{s}/shop").text  # the gate would refuse
    shopper.post(f"/web/{s}/shop/cards", data={"payment_method": "pm_card_visa"})
    r = shopper.post(f"/web/{s}/shop/receipts/S900002/pay")
    assert r.status_code == 303
    pay_until(
        web.server,
        lambda: 'id="unpaid"' not in shopper.get(f"/web/{s}/shop/receipts/S900002").text,
    )
    page = shopper.get(f"/web/{s}/shop/receipts/S900002").text
    assert 'id="unpaid"' not in page and "succeeded" in page
    r = shopper.post(f"/web/{s}/shop/receipts/S900002/pay")  # nothing owed now
    assert r.status_code == 200 and 'role="alert"' in r.text


def test_staff_answer_an_id_check_from_the_floor(web: Web) -> None:
    """The ID-check buttons log an ``id_verification`` record for store operations."""
    from walkout.eventlog.records import IdVerification
    from walkout.server.service.queues import record_operations
    from walkout.server.worker.operations import StaffTaskIn

    s = web.store
    with web.server.bus.uow() as uow:
        record_operations(
            uow,
            s,
            [
                StaffTaskIn(
                    id="idcheck-web",
                    kind="id_check",
                    title="Check ID: age-restricted item taken",
                    t=web.clock.t,
                    data={"session": "S000004", "items": {"ALC00003": 1}},
                )
            ],
        )
        uow.commit()
    c = web.client("staff")
    page = c.get(f"/web/{s}/ops").text
    assert "/ops/tasks/idcheck-web/verify-id" in page and "ID OK" in page
    admin = web.client("admin")
    assert "/ops/tasks/idcheck-web/verify-id" not in admin.get(f"/web/{s}/ops").text
    url = f"/web/{s}/ops/tasks/idcheck-web/verify-id"
    assert admin.post(url, data={"verified": "yes"}).status_code == 403
    assert web.client("shopper").post(url, data={"verified": "yes"}).status_code in (303, 403)
    assert c.post(url, data={"verified": "maybe"}).status_code == 422
    end = web.server.logs[s].end()
    r = c.post(url, data={"verified": "no"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'id="floor"' in r.text
    ((_, rec),) = web.server.logs[s].read(end, 10, timeout=1.0)
    assert isinstance(rec, IdVerification)
    assert (rec.session, rec.verified, rec.task) == ("S000004", False, "idcheck-web")


def test_the_settings_page_changes_the_running_engines_threshold(web: Web) -> None:
    """A saved threshold is a ``review_threshold`` record the running engine applies;
    a save that keeps it logs nothing; staff read the page but cannot save."""
    from tests.unit.server.conftest import caught_up
    from walkout.eventlog.records import ReviewThresholdSet

    s, srv = web.store, web.server
    url = f"/web/{s}/ops/settings"
    now = web.client().get(
        f"/api/stores/{s}/settings", headers={"Authorization": f"Bearer {web.tokens['admin']}"}
    )
    was = now.json()  # the rest of the form as it is, for the module's other tests
    form = {
        "review_threshold": "0.97",
        "age_check": was["age_check"],
        "hold_amount": str(was["hold_amount"] / 100),
        "dispute_auto_refund_max": str(was["dispute_auto_refund_max"] / 100),
    }
    staff = web.client("staff")
    assert "Takes effect at once" in staff.get(url).text
    end = srv.logs[s].end()
    assert staff.post(url, data=form).status_code == 403
    admin = web.client("admin")
    try:
        for _ in range(2):  # the second save keeps it
            r = admin.post(url, data=form)
            assert r.status_code == 200 and 'id="saved"' in r.text
        ((_, rec),) = srv.logs[s].read(end, 10, timeout=1.0)
        assert isinstance(rec, ReviewThresholdSet) and rec.threshold == 0.97
        caught_up(srv, s)
        assert srv.workers[s].engine.cfg.review_threshold == 0.97
    finally:  # the module's other tests see the default again
        back = {**form, "review_threshold": str(was["review_threshold"])}
        assert admin.post(url, data=back).status_code == 200
