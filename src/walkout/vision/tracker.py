"""The 3-D people tracker: camera frames in, tracks of anonymous people out.

Frames are gathered into ticks (15 a second by default) by their camera
timestamps, and a tick is processed once the store clock has passed it by a
latency bound: frames that arrive later than that are counted and dropped.
Each tick: predict every track (a constant-velocity Kalman filter per joint),
match each camera's detections to the tracks that camera should see
(reprojection cost, Hungarian assignment), fuse every matched view at its own
time, then look at what no track explained: groups of detections that agree
across cameras re-find a track held behind a fixture, or, at an entrance,
start a new one. Tracks end only at exits; anywhere else a track that loses
its views is held where it was last seen until it is found again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from walkout.domain.store import Store
from walkout.eventlog.records import AnyRecord, KeypointFrame
from walkout.vision import kalman
from walkout.vision.association import View, assign, reprojection_cost, triangulate_group
from walkout.vision.cameras import Rig
from walkout.vision.lifecycle import Lifecycle, Track, init_state

NJ = 17
# acceleration noise per COCO joint (m/s^2): arms swing and reach, heads and hips do not
ACCEL = np.array([3.0] * 5 + [4.0, 4.0, 10.0, 10.0, 16.0, 16.0] + [3.0] * 6)


class TrackerParams(BaseModel):
    """Every knob of the tracker, with the reason for its default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rate_hz: float = Field(default=15.0, gt=0, description="ticks a second")
    latency_bound_s: float = Field(default=0.35, gt=0, description="wait this long for late frames")
    min_score: float = Field(default=0.2, ge=0, le=1, description="keypoints below are ignored")
    pixel_sd: float = Field(default=2.0, gt=0, description="keypoint noise assumed, px")
    timing_sd_m: float = Field(
        default=0.015, ge=0, description="unsynchronised clocks, as lateral m"
    )
    assign_gate_m: float = Field(default=0.35, gt=0, description="detection-to-track match")
    outlier_m: float = Field(
        default=0.3, gt=0, description="a joint farther from its track is ignored"
    )
    entry_radius_m: float = Field(
        default=1.6, gt=0, description="births within this of an entrance"
    )
    exit_radius_m: float = Field(
        default=1.0,
        gt=0,
        description="ends within this of an exit (people vanish at the gate line; "
        "wider ends tracks of people queueing by the exit)",
    )
    confirm_ticks: int = Field(
        default=4, ge=1, description="a new track's ticks with views to count"
    )
    tentative_miss_ticks: int = Field(
        default=6, ge=1, description="a new track lost this long is dropped"
    )
    hold_after_s: float = Field(
        default=0.6, gt=0, description="no views this long: held, not moving"
    )
    exit_after_s: float = Field(
        default=0.5, gt=0, description="no views this long at an exit: ended"
    )
    show_after_s: float = Field(
        default=0.3, ge=0, description="a track unseen longer is left out of frames"
    )
    refind_gate_m: float = Field(
        default=1.2, gt=0, description="a held track is re-found this close ..."
    )
    refind_speed: float = Field(default=1.0, ge=0, description="... plus this much per second held")
    refind_max_m: float = Field(default=6.0, gt=0)
    left_within_m: float = Field(
        default=0.45,
        description="a track ending this close to an exit's gate line (or past it) walked out",
    )
    revive_s: float = Field(
        default=30.0, ge=0, description="an ended track may be re-found this long ..."
    )
    revive_gate_m: float = Field(
        default=1.0,
        gt=0,
        description="... this close to where it ended, however long ago (a growing gate "
        "revived ended tracks on the next person leaving)",
    )
    duplicate_m: float = Field(
        default=0.6, gt=0, description="a group this close to a track is its own"
    )
    ambiguous_m: float = Field(
        default=0.5, gt=0, description="two tracks this close: an ambiguity window"
    )
    apart_m: float = Field(
        default=0.8, gt=0, description="... that closes when they are this far apart"
    )
    leash_m: float = Field(
        default=1.2,
        gt=0,
        description="a joint this far from the body's middle restarts there (arms reach ~0.9 m)",
    )
    max_joint_sd_m: float = Field(
        default=0.12, gt=0, description="joints less certain are left out"
    )
    device: str = "vision-1"
    seed: int = 0


