"""Live inventory: counts, restock tasks with the count needed, out of stock,
last unit, misplaced items and their return."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from walkout.operations.config import OpsConfig
from walkout.operations.inventory import Inventory
from walkout.operations.items import Alert, Task
from walkout.operations.watcher import Operations

from .conftest import event

SNK1 = {"G01.1.1": -50.0, "G01.1.2": -10.0}  # SNK00001 stands on G01.1.1-2, capacity 16


def test_takes_and_puts_move_the_facing(shop) -> None:
    inv = Inventory(shop, OpsConfig())
    assert inv.units("SNK00001") == 16
    inv.take("SNK00001", 3, SNK1, 1.0)
    inv.put("SNK00001", 1, {"G01.1.1": 20.0}, 2.0)
    assert inv.units("SNK00001") == 14
    assert inv.by_plate()["G01.1.1"]["SNK00001"] == 14


def test_restock_task_opens_below_threshold_with_count_needed_and_closes_on_restock(shop) -> None:
    ops = Operations(shop, OpsConfig(restock_threshold={"SNK00001": 5}))
    items = []
    for i in range(12):
        items += ops._output(event(f"E{i}", "take", "SNK00001", 1, SNK1, 10.0 + i))
    restock = [x for x in items if isinstance(x, Task) and x.kind == "restock"]
    assert len(restock) == 1 and restock[0].status == "open"
    assert restock[0].data["units"] == 4 and restock[0].data["need"] == 12
    assert ops.inventory.state("SNK00001") == "low"
    done = ops._output(
        event("R1", "put", "SNK00001", 10, {"G01.1.1": 500.0}, 100.0, session="ST", staff=True)
    )
    assert [x.status for x in done if isinstance(x, Task)] == ["done"]
    assert done[0].id == restock[0].id


def test_out_of_stock_and_last_unit(shop) -> None:
    ops = Operations(shop)
    items = []
    items += ops._output(event("E1", "take", "SNK00002", 3, {"G01.1.3": -90.0}, 1.0))  # stock 4
    assert ops.inventory.state("SNK00002") == "last_unit"
    items += ops._output(event("E2", "take", "SNK00002", 1, {"G01.1.3": -30.0}, 2.0))
    assert ops.inventory.state("SNK00002") == "out_of_stock"
    oos = [x for x in items if isinstance(x, Alert) and x.kind == "out_of_stock"]
    assert len(oos) == 1 and not oos[0].cleared
    back = ops._output(event("R", "put", "SNK00002", 8, {"G01.1.3": 240.0}, 9.0, staff=True))
    assert any(isinstance(x, Alert) and x.kind == "out_of_stock" and x.cleared for x in back)
    view = ops.shift_view()
    assert "SNK00002" not in {s.sku for s in view.stock_at_risk if s.state == "out_of_stock"}


def test_misplaced_put_reports_its_place_and_clears_when_returned(shop) -> None:
    ops = Operations(shop)
    got = ops._output(event("E1", "put", "SNK00001", 1, {"G01.1.6": 30.0}, 5.0))
    t = [x for x in got if isinstance(x, Task)]
    assert t and t[0].kind == "misplaced" and t[0].data["plate"] == "G01.1.6"
    assert "G01.1.1" in t[0].data["home"]
    assert ops.inventory.units("SNK00001") == 16  # not for sale where it lies
    assert ops.shift_view().misplaced == 1
    back = ops._output(event("E2", "take", "SNK00001", 1, {"G01.1.6": -30.0}, 60.0, staff=True))
    done = [x for x in back if isinstance(x, Task) and x.kind == "misplaced"]
    assert done and done[0].status == "done" and done[0].id == t[0].id
    assert ops.shift_view().misplaced == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 4)), max_size=30))
def test_units_never_negative_and_conserved(shop, moves) -> None:
    """Whatever the events, counts stay >= 0 and takes + stock = opening + puts on the facing."""
    inv = Inventory(shop, OpsConfig())
    for take, q in moves:
        (inv.take if take else inv.put)("SNK00003", q, {"G01.1.5": -1.0 if take else 1.0}, 0.0)
        assert inv.units("SNK00003") >= 0
    assert (
        inv.units("SNK00003")
        == 16 - sum(q for t, q in moves if t) + sum(q for t, q in moves if not t) + inv.unexplained
    )
