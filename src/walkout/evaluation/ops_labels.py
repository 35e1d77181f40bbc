"""The oracle reviewer for operations: labels for the shelf events the engine
sent to review, as a perfect human would give them a little after the event.

The label of an event is what the truth's actions matched to it moved (the
same matching as the receipts' scoring, ``match_events``), over a window of
recent events and actions; an event matched to nothing is labelled "nothing
moved", unless it is a part of an action the engine saw as two events (then it
gets its share of the action's units by weight, ``shares``: the matching gives
the whole action to the other part, and a reviewer of this one sees units
move). Only flagged take and put events are labelled: the reviewer sees what
the engine doubted, nothing else. A label has the form the server logs a review
decision in (``label_moves``): the units of each product of the event's own op
(the review console cannot say that a put event was a take).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from walkout.evaluation.matching import (
    DEFAULT_TOLERANCE_S,
    EventMatch,
    _near,
    _where,
    match_events,
    time_gap,
)
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
    share_splits: bool = True  # see ``shares``
    shared: int = 0  # actions whose units were shared between parts

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
        units = shares(evs, acts, m) if self.share_splits else {}
        out: list[tuple[str, list[Move], float]] = []
        for e in sorted(ready, key=lambda e: (e.t_decided, e.id)):
            acts_e = m.actions_of.get(e.id, [])
            self.other_op += sum(1 for a in acts_e if a.op != e.op)
            if e.id in units:
                same = [(a.product, n) for a, n in units[e.id] if a.op == e.op]
            else:
                same = [(a.product, a.qty) for a in acts_e if a.op == e.op]
            moves = label_moves(e.op, same)  # type: ignore[arg-type]
            out.append((e.id, moves, e.t_decided + self.delay_s))
        done = {e.id for e in ready}
        self.waiting = [e for e in self.waiting if e.id not in done]
        # keep what later matchings may still need
        keep = min([e.t_start for e in self.waiting], default=now) - 2 * CONTEXT_S
        self.events = [e for e in self.events if e.t_end >= keep]
        self.actions = [a for a in self.actions if a.t_change >= keep]
        self.given += len(out)
        self.shared += len({a.id for lst in units.values() for a, _ in lst})
        return out


def shares(
    events: list[ShelfEvent], actions: list[TruthAction], m: EventMatch
) -> dict[str, list[tuple[TruthAction, int]]]:
    """Units of each true action per event, for actions the engine saw as more than
    one event: what truly happened in each part's window.

    The matching gives an action to one event; another take or put event of the
    same op near it (by the matching's rules of time and place) that got no action
    is a part of it (the engine split one weight change in two). A reviewer of
    that part sees units move, not nothing: the action's units are shared between
    its parts in proportion to their weight (largest remainders), without looking
    at what the engine guessed. Only events whose labels change are returned."""
    by_shelf: dict[tuple[str, int], list[TruthAction]] = defaultdict(list)
    for a in actions:
        for key in _where(a.plates):
            by_shelf[key].append(a)
    parts: dict[str, list[ShelfEvent]] = defaultdict(list)
    for e in events:
        if e.id in m.actions_of or e.op not in ("take", "put"):
            continue
        key = (e.fixture, e.shelf)
        eplates = _where(e.plates).get(key, set())
        mid = (e.t_start + e.t_end) / 2
        best: tuple[tuple[float, float, str], TruthAction] | None = None
        for a in by_shelf.get(key, []):
            gap = time_gap(a.t_change, e)
            if a.op != e.op or gap > DEFAULT_TOLERANCE_S or a.id not in m.event_of:
                continue
            if not _near(_where(a.plates)[key], eplates):
                continue
            rank = (gap, abs(a.t_change - mid), a.id)
            if best is None or rank < best[0]:
                best = (rank, a)
        if best is not None:
            parts[best[1].id].append(e)
    byid = {e.id: e for e in events}
    out: dict[str, list[tuple[TruthAction, int]]] = {}
    for aid, extra in sorted(parts.items()):
        main = byid[m.event_of[aid]]
        a = next(x for x in m.actions_of[main.id] if x.id == aid)
        if main.op != a.op:
            continue  # its own event is of the other op: the part alone is the action
        evs = [main, *sorted(extra, key=lambda e: e.id)]
        n = _largest_remainders(a.qty, [abs(e.delta_g) for e in evs])
        for e, k in zip(evs, n, strict=True):
            if e.id not in out:
                out[e.id] = [(x, x.qty) for x in m.actions_of.get(e.id, []) if x.id != aid]
            else:
                out[e.id] = [(x, q) for x, q in out[e.id] if x.id != aid]
            out[e.id].append((a, k))
    return out


def _largest_remainders(total: int, weights: list[float]) -> list[int]:
    """``total`` units in proportion to ``weights`` (equal shares if all are 0)."""
    w = weights if sum(weights) > 0 else [1.0] * len(weights)
    exact = [total * x / sum(w) for x in w]
    n = [int(x) for x in exact]
    for i in sorted(range(len(w)), key=lambda i: (n[i] - exact[i], i))[: total - sum(n)]:
        n[i] += 1
    return n