@dataclass
class Stats:
    frames: int = 0
    late_used: int = 0
    late_dropped: int = 0
    ticks: int = 0
    births: int = 0
    ends: int = 0
    refinds: int = 0
    unexplained_groups: int = 0


@dataclass
class _Frame:
    cam: int
    t: float
    xy: np.ndarray  # (n, 17, 2) normalized
    w: np.ndarray  # (n, 17) scores, 0 where unseen


@dataclass
class Tracker:
    """``push(record)`` each ``keypoints`` record in arrival order; it returns the
    ``tracks`` and ``ambiguity`` records that became final. ``flush()`` at the end."""

    store: Store
    params: TrackerParams = field(default_factory=TrackerParams)
    cameras: list | None = None
    stats: Stats = field(default_factory=Stats)

    def __post_init__(self) -> None:
        self.rig = Rig.of(self.cameras if self.cameras is not None else self.store)
        self.life = Lifecycle(self.store, self.params)
        self._pending: dict[int, list[_Frame]] = defaultdict(list)
        self._origin: float | None = None
        self._done = -1  # last tick processed
        self._newest = -1
        self._last_now = float("-inf")  # the latest store clock seen (rx of flushed records)
        self._time: float | None = None  # the filter's time
        self._seq = 0

    # ---- input -------------------------------------------------------------
    def push(self, rec: AnyRecord) -> list[AnyRecord]:
        if not isinstance(rec, KeypointFrame):
            return []
        cam = self.rig.index.get(rec.device)
        if cam is None:
            return []
        self.stats.frames += 1
        per = 1.0 / self.params.rate_hz
        if self._origin is None:
            self._origin = rec.t
        k = round((rec.t - self._origin) / per)
        if k <= self._done:
            self.stats.late_dropped += 1
        else:
            if k < self._newest - 1:
                self.stats.late_used += 1
            self._newest = max(self._newest, k)
            self._pending[k].append(self._frame(cam, rec))
        now = rec.rx if rec.rx is not None else rec.t
        return self._release(now)

    def flush(self) -> list[AnyRecord]:
        """Every tick still waiting, at the end of the stream. Each record is stamped as
        arriving when its tick would have been released (an infinite ``rx`` made the
        engine's clock correction infinite, and its clock with it)."""
        return self._release(float("inf"))

    def _frame(self, cam: int, rec: KeypointFrame) -> _Frame:
        people = rec.people
        n = len(people)
        if n == 0:
            return _Frame(cam, rec.t, np.empty((0, NJ, 2)), np.empty((0, NJ)))
        w = np.where(people[..., 2] >= self.params.min_score, people[..., 2], 0.0)
        xy = self.rig.cameras[cam].undistort(people[..., :2].reshape(-1, 2)).reshape(n, NJ, 2)
        return _Frame(cam, rec.t, xy, w)

    def _release(self, now: float) -> list[AnyRecord]:
        out: list[AnyRecord] = []
        per = 1.0 / self.params.rate_hz
        assert self._origin is not None or not self._pending
        for k in sorted(self._pending):
            t_tick = self._origin + k * per  # type: ignore[operator]
            if t_tick + self.params.latency_bound_s > now:
                break
            frames = self._pending.pop(k)
            self._done = k
            stamp = (
                now
                if np.isfinite(now)
                else max(self._last_now, t_tick + self.params.latency_bound_s)
            )
            out.extend(self._tick(t_tick, frames, stamp))
        if np.isfinite(now):
            self._last_now = max(self._last_now, now)
        return out

    # ---- one tick ----------------------------------------------------------
    def _tick(self, t: float, frames: list[_Frame], now: float) -> list[AnyRecord]:
        self.stats.ticks += 1
        tracks = self.life.live()
        if self._time is not None and tracks:
            dt = t - self._time
            for tr in tracks:
                if tr.state == "held":
                    tr.x[:, 3:] = 0.0
                tr.x, tr.p = kalman.predict(
                    tr.x, tr.p, dt, ACCEL if tr.state != "held" else ACCEL * 0.2
                )
        self._time = t
        seen: dict[int, set[int]] = defaultdict(set)
        leftovers: list[View] = []
        rows = self._associate(t, frames, tracks, seen, leftovers)
        moving = [j for j, tr in enumerate(tracks) if tr.state != "held"]
        self._fuse(
            [tracks[j] for j in moving], [r for r in rows if tracks[r[0]].state != "held"], moving
        )
        self._refind_held(t, tracks, rows, seen, leftovers)
        for j, tr in enumerate(tracks):
            if seen[j] and tr.state != "held":
                tr.saw(t, len(seen[j]))
        out: list[AnyRecord] = []
        out.extend(self.life.after_tick(t, now, leftovers, self.rig, self.stats))
        self._seq += 1
        out.append(self.life.frame(t, now, self._seq))
        return out

    def _associate(
        self,
        t: float,
        frames: list[_Frame],
        moving: list[Track],
        seen: dict[int, set[int]],
        leftovers: list[View],
    ) -> list[tuple[int, int, int, np.ndarray, np.ndarray, float]]:
        """Match each frame's detections to tracks; returns (track, joint, camera, xy, score, dt) rows
        packed per detection as (track, cam, dt, xy (17, 2), w (17,))."""
        p = self.params
        rows: list = []
        if moving:
            pos = np.stack([tr.x[:, :3] for tr in moving])  # (m, 17, 3)
            sd = np.sqrt(
                np.stack([np.trace(tr.p[:, :3, :3], axis1=1, axis2=2) for tr in moving]) / 3
            )
            ok_j = sd < 0.25
            held = np.array([tr.state == "held" for tr in moving])
            lost = np.array([t - tr.last_seen for tr in moving])
            gates = np.where(
                held, np.minimum(p.refind_gate_m + p.refind_speed * lost, 1.5), p.assign_gate_m
            )
            ok_j |= held[:, None] & (sd < 1.0)
            xy_all, z_all = self.rig.normalized(pos.reshape(-1, 3))
        for f in frames:
            if len(f.xy) == 0:
                continue
            taken: set[int] = set()
            if moving:
                cam = f.cam
                lim = self.rig.limits[cam]
                pxy = xy_all[cam].reshape(len(moving), NJ, 2)
                pz = z_all[cam].reshape(len(moving), NJ)
                inview = (
                    (pz > 0.2)
                    & (pxy[..., 0] > lim[0])
                    & (pxy[..., 0] < lim[1])
                    & (pxy[..., 1] > lim[2])
                    & (pxy[..., 1] < lim[3])
                )
                cand = np.nonzero(inview.any(axis=1))[0]
                if len(cand):
                    cost = reprojection_cost(pxy[cand], pz[cand], ok_j[cand], f.xy, f.w)
                    for i, jj in assign(cost, gates[cand]):
                        j = int(cand[jj])
                        rows.append((j, cam, f.t - t, f.xy[i], f.w[i]))
                        seen[j].add(cam)
                        taken.add(i)
            rest = [i for i in range(len(f.xy)) if i not in taken]
            if rest:
                leftovers.append(View(f.cam, f.xy[rest], f.w[rest], f.t - t))
        return rows

    def _refind_held(
        self,
        t: float,
        tracks: list[Track],
        rows: list,
        seen: dict[int, set[int]],
        leftovers: list[View],
    ) -> None:
        """A held track that two cameras saw again starts afresh from their triangulation;
        seen by one camera only, its detections go back to the unexplained."""
        for j, tr in enumerate(tracks):
            if tr.state != "held" or not seen[j]:
                continue
            views = [View(r[1], r[3][None], r[4][None], r[2]) for r in rows if r[0] == j]
            g = None
            if len(seen[j]) >= 2:
                g = triangulate_group(self.rig, views, [(k, 0) for k in range(len(views))])
            if g is None or (g.views_per_joint >= 2).sum() < 6:
                leftovers.extend(views)
                seen[j] = set()
                continue
            tr.x, tr.p = init_state(g)
            tr.state = "active"
            tr.saw(t, len(seen[j]))
            self.stats.refinds += 1

    def _fuse(self, moving: list[Track], rows: list, index: list[int]) -> None:
        """One extended-Kalman update of every matched joint, views at their own times."""
        if not rows:
            return
        p = self.params
        pos_of = {j: k for k, j in enumerate(index)}
        tr_i = np.array([pos_of[r[0]] for r in rows])
        cams = np.array([r[1] for r in rows])
        dts = np.array([r[2] for r in rows])
        obs = np.stack([r[3] for r in rows])  # (R, 17, 2)
        w = np.stack([r[4] for r in rows])  # (R, 17)
        ri, jj = np.nonzero(w > 0)
        state = tr_i[ri] * NJ + jj
        x = np.concatenate([tr.x for tr in moving])  # (m*17, 6)
        cov = np.concatenate([tr.p for tr in moving])
        c = cams[ri]
        pred, depth, h = kalman.projection_rows(x[state], self.rig.r[c], self.rig.t[c], dts[ri])
        resid = obs[ri, jj] - pred
        lateral = np.linalg.norm(resid, axis=1) * depth
        # a joint the filter is unsure of may be farther off and still be this one
        joint_sd = np.sqrt(np.trace(cov[state, :3, :3], axis1=1, axis2=2) / 3)
        keep = (depth > 0.2) & (lateral < p.outlier_m + 2.0 * joint_sd)
        sd_n2 = (p.pixel_sd / self.rig.f[c]) ** 2 + (p.timing_sd_m / np.maximum(depth, 0.2)) ** 2
        score = w[ri, jj]
        wt = score**2 / sd_n2 / (1.0 + (lateral / 0.1) ** 2)
        x, cov = kalman.update(x, cov, state[keep], h[keep], resid[keep], wt[keep])
        for j, tr in enumerate(moving):
            tr.x = x[j * NJ : (j + 1) * NJ]
            tr.p = cov[j * NJ : (j + 1) * NJ]
            _leash(tr, p.leash_m)


