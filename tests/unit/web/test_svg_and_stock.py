"""Server-made plots escape what they are given and draw what they should;
stock per facing is the opening stock minus the engine's takes plus its puts."""

from __future__ import annotations

from sqlalchemy import select

from tests.unit.web.conftest import Web
from walkout.domain.layout import Layout
from walkout.server.db.visits import ShelfEventRow
from walkout.web import svg
from walkout.web.stock import stock_by_facing


def test_plots_escape_labels_and_handle_no_data() -> None:
    out = svg.line_plot([("<script>", [(0.0, 1.0), (1.0, 2.0)])], title="a & b")
    assert "<script>" not in out and "&lt;script&gt;" in out and "a &amp; b" in out
    assert out.count("<polyline") == 1
    assert "no data yet" in svg.line_plot([])
    assert "no data yet" in svg.bar_chart([("a", 0.0)])
    bars = svg.bar_chart([("09", 3.0), ("10", 5.0)])
    assert bars.count("<rect") == 2
    assert svg.hbar_chart([("Tea", 2.0)]).count("<rect") == 1


def test_stock_colours() -> None:
    assert svg.stock_colour(None) == "#cbd5e1"
    assert svg.stock_colour(0.05) == "#dc2626"
    assert svg.stock_colour(0.3) == "#f59e0b"
    assert svg.stock_colour(0.9) == "#16a34a"


def test_stock_is_opening_stock_minus_the_engines_takes(web: Web) -> None:
    st = web.server.stores[web.store]
    with web.server.session_factory() as db:
        stock = stock_by_facing(db, st)
        events = list(db.scalars(select(ShelfEventRow.data).where(ShelfEventRow.store_id == st.id)))
    assert len(stock) == len(st.planogram)
    opening = sum(f.capacity if f.stock is None else f.stock for f in st.planogram)
    takes = sum(
        int(k) * (1 if e["op"] == "take" else -1)
        for e in events
        if e["op"] in ("take", "put") and e["hypotheses"]
        for sku, k in e["hypotheses"][0]["items"]
        if sku != "?"
    )
    assert takes > 0
    assert sum(f.units for f in stock) == opening - takes
    assert all(0 <= f.fraction <= 1 for f in stock)
    fixtures = {f.id for f in Layout.of(st).fixtures}
    assert {f.fixture for f in stock} <= fixtures


def test_the_floor_plan_draws_every_fixture_and_each_person() -> None:
    from walkout.stores import resolve_store

    lay = Layout.of(resolve_store("corner-shop"))
    out = svg.floor_plan(lay, {}, {}, people=[(2.0, 2.0), (3.0, 1.0)], flagged=["G01"])
    assert out.count("data-fixture=") == len(lay.fixtures)
    assert out.count('class="person"') == 2


def test_the_floor_reads_the_live_operations_inventory_staff_restocks_too(web: Web) -> None:
    """With store operations running, a staff restock (never a shelf event the
    stored-events count sees as stock) shows on the floor plan."""
    from tests.unit.operations.conftest import event
    from walkout.eventlog.records import GatePass
    from walkout.server.worker.ops_adapter import OperationsAdapter
    from walkout.web.stock import live_inventory, stock_now

    st = web.server.stores[web.store]
    worker = web.server.workers[web.store]
    adapter = OperationsAdapter(st)
    k = next(i for i, f in enumerate(st.planogram) if f.capacity >= 4)
    f = st.planogram[k]
    inv = adapter.ops.inventory
    inv.facings[k].units = 1  # shoppers took all but one
    put = event("R1", "put", f.product, 2, {f.plates[0]: 100.0}, web.clock.t, staff=True)
    adapter.apply(GatePass(device="g", t=web.clock.t, direction="in"), [put])
    assert inv.facings[k].units == 3  # the restock counted
    with web.server.session_factory() as db:
        before = stock_now(web.server, db, st)
        worker.watchers.append(adapter)
        try:
            assert live_inventory(web.server, web.store) is inv
            live = stock_now(web.server, db, st)
            page = web.client("staff").get(f"/web/{web.store}/ops").text
        finally:
            worker.watchers.remove(adapter)
    assert before == stock_by_facing(db, st)  # no operations: the stored events
    assert live[k].units == 3 and live[k].sku == f.product
    assert [x.units for x in live] == [max(0, p.units) for p in inv.facings]
    name = next(p.name for p in st.catalogue if p.sku == f.product)
    assert f"{name}: 3/{f.capacity}" in page
