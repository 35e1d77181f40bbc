"""Shelf events against true actions: found, identified, attributed.

An engine event "moves" when its op is take or put; an op-none event that
matches a true action is a miss (the engine saw the weight come back and
decided nothing happened) and is counted as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from walkout.evaluation.matching import EventMatch, SessionMatch
from walkout.evaluation.receipts import line_bag
from walkout.evaluation.result import ratio
from walkout.evaluation.truth_index import TruthIndex
from walkout.eventlog.truth import TruthAction
from walkout.fusion.outputs import ShelfEvent


def item_ok(e: ShelfEvent, actions: list[TruthAction]) -> bool:
    """The top hypothesis is exactly the units of all actions matched to the event."""
    if e.op == "none" or not e.hypotheses or not actions:
        return False
    if any(a.op != e.op for a in actions):
        return False
    return line_bag(e.hypotheses[0].items) == line_bag((a.product, a.qty) for a in actions)


def attributed_to(e: ShelfEvent, session: str, sessions: SessionMatch) -> bool:
    return e.session is not None and sessions.engine_to_truth.get(e.session) == session


def one_shopper_session(actions: list[TruthAction], truth: TruthIndex) -> str | None:
    """The single non-staff session behind these actions, if there is exactly one."""
    sids = {a.session for a in actions}
    if len(sids) != 1 or not all(a.charged for a in actions):
        return None
    sid = next(iter(sids))
    s = truth.sessions.get(sid)
    return None if s is None or s.staff else sid


def event_right(
    e: ShelfEvent,
    actions: list[TruthAction],
    truth: TruthIndex,
    sessions: SessionMatch,
    with_session: bool,
) -> bool:
    """What the event's ``p`` claims: the top hypothesis and the session are both right.
    Staff work is right when given to nobody (or flagged staff)."""
    if not item_ok(e, actions):
        return False
    if not with_session:
        return True
    sids = {a.session for a in actions}
    if len(sids) != 1:
        return False
    sid = next(iter(sids))
    s = truth.sessions.get(sid)
    if s is not None and s.staff:
        return e.staff or e.session is None or attributed_to(e, sid, sessions)
    return attributed_to(e, sid, sessions)


@dataclass
class ActionOutcome:
    detected: bool
    item_ok: bool | None = None
    """None when not detected"""
    attributed: bool | None = None
    """None when not detected, staff work, or the run attributes nothing"""


@dataclass
class EventScores:
    truth_actions: int = 0
    engine_events: int = 0
    none_events: int = 0
    precision: float | None = None
    recall: float | None = None
    none_events_matched: int = 0
    actions_missed_as_none: int = 0
    item_id_accuracy: float | None = None
    attribution_accuracy: float | None = None
    outcomes: dict[str, ActionOutcome] = field(default_factory=dict)
    """truth action id -> what became of it"""


def score_events(
    events: dict[str, ShelfEvent],
    truth: TruthIndex,
    match: EventMatch,
    sessions: SessionMatch,
    with_attribution: bool,
) -> EventScores:
    out = EventScores(truth_actions=len(truth.actions))
    moves = [e for e in events.values() if e.op != "none"]
    out.engine_events = len(moves)
    out.none_events = len(events) - len(moves)
    out.precision = ratio(sum(1 for e in moves if match.actions_of.get(e.id)), len(moves))
    out.none_events_matched = sum(
        1 for e in events.values() if e.op == "none" and match.actions_of.get(e.id)
    )
    attr_n = attr_ok = 0
    for e in moves:
        acts = match.actions_of.get(e.id, [])
        sid = one_shopper_session(acts, truth)
        if acts and sid is not None:
            attr_n += 1
            attr_ok += attributed_to(e, sid, sessions)
    out.attribution_accuracy = ratio(attr_ok, attr_n) if with_attribution else None
    detected = item_n = 0
    for a in truth.actions:
        eid = match.event_of.get(a.id)
        e = events.get(eid) if eid is not None else None
        if e is None or e.op == "none":
            out.actions_missed_as_none += e is not None
            out.outcomes[a.id] = ActionOutcome(detected=False)
            continue
        detected += 1
        ok = item_ok(e, match.actions_of[e.id])
        item_n += ok
        staff = not a.charged or (s := truth.sessions.get(a.session)) is None or s.staff
        att = None if staff or not with_attribution else attributed_to(e, a.session, sessions)
        out.outcomes[a.id] = ActionOutcome(detected=True, item_ok=ok, attributed=att)
    out.recall = ratio(detected, len(truth.actions))
    out.item_id_accuracy = ratio(item_n, detected)
    return out