def _leash(tr: Track, leash_m: float) -> None:
    """Keep a skeleton in one piece: a joint the views stopped confirming keeps its
    velocity forever in a constant-velocity filter, and one that drifted beyond
    ``leash_m`` of the body (or is very unsure) would drag the track's centre away
    and stop matching its own person. Such a joint restarts at the body's middle,
    moving with the body, its uncertainty reset."""
    sd = np.sqrt(np.trace(tr.p[:, :3, :3], axis1=1, axis2=2) / 3)
    good = sd < 0.1
    if good.sum() < 3:
        return
    ref = np.median(tr.x[good], axis=0)
    off = np.hypot(tr.x[:, 0] - ref[0], tr.x[:, 1] - ref[1])
    bad = (sd > 0.3) | (off > leash_m)
    if not bad.any():
        return
    tr.x[bad, :2] = ref[:2]
    tr.x[bad, 3:] = ref[3:]
    tr.p[bad] = 0.0
    tr.p[bad, :3, :3] = 0.3**2 * np.eye(3)
    tr.p[bad, 3:, 3:] = 0.5**2 * np.eye(3)


def track_records(
    store: Store, records: list[AnyRecord], params: TrackerParams | None = None
) -> list[AnyRecord]:
    """Convenience for tests: every output of a tracker fed ``records`` in order."""
    trk = Tracker(store, params or TrackerParams())
    out: list[AnyRecord] = []
    for r in records:
        out.extend(trk.push(r))
    out.extend(trk.flush())
    return out
