"""The people tracker as a vendor's would report it: 3-D joints for everyone in
the store, 15 times a second, under anonymous per-visit track ids.

Errors it makes: jitter on every joint (more on hands), joints it does not
see, people missing from a frame, and identity swaps. When two people come
close, the tracker may confuse them at their closest approach: the closer they
pass, the likelier (``swap_rate`` scaled by exp(-(d/0.3 m)^2), d at least 0.35 m,
about 0.8 % of close passes at the realistic rate).
A swap is not a jump: the two tracks drift towards each other, meet at the
closest moment and part with exchanged ids, as a real tracker's confusion
looks. The twin keeps the truth of who carried which id when, for the evaluator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from walkout.eventlog.records import JOINTS, TrackedPerson, TrackFrame, construct
from walkout.twin.body import HEAD, L_HAND, L_WRI, R_HAND, R_WRI, joints
from walkout.twin.plan import PersonPlan
from walkout.twin.scenario import Clocks, Tracker
from walkout.twin.sensors.clocks import Clock, latency
from walkout.twin.spacing import SpacingState, keep_apart

CLOSE_M = 0.45
APART_M = 0.9
SWAP_SCALE_M = 0.3  # swap odds fall by e for every 0.3 m of closest approach
BLEND_S = 0.3  # the tracks drift together over 0.3 s before the swap and apart after
LOOKAHEAD_S = 8.0
SWAP_MIN_M = 0.35  # the swap odds' closest approach: bodies are never closer
_HANDS = np.zeros(len(JOINTS), dtype=bool)
_HANDS[[L_WRI, R_WRI, L_HAND, R_HAND]] = True


@dataclass
class Swap:
    t: float
    a: str
    b: str
    track_a: str  # the track id person a carries after t
    track_b: str


@dataclass
class PendingSwap:
    t: float
    a: PersonPlan
    b: PersonPlan
    applied: bool = False


@dataclass
class TrackerState:
    current: dict[str, str] = field(default_factory=dict)
    history: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    close: set[tuple[str, str]] = field(default_factory=set)
    swaps: list[PendingSwap] = field(default_factory=list)
    spacing: SpacingState = field(default_factory=SpacingState)


class TrackerModel:
    def __init__(
        self,
        sc: Tracker,
        clocks_sc: Clocks,
        rng: np.random.Generator,
        clock: Clock,
        device: str = "tracker-1",
        walkable: Callable[[np.ndarray], bool] | None = None,
    ):
        self.sc = sc
        self.clocks_sc = clocks_sc
        self.rng = rng
        self.clock = clock
        self.device = device
        self.walkable = walkable
        self.phase = float(rng.uniform(0, 1.0 / sc.rate_hz))
        self.state = TrackerState()
        self.seq = 0

    def track_at(self, person: PersonPlan, t: float) -> str:
        """The track id ``person`` carried at run time ``t``."""
        hist = self.state.history.get(person.id)
        if not hist:
            return person.track
        tid = person.track
        for ts, tr in hist:
            if ts <= t:
                tid = tr
            else:
                break
        return tid

    def forget(self, person: PersonPlan) -> None:
        """Drop a person who left (their swaps are already in the truth)."""
        self.state.current.pop(person.id, None)
        self.state.history.pop(person.id, None)
        self.state.spacing.forget(person.id)

    def frame_times(self, t0: float, t1: float) -> np.ndarray:
        r = self.sc.rate_hz
        k0 = int(np.ceil((t0 - self.phase) * r - 1e-9))
        k1 = int(np.ceil((t1 - self.phase) * r - 1e-9))
        return self.phase + np.arange(k0, k1) / r

    def render(
        self, times: np.ndarray, people: list[PersonPlan]
    ) -> tuple[list[TrackFrame], list[Swap], np.ndarray, np.ndarray]:
        """Frames at ``times``; also the true (frames, people, 10, 3) joints and the
        (frames, people, 2) floor points (where the feet are) for other sensors."""
        n, m = len(times), len(people)
        true = np.full((n, m, len(JOINTS), 3), np.nan)
        floor = np.full((n, m, 2), np.nan)
        present = np.zeros((n, m), dtype=bool)
        for i, p in enumerate(people):
            on = (times >= p.t_in) & (times <= p.t_out)
            if on.any():
                true[on, i] = joints(times[on], p.kf, p.height, p.arms)
                floor[on, i] = p.kf.at(times[on])[0]
                present[on, i] = True
            self.state.current.setdefault(p.id, p.track)
        floor += keep_apart(times, people, true, present, floor, self.state.spacing, self.walkable)
        swaps = self._swaps(times, people, true, present)
        frames = self._frames(times, people, self._blend(times, people, true), present)
        return frames, swaps, true, floor

    def _swaps(
        self, times: np.ndarray, people: list[PersonPlan], true: np.ndarray, present: np.ndarray
    ) -> list[Swap]:
        out: list[Swap] = []
        m = len(people)
        if m < 2:
            return out
        head = true[:, :, HEAD, :2]
        st = self.state
        here = {p.id for p in people}
        st.close = {k for k in st.close if k[0] in here and k[1] in here}
        d_all = np.linalg.norm(
            head[:, :, None, :] - head[:, None, :, :], axis=3
        )  # (n, m, m), NaN if absent
        with np.errstate(invalid="ignore"):
            near_any = np.nanmin(np.where(np.isnan(d_all), np.inf, d_all), axis=0) < CLOSE_M
            far_any = np.nanmax(np.where(np.isnan(d_all), -np.inf, d_all), axis=0) > APART_M
        for i in range(m):
            for j in range(i + 1, m):
                key = (people[i].id, people[j].id)
                if key in st.close:
                    if not far_any[i, j]:
                        continue
                elif not near_any[i, j]:
                    continue
                both = present[:, i] & present[:, j]
                d = d_all[:, i, j]
                for k in np.nonzero(both)[0]:
                    if key not in st.close and d[k] < CLOSE_M:
                        st.close.add(key)
                        self._maybe_swap(people[i], people[j], float(times[k]))
                    elif key in st.close and d[k] > APART_M:
                        st.close.discard(key)
        # swaps whose moment has come change the ids from then on
        t_end = float(times[-1]) if len(times) else -np.inf
        for sw in sorted(st.swaps, key=lambda x: x.t):  # in time order, or the ids tangle
            if sw.applied or sw.t > t_end:
                continue
            sw.applied = True
            a, b = sw.a.id, sw.b.id
            if a not in st.current or b not in st.current:
                continue
            ta, tb = st.current[a], st.current[b]
            st.current[a], st.current[b] = tb, ta
            st.history.setdefault(a, []).append((sw.t, tb))
            st.history.setdefault(b, []).append((sw.t, ta))
            out.append(Swap(t=sw.t, a=a, b=b, track_a=tb, track_b=ta))
        return out

    def _maybe_swap(self, pa: PersonPlan, pb: PersonPlan, t0: float) -> None:
        """At the start of an encounter, look ahead to its closest moment and decide."""
        ts = t0 + np.arange(0.0, LOOKAHEAD_S, 1.0 / self.sc.rate_hz)
        ts = ts[(ts <= min(pa.t_out, pb.t_out))]
        if len(ts) == 0:
            return
        xa, _ = pa.kf.at(ts)
        xb, _ = pb.kf.at(ts)
        d = np.linalg.norm(xa - xb, axis=1)
        k = int(np.argmin(d))
        # planned paths may pass through each other; bodies do not (twin.spacing)
        p = self.sc.swap_rate * float(np.exp(-((max(d[k], SWAP_MIN_M) / SWAP_SCALE_M) ** 2)))
        if self.rng.random() < p:
            self.state.swaps.append(PendingSwap(t=float(ts[k]), a=pa, b=pb))

    def _blend(self, times: np.ndarray, people: list[PersonPlan], true: np.ndarray) -> np.ndarray:
        """Around a swap, the two tracks report points between the two people."""
        st = self.state
        if not st.swaps or len(times) == 0:
            return true
        idx = {p.id: i for i, p in enumerate(people)}
        shown = true
        keep = []
        for sw in st.swaps:
            if sw.t + BLEND_S < times[0]:
                continue  # done with it
            keep.append(sw)
            i, j = idx.get(sw.a.id), idx.get(sw.b.id)
            if i is None or j is None:
                continue
            beta = 0.5 * np.clip(1.0 - np.abs(times - sw.t) / BLEND_S, 0.0, 1.0)
            on = (beta > 0) & ~np.isnan(true[:, i, 0, 0]) & ~np.isnan(true[:, j, 0, 0])
            if not on.any():
                continue
            if shown is true:
                shown = true.copy()
            bb = beta[on, None, None]
            shown[on, i] = (1 - bb) * true[on, i] + bb * true[on, j]
            shown[on, j] = (1 - bb) * true[on, j] + bb * true[on, i]
        st.swaps = keep
        return shown

    def _frames(
        self, times: np.ndarray, people: list[PersonPlan], true: np.ndarray, present: np.ndarray
    ) -> list[TrackFrame]:
        sc = self.sc
        rng = self.rng
        n, m = present.shape
        jit = np.where(_HANDS[None, None, :, None], sc.hand_jitter_m, sc.jitter_m)
        noisy = (
            true
            + rng.standard_normal(true.shape) * jit
            + rng.standard_normal((n, m, 1, 3)) * (sc.jitter_m * 0.5)
        )
        score = rng.uniform(0.55, 1.0, (n, m, len(JOINTS)))
        # [x, y, z, score] at the log's resolution, as Python lists in one call
        rows = np.concatenate([np.round(noisy, 3), np.round(score, 2)[..., None]], axis=-1).tolist()
        seen = present & (rng.random((n, m)) >= sc.miss_rate)
        joint_ok = rng.random((n, m, len(JOINTS))) >= sc.joint_miss_rate
        all_ok = joint_ok.all(axis=2)
        t_dev = self.clock.device_time(times)
        rx = self.clock.epoch + times + 0.05 + latency(rng, self.clocks_sc, n)
        frames = []
        for k in range(n):
            ppl = []
            for i in range(m):
                if not seen[k, i]:
                    continue
                tid = self._id_at(people[i], float(times[k]))
                if all_ok[k, i]:
                    js = dict(zip(JOINTS, rows[k][i], strict=True))
                else:
                    ok = joint_ok[k, i]
                    js = {JOINTS[q]: rows[k][i][q] for q in range(len(JOINTS)) if ok[q]}
                ppl.append(construct(TrackedPerson, id=tid, joints=js))
            self.seq += 1
            frames.append(
                construct(
                    TrackFrame,
                    kind="tracks",
                    device=self.device,
                    t=float(t_dev[k]),
                    rx=float(rx[k]),
                    seq=self.seq,
                    people=ppl,
                )
            )
        return frames

    def _id_at(self, p: PersonPlan, t: float) -> str:
        hist = self.state.history.get(p.id)
        return p.track if not hist else self.track_at(p, t)
