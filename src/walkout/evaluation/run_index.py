"""A run directory's outputs, reduced to what the engine finally said.

The engine may revise: a session is written when it closes, a receipt again
when a review settles it, an event may be split into parts. Scoring uses the
last word on each: the last record of an id (file order), the last receipt of
a session, and the parts of a split event instead of the event they replace.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from walkout.evaluation.runfiles import Run
from walkout.fusion.outputs import Receipt, Session, ShelfEvent


@dataclass
class RunIndex:
    run: Run
    events: dict[str, ShelfEvent] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    receipts: dict[str, Receipt] = field(default_factory=dict)

    @property
    def moves(self) -> list[ShelfEvent]:
        """Events that say units moved (op take or put)."""
        return [e for e in self.events.values() if e.op != "none"]

    @property
    def has_attribution(self) -> bool:
        """Whether the engine attributed anything at all (False on a weights-only log)."""
        return any(
            e.session is not None or any(a.session or a.track for a in e.attribution)
            for e in self.events.values()
        )


def index_run(run: Run) -> RunIndex:
    idx = RunIndex(run=run)
    events: dict[str, ShelfEvent] = {}
    for e in run.events:
        events[e.id] = e
    replaced = {e.parent for e in events.values() if e.parent is not None}
    idx.events = {k: e for k, e in events.items() if k not in replaced}
    for s in run.sessions:
        idx.sessions[s.id] = s
    for r in run.receipts:
        idx.receipts[r.session] = r
    return idx
