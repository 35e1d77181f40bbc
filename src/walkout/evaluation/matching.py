"""Which engine output is which true thing: sessions, and shelf events to actions.

Sessions: an engine session with a credential token is the true session with
that token (card tokens repeat across visits of one account, so the nearest
entry time wins); one without a token is the true session sharing most of its
track ids. One to one, greedy.

Shelf events: a true action and an engine event match when they are on the
same fixture and shelf, their plates overlap or are neighbours, and the
action's weight change falls within the event, widened by ``tol`` seconds on
each side. An event may explain several actions (the engine merged them); an
action goes to one event only. Pairs are taken greedily, nearest in time
first (time outside the event's span, then a differing op, then plates
unlike the action's, then, between the parts of one split event, a part given
to another shopper, then grams unlike the action's, then distance to the
span's middle): first one action per event, then the actions left over join
the nearest event (a merge).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from walkout.domain.store import parse_plate_id
from walkout.eventlog.truth import TruthAction, TruthSession
from walkout.fusion.outputs import Session, ShelfEvent

#: Seconds an action's weight change may fall outside an engine event.
DEFAULT_TOLERANCE_S = 1.0


@dataclass
class SessionMatch:
    engine_to_truth: dict[str, str] = field(default_factory=dict)
    truth_to_engine: dict[str, str] = field(default_factory=dict)

    def add(self, engine: str, truth: str) -> None:
        self.engine_to_truth[engine] = truth
        self.truth_to_engine[truth] = engine


def match_sessions(engine: Iterable[Session], truth: Iterable[TruthSession]) -> SessionMatch:
    truth_list = list(truth)
    by_token: dict[str, list[TruthSession]] = defaultdict(list)
    by_track: dict[str, TruthSession] = {}
    for t in truth_list:
        if t.token:
            by_token[t.token].append(t)
        for p in t.people:
            by_track[p.track] = t
    enter = {t.id: t.enter for t in truth_list}
    token_pairs: list[tuple[float, str, str]] = []
    track_pairs: list[tuple[int, float, str, str]] = []
    for e in engine:
        if e.token:
            for t in by_token.get(e.token, []):
                token_pairs.append((abs(e.t_enter - t.enter), e.id, t.id))
        else:
            shared: dict[str, int] = defaultdict(int)
            for tr in e.tracks:
                if tr in by_track:
                    shared[by_track[tr].id] += 1
            for tid, n in shared.items():
                track_pairs.append((-n, abs(e.t_enter - enter[tid]), e.id, tid))
    out = SessionMatch()
    for _, eid, tid in sorted(token_pairs):
        if eid not in out.engine_to_truth and tid not in out.truth_to_engine:
            out.add(eid, tid)
    for _, _, eid, tid in sorted(track_pairs):
        if eid not in out.engine_to_truth and tid not in out.truth_to_engine:
            out.add(eid, tid)
    return out


@dataclass
class EventMatch:
    event_of: dict[str, str] = field(default_factory=dict)
    """truth action id -> engine event id"""
    actions_of: dict[str, list[TruthAction]] = field(default_factory=dict)
    """engine event id -> its truth actions, in time order"""


def _where(plates: Iterable[str]) -> dict[tuple[str, int], set[int]]:
    out: dict[tuple[str, int], set[int]] = defaultdict(set)
    for pid in plates:
        try:
            fixture, shelf, plate = parse_plate_id(pid)
        except ValueError:
            continue
        out[(fixture, shelf)].add(plate)
    return out


def _near(a: set[int], b: set[int]) -> bool:
    if not a or not b:
        return True
    return any(abs(i - j) <= 1 for i in a for j in b)


def _unlike(a: set[int], b: set[int]) -> float:
    """1 - Jaccard similarity of two plate sets: 0 for the same plates."""
    return 1.0 - len(a & b) / len(a | b) if a or b else 0.0


def time_gap(t: float, e: ShelfEvent) -> float:
    """How far ``t`` lies outside the event's span (0 inside)."""
    return max(e.t_start - t, t - e.t_end, 0.0)


def match_events(
    events: Iterable[ShelfEvent],
    actions: Iterable[TruthAction],
    tol: float = DEFAULT_TOLERANCE_S,
    sessions: SessionMatch | None = None,
) -> EventMatch:
    shelves: dict[tuple[str, int], list[tuple[float, ShelfEvent, set[int]]]] = defaultdict(list)
    longest: dict[tuple[str, int], float] = defaultdict(float)
    for e in events:
        key = (e.fixture, e.shelf)
        plates = _where(e.plates).get(key, set())
        shelves[key].append((e.t_start, e, plates))
        longest[key] = max(longest[key], e.t_end - e.t_start)
    for lst in shelves.values():
        lst.sort(key=lambda x: (x[0], x[1].id))
    starts = {k: [x[0] for x in v] for k, v in shelves.items()}
    pairs: list[tuple[float, int, float, int, float, float, str, str]] = []
    acts = {a.id: a for a in actions}
    for a in acts.values():
        for key, plates in _where(a.plates).items():
            lst = shelves.get(key)
            if not lst:
                continue
            hi = bisect.bisect_right(starts[key], a.t_change + tol)
            lo = bisect.bisect_left(starts[key], a.t_change - tol - longest[key])
            for _, e, eplates in lst[lo:hi]:
                gap = time_gap(a.t_change, e)
                if gap > tol or not _near(plates, eplates):
                    continue
                mid = abs(a.t_change - (e.t_start + e.t_end) / 2)
                # the parts of one split event share span and plates: each part goes
                # to the action of the shopper it was given to, if there is one
                other = int(
                    e.parent is not None
                    and sessions is not None
                    and sessions.engine_to_truth.get(e.session or "") != a.session
                )
                # ... and, between parts alike in all that, to the action of its weight
                grams = sum(abs(g) for g in a.plates.values())
                off = abs(abs(e.delta_g) - grams) / max(grams, 1.0)
                pairs.append(
                    (gap, int(e.op != a.op), _unlike(plates, eplates), other, off, mid, a.id, e.id)
                )
    pairs.sort()
    out = EventMatch()
    # first every event gets its nearest action, then the rest join the event nearest them
    for one_each in (True, False):
        for *_, aid, eid in pairs:
            if aid in out.event_of or (one_each and eid in out.actions_of):
                continue
            out.event_of[aid] = eid
            out.actions_of.setdefault(eid, []).append(acts[aid])
    for lst2 in out.actions_of.values():
        lst2.sort(key=lambda x: (x.t_change, x.id))
    return out
