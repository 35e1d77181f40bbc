"""The concealment pattern, from the tracker's joints alone: right after a
take, the hand that took it is brought to the body and held there, above the
other (resting) hand, for most of a second, then lowered. A hand going back to
the side rests level with the other hand; a shopper looking at an item holds
it out in front, well away from the body. A flag for a human, with the numbers
it rests on.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from walkout.domain.layout import Layout
from walkout.eventlog.records import TrackFrame
from walkout.fusion.outputs import ShelfEvent
from walkout.operations.config import OpsConfig

BUFFER_S = 15.0
AFTER_S = 4.0  # frames wanted after the event's end before judging it
BODY_M = 0.3  # a hand this close (floor distance) to the neck is at the body
RISE_MAX_M = 0.14  # higher than this above the other hand: held up to look, not hidden
SHELF_M = 0.2  # the hand has left the shelf front by this much
STILL_M = 0.06  # and is held (sd of its position over the window)
DROP_M = 0.04  # then lowered by this much within 2.5 s
HANDOFF_M = 0.2  # someone else's hand this close to it, then or in the next second: a hand-off


@dataclass
class _Check:
    event: str
    track: str
    session: str | None
    t0: float
    t1: float
    at: np.ndarray


@dataclass
class Concealment:
    layout: Layout
    cfg: OpsConfig
    frames: deque[tuple[float, dict[str, tuple]]] = field(default_factory=deque)
    pending: list[_Check] = field(default_factory=list)
    latest: float = -np.inf

    def on_frame(self, rec: TrackFrame) -> None:
        pts: dict[str, tuple] = {}
        for p in rec.people:
            j = p.joints
            lh, rh, nk = (
                j.get("l_hand") or j.get("l_wrist"),
                j.get("r_hand") or j.get("r_wrist"),
                j.get("neck"),
            )
            if lh is not None and rh is not None and nk is not None:
                pts[p.id] = (lh, rh, nk)
        self.frames.append((rec.t, pts))
        self.latest = max(self.latest, rec.t)
        while self.frames and self.frames[0][0] < self.latest - BUFFER_S:
            self.frames.popleft()

    def on_take(self, ev: ShelfEvent) -> None:
        track = next((a.track for a in ev.attribution if a.track), None)
        if track is None or ev.staff:
            return
        cs = [self.layout.plate(p).front for p in ev.plates if p in self.layout.plate_index]
        if not cs:
            return
        self.pending.append(
            _Check(ev.id, track, ev.session, ev.t_start, ev.t_end, np.mean(cs, axis=0))
        )

    def due(self, force: bool = False) -> list[tuple[_Check, dict]]:
        """Takes with enough frames after them: those showing the pattern, with evidence."""
        out, keep = [], []
        for c in self.pending:
            if not force and self.latest < c.t1 + AFTER_S:
                keep.append(c)
                continue
            ev = self._judge(c)
            if ev is not None:
                out.append((c, ev))
        self.pending = keep
        return out

    def _judge(self, c: _Check) -> dict | None:
        rows = [
            (t, pts[c.track], pts)
            for t, pts in self.frames
            if c.track in pts and c.t0 - 1.5 <= t <= c.t1 + AFTER_S
        ]
        if len(rows) < 20:
            return None
        ts = np.array([t for t, _, _ in rows])
        lh = np.array([r[0][:3] for _, r, _ in rows])
        rh = np.array([r[1][:3] for _, r, _ in rows])
        nk = np.array([r[2][:3] for _, r, _ in rows])
        near = self._nearest_other_hand(rows, c.track)
        # the taking hand: the one nearest the shelf front around the lift
        lift = (ts >= c.t0 - 1.0) & (ts <= c.t1 + 0.3)
        if not lift.any():
            return None
        dl = np.linalg.norm(lh[lift] - c.at, axis=1).min()
        dr = np.linalg.norm(rh[lift] - c.at, axis=1).min()
        take, other = (lh, rh) if dl < dr else (rh, lh)
        after = ts >= c.t0
        ts, take, other, nk = ts[after], take[after], other[after], nk[after]
        near = near[after]
        gap = np.array(
            [
                np.min(np.linalg.norm(n - h[:3], axis=1)) if len(n) else np.inf
                for n, h in zip(near, take, strict=True)
            ]
        )
        rise = take[:, 2] - other[:, 2]
        d_take = np.linalg.norm(take[:, :2] - nk[:, :2], axis=1)
        d_other = np.linalg.norm(other[:, :2] - nk[:, :2], axis=1)
        k = max(3, round(self.cfg.conceal_hold_s * 15))
        if len(ts) < k + 6:
            return None
        best = None
        for i in range(0, len(ts) - k):
            sl = slice(i, i + k)
            if ts[i] < c.t1 - 1.0 or ts[i + k - 1] - ts[i] > self.cfg.conceal_hold_s * 1.6:
                continue  # still at the shelf, or a gap in the track
            if float(np.min(np.linalg.norm(take[sl] - c.at, axis=1))) < SHELF_M:
                continue
            if float(np.max(np.std(take[sl], axis=0))) > STILL_M:
                continue
            if float(np.min(gap[i : i + k + 15])) < HANDOFF_M:
                continue  # another person's hand there: a hand-off, not a pocket
            r = float(np.median(rise[sl]))
            if not (
                self.cfg.conceal_rise_m <= r <= RISE_MAX_M
                and float(np.median(d_take[sl])) < BODY_M
                and float(np.median(d_other[sl])) < BODY_M
            ):
                continue
            later = (ts > ts[i + k - 1] + 0.4) & (ts < ts[i + k - 1] + 2.5)
            if later.sum() >= 5 and r - float(np.median(rise[later])) >= DROP_M:
                best = {"rise_m": round(r, 3), "t_hold": round(float(ts[i]), 2)}
                break
        if best is None:
            return None
        return {"event": c.event, "track": c.track, "session": c.session, **best}

    @staticmethod
    def _nearest_other_hand(rows: list, track: str) -> np.ndarray:
        """Per frame, the hands of everyone else (an object array of (n, 3) arrays)."""
        out = np.empty(len(rows), dtype=object)
        for i, (_, _, pts) in enumerate(rows):
            hs = [h[:3] for tid, (lh, rh, _) in pts.items() if tid != track for h in (lh, rh)]
            out[i] = np.array(hs) if hs else np.empty((0, 3))
        return out
