"""How good the tracks are, against the people who were really there.

MOTA, IDF1 and identity switches come from py-motmetrics (people matched by
the floor distance of their necks, at most ``match_m`` apart). On top of
those, what matters for receipts: the 3-D error of the hands (median and 90th
percentile over every matched hand), and identity switches that hand a track
from one person to someone of another session or account (their takes would
be charged to the wrong person), per 1,000 sessions, with how many of them the
tracker had flagged with an ambiguity window.

Which person a track covers follows CLEAR-MOT's rule (Bernardin and
Stiefelhagen 2008, as py-motmetrics applies it): a track keeps its person while
it stays within ``match_m`` of them, and only the rest are matched afresh. A
fresh match every frame (``cross_account_switches_per_frame``) also counts the
frames where two people stand within ``match_m`` of one track and the nearer
of them changes, back and forth, with the track on neither: a stricter count,
kept beside the standard one. Every move is kept (``moves``) with both
distances, so a reader can tell a swap from a near tie.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import motmetrics as mm
import numpy as np
from scipy.optimize import linear_sum_assignment

from walkout.eventlog.records import JOINTS, Ambiguity, AnyRecord, TrackedPerson, TrackFrame
from walkout.vision.scores import TrackMove, VisionScores

NECK, L_HAND, R_HAND = JOINTS.index("neck"), JOINTS.index("l_hand"), JOINTS.index("r_hand")


@dataclass
class GroundTruth:
    """True joints in windows of frames: (epoch times (n,), person ids, (n, people, 10, 3)
    NaN when absent), and each person's (session, account)."""

    windows: list[tuple[np.ndarray, list[str], np.ndarray]]
    people: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._seen = -1
        self._starts = np.empty(0)
        self._live: list[int] = []

    def _refresh(self) -> None:
        """The windows list may grow while a run streams (a recorder appends to it)."""
        if self._seen != len(self.windows):
            self._seen = len(self.windows)
            self._live = [k for k, w in enumerate(self.windows) if len(w[0])]
            self._starts = np.array([self.windows[k][0][0] for k in self._live])

    @property
    def span(self) -> tuple[float, float]:
        self._refresh()
        if not self._live:
            return (np.inf, -np.inf)
        return float(self.windows[self._live[0]][0][0]), float(self.windows[self._live[-1]][0][-1])

    def at(self, t: float) -> tuple[list[str], np.ndarray]:
        """Who was in the store at ``t`` and their joints (k, 10, 3), interpolated."""
        self._refresh()
        w = int(np.searchsorted(self._starts, t, side="right")) - 1
        if w < 0:
            return [], np.empty((0, len(JOINTS), 3))
        times, ids, joints = self.windows[self._live[w]]
        i = int(np.searchsorted(times, t, side="right")) - 1
        nxt = self.windows[self._live[w + 1]] if w + 1 < len(self._live) else None
        if i + 1 < len(times):
            t1, j1 = times[i + 1], joints[i + 1]
        elif nxt is not None and nxt[1] == ids:
            t1, j1 = nxt[0][0], nxt[2][0]
        else:
            t1, j1 = times[i], joints[i]
        a = 0.0 if t1 == times[i] else (t - times[i]) / (t1 - times[i])
        cur = joints[i] * (1 - a) + j1 * a
        cur = np.where(np.isnan(cur), joints[i], cur)
        here = ~np.isnan(cur[:, NECK, 0])
        return [pid for pid, h in zip(ids, here, strict=True) if h], cur[here]


