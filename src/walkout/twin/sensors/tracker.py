"""The people tracker as a vendor's would report it: 3-D joints for everyone in
the store, 15 times a second, under anonymous per-visit track ids.

Errors it makes: jitter on every joint (more on hands), joints it does not
see, people missing from a frame, and identity swaps: when two people come
close and part again, their ids may be exchanged from then on. The twin keeps
the truth of who carried which id when (``swaps``), for the evaluator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from walkout.eventlog.records import JOINTS, TrackedPerson, TrackFrame, construct
from walkout.twin.body import HEAD, L_HAND, L_WRI, R_HAND, R_WRI, joints
from walkout.twin.plan import PersonPlan
from walkout.twin.scenario import Clocks, Tracker
from walkout.twin.sensors.clocks import Clock, latency

CLOSE_M = 0.45
APART_M = 0.9
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
class TrackerState:
    current: dict[str, str] = field(default_factory=dict)
    history: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    close: set[tuple[str, str]] = field(default_factory=set)


class TrackerModel:
    def __init__(
        self,
        sc: Tracker,
        clocks_sc: Clocks,
        rng: np.random.Generator,
        clock: Clock,
        device: str = "tracker-1",
    ):
        self.sc = sc
        self.clocks_sc = clocks_sc
        self.rng = rng
        self.clock = clock
        self.device = device
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

    def frame_times(self, t0: float, t1: float) -> np.ndarray:
        r = self.sc.rate_hz
        k0 = int(np.ceil((t0 - self.phase) * r - 1e-9))
        k1 = int(np.ceil((t1 - self.phase) * r - 1e-9))
        return self.phase + np.arange(k0, k1) / r

    def render(
        self, times: np.ndarray, people: list[PersonPlan]
    ) -> tuple[list[TrackFrame], list[Swap], np.ndarray]:
        """Frames at ``times``; also the true (frames, people, 10, 3) joints for other sensors."""
        n, m = len(times), len(people)
        true = np.full((n, m, len(JOINTS), 3), np.nan)
        present = np.zeros((n, m), dtype=bool)
        for i, p in enumerate(people):
            on = (times >= p.t_in) & (times <= p.t_out)
            if on.any():
                true[on, i] = joints(times[on], p.kf, p.height, p.arms)
                present[on, i] = True
            self.state.current.setdefault(p.id, p.track)
        swaps = self._swaps(times, people, true, present)
        frames = self._frames(times, people, true, present)
        return frames, swaps, true

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
                    elif key in st.close and d[k] > APART_M:
                        st.close.discard(key)
                        if self.rng.random() < self.sc.swap_rate:
                            a, b = people[i].id, people[j].id
                            ta, tb = st.current[a], st.current[b]
                            st.current[a], st.current[b] = tb, ta
                            t = float(times[k])
                            st.history.setdefault(a, []).append((t, tb))
                            st.history.setdefault(b, []).append((t, ta))
                            out.append(Swap(t=t, a=a, b=b, track_a=tb, track_b=ta))
        return out

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
