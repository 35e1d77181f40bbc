"""Recent history of every track: where its joints were, 15 times a second.

Kept per track in fixed-size ring buffers (40 s), so memory does not grow
with the number of frames, and windows around an event come out as arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from walkout.eventlog.records import JOINTS, TrackFrame

CAPACITY = 600  # frames kept per track: 40 s at 15 Hz
GONE_S = 30.0  # a finished track's id is ignored until unseen this long
_IDX = {name: i for i, name in enumerate(JOINTS)}
HEAD, NECK = _IDX["head"], _IDX["neck"]
HANDS = [_IDX["l_hand"], _IDX["r_hand"], _IDX["l_wrist"], _IDX["r_wrist"]]


@dataclass
class Track:
    id: str
    first_t: float
    first_xy: np.ndarray
    last_t: float = 0.0
    last_xy: np.ndarray = field(default_factory=lambda: np.zeros(2))
    n: int = 0
    times: np.ndarray = field(default_factory=lambda: np.full(CAPACITY, np.nan))
    joints: np.ndarray = field(default_factory=lambda: np.full((CAPACITY, len(JOINTS), 3), np.nan))

    def add(self, t: float, pts: np.ndarray) -> None:
        i = self.n % CAPACITY
        self.times[i] = t
        self.joints[i] = pts
        self.n += 1
        self.last_t = t
        body = _body_xy(pts)
        if body is not None:
            self.last_xy = body

    def window(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        keep = (self.times >= t0) & (self.times <= t1)
        order = np.argsort(self.times[keep])
        return self.times[keep][order], self.joints[keep][order]


def _body_xy(pts: np.ndarray) -> np.ndarray | None:
    """Where the body is on the floor: the neck, else the head, else the mean of the
    joints there are; None with no joint at all. (A track first seen with one
    shoulder was placed at the origin, two metres from the gate: it opened a visit
    of its own and "collapsed" onto whoever stood there.)"""
    for k in (NECK, HEAD):
        if not np.isnan(pts[k, 0]):
            return pts[k, :2].copy()
    ok = ~np.isnan(pts[:, 0])
    return pts[ok, :2].mean(axis=0) if ok.any() else None


class TrackBuffer:
    def __init__(self) -> None:
        self.tracks: dict[str, Track] = {}
        self.latest_t = -np.inf
        self.frames = 0
        # tracks whose visit is over (receipt issued), by when they were last seen: the
        # tracker may still report the person walking out through the exit, which must
        # not open a new visit
        self.gone: dict[str, float] = {}

    def add_frame(self, f: TrackFrame) -> list[Track]:
        """Store a frame; returns the tracks seen for the first time."""
        self.latest_t = max(self.latest_t, f.t)
        self.frames += 1
        born = []
        gone = self.gone
        if gone and self.frames % 150 == 0:
            for tid in [k for k, t in gone.items() if f.t - t > GONE_S]:
                del gone[tid]
        for p in f.people:
            if p.id in gone:
                gone[p.id] = f.t
                continue
            pts = np.full((len(JOINTS), 3), np.nan)
            for name, j in p.joints.items():
                pts[_IDX[name]] = j[:3]
            tr = self.tracks.get(p.id)
            if tr is None:
                body = _body_xy(pts)
                if body is None:
                    continue  # nowhere yet (a tracker's first glimpse: one shoulder, or none)
                tr = self.tracks[p.id] = Track(id=p.id, first_t=f.t, first_xy=body, last_xy=body)
                born.append(tr)
            tr.add(f.t, pts)
        return born

    def alive(self, t0: float, t1: float) -> list[Track]:
        return [tr for tr in self.tracks.values() if tr.last_t >= t0 and tr.first_t <= t1]

    def forget(self, track_id: str) -> None:
        tr = self.tracks.pop(track_id, None)
        if tr is not None:
            self.gone[track_id] = tr.last_t

    def seen(self, f: TrackFrame) -> list[Track]:
        """The frame's people that are tracked (not those of a finished visit)."""
        return [self.tracks[p.id] for p in f.people if p.id in self.tracks]
