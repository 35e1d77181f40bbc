"""The review console's pages: the queue puts a shopper waiting for their
receipt before older work nobody waits for; a task shows product images
where the catalogue has them."""

from __future__ import annotations

from tests.unit.web.conftest import Web
from walkout.server.db.queues import ReviewTaskRow
from walkout.server.db.visits import CredentialRow, ReceiptRow
from walkout.web.review_data import queue


def test_a_waiting_shopper_comes_before_older_tasks(web: Web) -> None:
    with web.server.session_factory() as db:
        before = queue(db, web.store)
        assert len(before) == 2 and all(q.shopper_waiting for q in before)
        assert [q.task.t for q in before] == sorted(q.task.t for q in before)  # oldest first
        older = db.get(ReviewTaskRow, (web.store, before[0].task.id))
        rec = db.get(ReceiptRow, (web.store, older.session))
        db.delete(db.get(CredentialRow, rec.token))  # nobody (no account) waits for it
        db.commit()
        after = queue(db, web.store)
    assert [q.task.id for q in after] == [before[1].task.id, before[0].task.id]
    assert [q.shopper_waiting for q in after] == [True, False]
    html = web.client("reviewer").get(f"/web/{web.store}/review").text
    assert html.index(before[1].task.id) < html.index(before[0].task.id)


def test_a_task_shows_the_product_images_the_catalogue_has(web: Web) -> None:
    srv = web.server
    st = srv.stores[web.store]
    with srv.session_factory() as db:
        (item, *_) = queue(db, web.store)
    c = web.client("reviewer")
    page = c.get(f"/web/{web.store}/review/tasks/{item.task.id}").text
    assert "<img" not in page  # the built-in catalogue has no images
    pictured = [
        p.model_copy(update={"image": f"https://img.example/{p.sku}.png"}) for p in st.catalogue
    ]
    srv.stores[web.store] = st.model_copy(update={"catalogue": pictured})
    try:
        page = c.get(f"/web/{web.store}/review/tasks/{item.task.id}").text
    finally:
        srv.stores[web.store] = st
    assert '<img src="https://img.example/' in page
