"""The ground truth, indexed for scoring.

The truth streams in the order facts became final; scoring needs it by
session, by track and in time order, so it is read once into these indexes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from walkout.eventlog.truth import (
    TruthAction,
    TruthError,
    TruthFault,
    TruthHandoff,
    TruthHeader,
    TruthLean,
    TruthReceipt,
    TruthSession,
    TruthTrackSwap,
    read_truth,
)

#: A receipt as a multiset: sku -> units (> 0).
Bag = dict[str, int]


@dataclass
class TruthIndex:
    """Built once by ``load_truth``; the derived views are cached, so treat it as read-only."""

    path: Path
    header: TruthHeader | None
    sessions: dict[str, TruthSession] = field(default_factory=dict)
    actions: list[TruthAction] = field(default_factory=list)
    receipts: dict[str, Bag] = field(default_factory=dict)
    prices: dict[str, int] = field(default_factory=dict)
    handoffs: list[TruthHandoff] = field(default_factory=list)
    leans: list[TruthLean] = field(default_factory=list)
    swaps: list[TruthTrackSwap] = field(default_factory=list)
    faults: list[TruthFault] = field(default_factory=list)

    @cached_property
    def scored(self) -> list[str]:
        """Paying sessions: not staff, with an account; in order of entry."""
        return _in_order(s for s in self.sessions.values() if not s.staff and s.account)

    @cached_property
    def tailgaters(self) -> list[str]:
        return _in_order(s for s in self.sessions.values() if not s.staff and not s.account)

    @cached_property
    def staff(self) -> list[str]:
        return _in_order(s for s in self.sessions.values() if s.staff)

    @cached_property
    def track_session(self) -> dict[str, str]:
        """Initial track id (the one given at the gate) -> session id."""
        return {p.track: s.id for s in self.sessions.values() for p in s.people}

    @cached_property
    def person_track(self) -> dict[str, str]:
        return {p.id: p.track for s in self.sessions.values() for p in s.people}

    def receipt(self, session: str) -> Bag:
        return self.receipts.get(session, {})


def _in_order(sessions: Iterable[TruthSession]) -> list[str]:
    return [s.id for s in sorted(sessions, key=lambda s: (s.enter, s.id))]


def load_truth(path: str | Path) -> TruthIndex:
    """Read a truth.jsonl; raises TruthError (a ValueError) naming the file."""
    p = Path(path)
    idx = TruthIndex(path=p, header=None)
    n = 0
    for rec in read_truth(p):
        n += 1
        if isinstance(rec, TruthHeader):
            idx.header = rec
        elif isinstance(rec, TruthSession):
            idx.sessions[rec.id] = rec
        elif isinstance(rec, TruthAction):
            idx.actions.append(rec)
        elif isinstance(rec, TruthReceipt):
            idx.receipts[rec.session] = _bag_of(rec)
            for ln in rec.lines:
                idx.prices.setdefault(ln.sku, ln.unit_price)
        elif isinstance(rec, TruthHandoff):
            idx.handoffs.append(rec)
        elif isinstance(rec, TruthLean):
            idx.leans.append(rec)
        elif isinstance(rec, TruthTrackSwap):
            idx.swaps.append(rec)
        elif isinstance(rec, TruthFault):
            idx.faults.append(rec)
    if n == 0:
        raise TruthError(f"{p}: empty; expected a truth.jsonl written by walkout simulate")
    if idx.header is None and not idx.sessions:
        raise TruthError(f"{p}: no header and no sessions; is this a truth.jsonl?")
    idx.actions.sort(key=lambda a: (a.t_change, a.id))
    return idx


def _bag_of(rec: TruthReceipt) -> Bag:
    out: Bag = {}
    for ln in rec.lines:
        out[ln.sku] = out.get(ln.sku, 0) + ln.qty
    return out
