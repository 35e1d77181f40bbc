"""Hand-to-hand meetings between people of different visits: an item changing hands.

Shoppers hand things to people they did not come with (a stranger passing a
jar down, a friend who paid separately). The take was the giver's; the item
leaves with the receiver. The only trace is in the tracks: a hand of each,
raised, held together for a moment in the open, away from any shelf (a reach
across at a shelf brings hands close too, but there the shelf explains it).

``HandMeetings.see`` is fed every frame and reports each meeting once it has
ended; the engine then decides which of the two gave what.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from walkout.domain.layout import Layout
from walkout.eventlog.records import JOINTS
from walkout.fusion.tracks import HEAD, Track

HANDS_ONLY = [JOINTS.index("l_hand"), JOINTS.index("r_hand")]
SIDES = ("left", "right")
PAIR_M = 1.8  # people further apart than this (heads) cannot hand anything over
APART_M = 0.35  # ... and closer than this are pressed together: their hands touch anyway
MEET_M = 0.14  # two hands this close hold the same thing
MIN_FRAMES = 3  # ... for at least this many frames (a fifth of a second)
RAISED = 0.56  # a hand above this share of the head's height is held out (hanging: ~0.47)
SHELF_CLEAR_M = 0.35  # a meeting this far from every shelf front is not a reach into a shelf


@dataclass
class Meeting:
    a: str
    b: str
    t0: float
    t1: float
    point: np.ndarray
    frames: int = 0
    hands: dict[str, str] = field(default_factory=dict)  # track -> the hand that met


class HandMeetings:
    def __init__(self, layout: Layout):
        fronts = [g.front for g in layout.plates]
        self.fronts = np.array(fronts) if fronts else np.zeros((0, 3))
        self.open: dict[tuple[str, str], Meeting] = {}

    def see(self, t: float, live: list[Track], visit: dict[str, str]) -> list[Meeting]:
        """``live``: tracks in this frame; ``visit``: track -> its most likely session.
        Returns meetings that ended by this frame and held long enough."""
        now: set[tuple[str, str]] = set()
        if len(live) >= 2:
            last = np.array([tr.joints[(tr.n - 1) % len(tr.times)] for tr in live])
            head = last[:, HEAD, :2]
            dist = np.linalg.norm(head[:, None] - head[None, :], axis=2)
            close = (dist < PAIR_M) & (dist > APART_M)
            for i, j in np.argwhere(np.triu(close, k=1)):
                a, b = live[i], live[j]
                if visit.get(a.id) == visit.get(b.id):
                    continue
                touch = self._touch(last[i], last[j])
                if touch is None:
                    continue
                pt, ha, hb = touch
                key = (a.id, b.id) if a.id < b.id else (b.id, a.id)
                now.add(key)
                m = self.open.get(key)
                if m is None:
                    m = self.open[key] = Meeting(a=key[0], b=key[1], t0=t, t1=t, point=pt)
                m.t1 = t
                m.frames += 1
                m.point = pt
                m.hands = {a.id: ha, b.id: hb}
        ended = []
        for key in list(self.open):
            if key not in now:
                m = self.open.pop(key)
                if m.frames >= MIN_FRAMES and self._in_the_open(m.point):
                    ended.append(m)
        return ended

    def _touch(self, ja: np.ndarray, jb: np.ndarray) -> tuple[np.ndarray, str, str] | None:
        """Where a raised hand of each meets the other, if they do, and which hands."""
        best = None
        for ha, side_a in zip(HANDS_ONLY, SIDES, strict=True):
            for hb, side_b in zip(HANDS_ONLY, SIDES, strict=True):
                pa, pb = ja[ha], jb[hb]
                if np.isnan(pa[0]) or np.isnan(pb[0]):
                    continue
                if pa[2] < RAISED * ja[HEAD, 2] or pb[2] < RAISED * jb[HEAD, 2]:
                    continue
                d = float(np.linalg.norm(pa - pb))
                if d < MEET_M and (best is None or d < best[0]):
                    best = (d, (pa + pb) / 2, side_a, side_b)
        return None if best is None else (best[1], best[2], best[3])

    def _in_the_open(self, pt: np.ndarray) -> bool:
        if not len(self.fronts):
            return True
        return float(np.min(np.linalg.norm(self.fronts[:, :2] - pt[:2], axis=1))) > SHELF_CLEAR_M


@dataclass
class Take:
    """A take the engine billed to a track's session: what a hand may pass on."""

    t: float
    track: str
    session: str
    event: str
    items: tuple[tuple[str, int], ...]
    p: float
    hand: str | None = None  # the hand that took it ("left"/"right"), which holds it now


LOOKBACK_S = 12.0  # an item handed over was taken this recently by the giver
CLEARLY_LATER_S = 5.0  # both held a fresh take, but one's is this much fresher: theirs went
WAIT_S = 2.5  # decide a meeting this long after it, once the takes before it are decided
P_HANDED = 0.97  # a clean meeting in the open, with only one side holding a fresh take


def giver_take(m: Meeting, takes: list[Take]) -> tuple[Take | None, bool]:
    """The take that changed hands at ``m``, and whether it is in doubt.

    An item is held in the hand that took it, so the giver is the side whose hand
    at the meeting took something moments ago. When both sides' meeting hands hold
    a fresh take, the much fresher one went, or a human decides; when neither does
    but a fresh take is in the other hand, the newest went, in doubt (hands swap
    what they hold)."""
    fresh = {
        side: [k for k in takes if k.track == side and m.t0 - LOOKBACK_S <= k.t <= m.t1]
        for side in (m.a, m.b)
    }
    holders = [side for side, ks in fresh.items() if ks]
    if not holders:
        return None, False

    def in_hand(side: str) -> list[Take]:
        hand = m.hands.get(side)
        return [k for k in fresh[side] if hand is None or k.hand is None or k.hand == hand]

    offered = {side: in_hand(side) for side in holders}
    givers = [side for side in holders if offered[side]]
    pool = {side: offered[side] for side in givers} if givers else fresh
    newest = {side: max(ks, key=lambda k: (k.t, k.event)) for side, ks in pool.items() if ks}
    ranked = sorted(newest.values(), key=lambda k: (-k.t, k.event))
    doubt = not givers or (len(ranked) > 1 and ranked[0].t - ranked[1].t < CLEARLY_LATER_S)
    return ranked[0], doubt