class TrackScorer:
    """Scores a stream of records as it goes (``add``), so an hour needs no memory for tracks."""

    def __init__(self, truth: GroundTruth, match_m: float = 0.5):
        self.truth = truth
        self.match_m = match_m
        self.acc = mm.MOTAccumulator(auto_id=True)
        self.hyp_num: dict[str, int] = {}
        self.obj_num: dict[str, int] = {}
        self.last_person: dict[str, str] = {}
        self.last_fresh: dict[str, str] = {}
        self.windows: dict[str, list[tuple[float, float]]] = {}
        self.hand_err: list[float] = []
        self.moves: list[TrackMove] = []
        self.frames = self.cross_s = self.cross_a = self.flagged = self.n_windows = 0
        self.cross_fresh = 0

    def add(self, rec: AnyRecord) -> None:
        if isinstance(rec, Ambiguity):
            self.n_windows += rec.t_end is not None
            for tid in rec.tracks:
                end = np.inf if rec.t_end is None else rec.t_end
                self.windows.setdefault(tid, []).append((rec.t_start, end))
            return
        if not isinstance(rec, TrackFrame):
            return
        lo, hi = self.truth.span
        if not lo <= rec.t <= hi:
            return
        self.frames += 1
        ids, joints = self.truth.at(rec.t)
        hyp = [p for p in rec.people if "neck" in p.joints]
        g = joints[:, NECK, :2]
        h = np.array([p.joints["neck"][:2] for p in hyp]).reshape(-1, 2)
        d = np.hypot(g[:, None, 0] - h[None, :, 0], g[:, None, 1] - h[None, :, 1])
        self.acc.update(
            [self.obj_num.setdefault(i, len(self.obj_num)) for i in ids],
            [self.hyp_num.setdefault(p.id, len(self.hyp_num)) for p in hyp],
            np.where(d <= self.match_m, d, np.nan),
        )
        if d.size == 0:
            return
        ok = d <= self.match_m
        for r, c in zip(*linear_sum_assignment(np.where(ok, d, 1e6)), strict=True):
            if ok[r, c]:
                self._fresh(hyp[c].id, ids[r])
        # CLEAR-MOT: a track within match_m of its person keeps them ...
        row = {pid: r for r, pid in enumerate(ids)}
        kept_r, kept_c = [], []
        for c, p in enumerate(hyp):
            r = row.get(self.last_person.get(p.id, ""))
            if r is not None and ok[r, c] and r not in kept_r:
                kept_r.append(r)
                kept_c.append(c)
        for r, c in zip(kept_r, kept_c, strict=True):
            self._pair(rec.t, hyp[c], ids[r], joints[r])
        # ... and only the others are matched afresh.
        free = np.where(ok, d, 1e6)
        free[kept_r, :] = 1e6
        free[:, kept_c] = 1e6
        for r, c in zip(*linear_sum_assignment(free), strict=True):
            if free[r, c] <= self.match_m:
                self._pair(rec.t, hyp[c], ids[r], joints[r], (d[:, c], row))

    def _cross(self, a: str, b: str) -> tuple[bool, bool]:
        """(another session, another account) between two true people."""
        sa = self.truth.people.get(a, (a, None))
        sb = self.truth.people.get(b, (b, None))
        return sa[0] != sb[0], sa[1] is None or sa[1] != sb[1]

    def _fresh(self, tid: str, pid: str) -> None:
        prev = self.last_fresh.get(tid)
        if prev is not None and prev != pid:
            self.cross_fresh += self._cross(prev, pid)[1]
        self.last_fresh[tid] = pid

    def _pair(
        self,
        t: float,
        hyp: TrackedPerson,
        pid: str,
        joints: np.ndarray,
        fresh: tuple[np.ndarray, dict[str, int]] | None = None,
    ) -> None:
        """``fresh``: this track's distances to everyone and their rows, when the
        match is new (a kept match cannot be a move)."""
        prev = self.last_person.get(hyp.id)
        if prev is not None and prev != pid and fresh is not None:
            dist, row = fresh
            session, account = self._cross(prev, pid)
            self.cross_s += session
            if account:
                self.cross_a += 1
                wins = self.windows.get(hyp.id, [])
                flagged = any(a - 1.0 <= t <= b + 1.0 for a, b in wins)
                self.flagged += flagged
                r_prev = row.get(prev)
                self.moves.append(
                    TrackMove(
                        t=round(t, 3),
                        track=hyp.id,
                        person_from=prev,
                        person_to=pid,
                        m_from=None if r_prev is None else round(float(dist[r_prev]), 3),
                        m_to=round(float(dist[row[pid]]), 3),
                        flagged=flagged,
                    )
                )
        self.last_person[hyp.id] = pid
        for k in (L_HAND, R_HAND):
            j = hyp.joints.get(JOINTS[k])  # type: ignore[call-overload]
            if j is not None:
                self.hand_err.append(float(np.linalg.norm(np.asarray(j[:3]) - joints[k])))

    def result(self) -> VisionScores:
        summary = mm.metrics.create().compute(
            self.acc, metrics=["mota", "idf1", "num_switches"], name="all"
        )
        sessions = len({self.truth.people.get(p, (p, None))[0] for p in self.obj_num})
        he = np.asarray(self.hand_err) if self.hand_err else np.array([np.nan])
        return VisionScores(
            frames=self.frames,
            sessions=sessions,
            mota=round(float(summary["mota"].iloc[0]), 4),
            idf1=round(float(summary["idf1"].iloc[0]), 4),
            id_switches=int(summary["num_switches"].iloc[0]),
            cross_session_switches=self.cross_s,
            cross_account_switches=self.cross_a,
            cross_account_flagged=self.flagged,
            cross_account_per_1000_sessions=round(1000.0 * self.cross_a / max(sessions, 1), 2),
            cross_account_switches_per_frame=self.cross_fresh,
            moves=self.moves,
            hand_error_median_m=round(float(np.median(he)), 4),
            hand_error_p90_m=round(float(np.percentile(he, 90)), 4),
            hands_matched=len(self.hand_err),
            ambiguity_windows=self.n_windows,
        )


def score_tracks(
    records: Iterable[AnyRecord], truth: GroundTruth, match_m: float = 0.5
) -> VisionScores:
    """Score the ``tracks`` records of a log (``ambiguity`` records flag switches)."""
    scorer = TrackScorer(truth, match_m)
    for rec in records:
        scorer.add(rec)
    return scorer.result()
