"""The shift view: what a store manager reads at the start of a shift."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from walkout.operations.items import Alert, Task


class StockAtRisk(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    sku: str
    name: str
    units: int
    threshold: int
    state: str


class ShiftView(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    t: float
    open_tasks: dict[str, int] = Field(description="open staff tasks by kind")
    tasks: list[dict[str, Any]] = Field(description="the open tasks, oldest first (at most 50)")
    alerts: dict[str, int] = Field(description="alerts raised by kind (not cleared)")
    faulty_sensors: list[dict[str, Any]]
    stock_at_risk: list[StockAtRisk] = Field(
        description="out of stock, last unit, low; worst first"
    )
    misplaced: int

    def lines(self) -> list[str]:
        """A plain-text rendering, for the CLI and the staff console's header."""
        out = [f"open tasks: {sum(self.open_tasks.values())} ({_kv(self.open_tasks)})"]
        out.append(f"alerts: {sum(self.alerts.values())} ({_kv(self.alerts)})")
        out.append(f"faulty sensors: {len(self.faulty_sensors)}")
        oos = sum(1 for s in self.stock_at_risk if s.state == "out_of_stock")
        out.append(f"stock at risk: {len(self.stock_at_risk)} products ({oos} out of stock)")
        out.append(f"misplaced items on shelves: {self.misplaced}")
        return out


def _kv(d: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(d.items())) or "none"


ORDER = {"out_of_stock": 0, "last_unit": 1, "low": 2}


def shift_view(ops: Any) -> ShiftView:
    """From an ``Operations``' current state."""
    tasks: list[Task] = [
        x for x in ops.items.values() if isinstance(x, Task) and x.status == "open"
    ]
    alerts: list[Alert] = [x for x in ops.items.values() if isinstance(x, Alert) and not x.cleared]
    inv = ops.inventory
    risk = []
    for sku in sorted(inv.of_product):
        st = inv.state(sku)
        if st != "ok":
            risk.append(
                StockAtRisk(
                    sku=sku,
                    name=ops.store.products[sku].name,
                    units=inv.units(sku),
                    threshold=inv.threshold(sku),
                    state=st,
                )
            )
    risk.sort(key=lambda s: (ORDER[s.state], s.units, s.sku))
    tasks.sort(key=lambda x: (x.t, x.id))
    return ShiftView(
        t=ops.now,
        open_tasks=dict(Counter(x.kind for x in tasks)),
        tasks=[{"id": x.id, "kind": x.kind, "title": x.title, "t": x.t} for x in tasks[:50]],
        alerts=dict(Counter(x.kind for x in alerts)),
        faulty_sensors=[{"plate": p, "fault": f} for p, f in sorted(ops.health.faulty.items())]
        + [{"device": d, "fault": "offline"} for d in sorted(ops.health.offline)],
        stock_at_risk=risk,
        misplaced=sum(n for n in inv.misplaced.values() if n > 0),
    )
