"""What a run contained, measured from its own truth: the numbers that show a
scenario really is as hard as it claims (share of sessions with put-backs,
share of takes with someone within arm's reach, ...)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel, Field

from walkout.eventlog.truth import (
    TruthAction,
    TruthHandoff,
    TruthLean,
    TruthReceipt,
    TruthSession,
    TruthTrackSwap,
)

SESSION_BEHAVIOURS = (
    "group",
    "put_back",
    "wrong_shelf",
    "swap_similar",
    "handoff_group",
    "handoff_other",
    "long_hold",
    "lean",
    "conceal",
    "tailgate",
    "reach_across",
    "simultaneous",
)
TAKE_BEHAVIOURS = (
    "multi_unit",
    "crowded",
    "reach_across",
    "simultaneous",
    "swap_similar",
    "long_hold",
    "conceal",
)


class RunSummary(BaseModel):
    store: str = ""
    scenario: str = ""
    seed: int = 0
    simulated_s: float = 0.0
    wall_s: float = 0.0
    sessions: int = 0
    shopper_sessions: int = 0
    staff_visits: int = 0
    tailgaters: int = 0
    people: int = 0
    takes: int = 0
    puts: int = 0
    items_on_receipts: int = 0
    revenue_minor: int = 0
    handoffs: int = 0
    leans: int = 0
    track_swaps: int = 0
    session_rates: dict[str, float] = Field(
        default_factory=dict, description="share of shopper sessions"
    )
    take_rates: dict[str, float] = Field(default_factory=dict, description="share of shopper takes")
    records: dict[str, int] = Field(default_factory=dict)
    samples: int = 0
    log_bytes: int = 0

    @property
    def realtime_factor(self) -> float:
        return self.simulated_s / self.wall_s if self.wall_s > 0 else float("inf")


class SummaryBuilder:
    def __init__(self) -> None:
        self.s = RunSummary()
        self._sess_beh: Counter[str] = Counter()
        self._take_beh: Counter[str] = Counter()
        self._shopper_takes = 0
        self._staff_sessions: set[str] = set()

    def truth(self, rec: Any) -> None:
        s = self.s
        if isinstance(rec, TruthSession):
            s.sessions += 1
            s.people += len(rec.people)
            if rec.staff:
                s.staff_visits += 1
                return
            s.shopper_sessions += 1
            if "tailgate" in rec.behaviours:
                s.tailgaters += 1
            for b in set(rec.behaviours):
                self._sess_beh[b] += 1
        elif isinstance(rec, TruthAction):
            if rec.op == "take":
                s.takes += 1
                if rec.charged:
                    self._shopper_takes += 1
                    for b in set(rec.behaviours):
                        self._take_beh[b] += 1
            else:
                s.puts += 1
        elif isinstance(rec, TruthReceipt):
            s.items_on_receipts += sum(ln.qty for ln in rec.lines)
            s.revenue_minor += rec.total
        elif isinstance(rec, TruthHandoff):
            s.handoffs += 1
        elif isinstance(rec, TruthLean):
            s.leans += 1
        elif isinstance(rec, TruthTrackSwap):
            s.track_swaps += 1

    def finish(self) -> RunSummary:
        s = self.s
        n = max(s.shopper_sessions, 1)
        s.session_rates = {b: round(self._sess_beh[b] / n, 4) for b in SESSION_BEHAVIOURS}
        s.session_rates["handoff_any"] = round(
            (self._sess_beh["handoff_group"] + self._sess_beh["handoff_other"]) / n, 4
        )
        t = max(self._shopper_takes, 1)
        s.take_rates = {b: round(self._take_beh[b] / t, 4) for b in TAKE_BEHAVIOURS}
        return s
