"""The oracle reviewer for operations: labels for the shelf events the engine
sent to review, as a perfect human would give them a little after the event.

The label of an event is what the truth's actions matched to it moved (the
same matching as the receipts' scoring, ``match_events``), over a window of
recent events and actions; an event matched to nothing is labelled "nothing
moved". Only flagged take and put events are labelled: the reviewer sees what
the engine doubted, nothing else. A label has the form the server logs a review
decision in (``label_moves``): the units of each product of the event's own op
(the review console cannot say that a put event was a take).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from walkout.evaluation.matching import match_events
from walkout.eventlog.truth import TruthAction
from walkout.fusion.outputs import ShelfEvent
from walkout.operations.corrections import Move, label_moves

#: Seconds from the engine's decision to the reviewer's label.
LABEL_DELAY_S = 60.0
#: Seconds of events and actions before the oldest waiting event that the matching sees.
CONTEXT_S = 120.0


@dataclass
class OracleLabels:
    delay_s: float = LABEL_DELAY_S
    events: list[ShelfEvent] = field(default_factory=list)
    waiting: list[ShelfEvent] = field(default_factory=list)
    actions: list[TruthAction] = field(default_factory=list)
    given: int = 0
    other_op: int = 0  # actions matched to an event of the other op: no label can say them

    def on_event(self, e: ShelfEvent) -> None:
        self.events.append(e)  # all of them: the matching must see every candidate
        if e.review and e.op in ("take", "put"):
            self.waiting.append(e)

    def on_truth(self, rec: object) -> None:
        if isinstance(rec, TruthAction):
            self.actions.append(rec)

    def due(self, now: float) -> list[tuple[str, list[Move], float]]:
        """(event id, what moved, when labelled) for every waiting event now due."""
        ready = [e for e in self.waiting if e.t_decided + self.delay_s <= now]
        if not ready:
            return []
        lo = min(e.t_start for e in ready) - CONTEXT_S
        evs = [e for e in self.events if e.t_end >= lo]
        acts = [a for a in self.actions if a.t_change >= lo and a.t_change <= now]
        m = match_events(evs, acts)
        out: list[tuple[str, list[Move], float]] = []
        for e in sorted(ready, key=lambda e: (e.t_decided, e.id)):
            acts_e = m.actions_of.get(e.id, [])
            same = [(a.product, a.qty) for a in acts_e if a.op == e.op]
            moves = label_moves(e.op, same)  # type: ignore[arg-type]
            self.other_op += sum(1 for a in acts_e if a.op != e.op)
            out.append((e.id, moves, e.t_decided + self.delay_s))
        done = {e.id for e in ready}
        self.waiting = [e for e in self.waiting if e.id not in done]
        # keep what later matchings may still need
        keep = min([e.t_start for e in self.waiting], default=now) - 2 * CONTEXT_S
        self.events = [e for e in self.events if e.t_end >= keep]
        self.actions = [a for a in self.actions if a.t_change >= keep]
        self.given += len(out)
        return out
