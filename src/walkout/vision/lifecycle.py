"""Where tracks begin and end, and when two of them cannot be told apart.

Identity is the continuity of a track from the gate, so the rules are strict:
a track is born only at an entrance, from detections that agree across at
least two cameras; it ends only at an exit. Lost anywhere else (behind a
gondola, in a blind spot) it is held where it was last seen and re-found by
the nearest consistent group of detections, within a radius that grows with
the time it was lost. An ended track can still be revived for a while, where
it ended, in case it ended by an exit the person did not take; one that ended
at the gate line walked out and is never revived. When two tracks come within
``ambiguous_m`` of each other, an ambiguity window opens, closed when they are
``apart_m`` apart again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from walkout.domain.store import Store
from walkout.eventlog.records import AnyRecord, TrackedPerson
from walkout.vision import output
from walkout.vision.association import Group, View, assign, group_views
from walkout.vision.cameras import Rig

if TYPE_CHECKING:
    from walkout.vision.tracker import Stats, TrackerParams

CORE = [5, 6, 11, 12]  # shoulders and hips: the body's middle


@dataclass
class Track:
    id: str
    x: np.ndarray  # (17, 6) joint positions and velocities
    p: np.ndarray  # (17, 6, 6)
    state: str  # tentative | active | held | ended (may be revived) | gone (walked out)
    born: float
    last_seen: float
    hits: int = 0
    misses: int = 0
    ended_at: float = float("inf")

    def saw(self, t: float, cameras: int) -> None:
        self.last_seen = t
        self.hits += 1

    @property
    def centre(self) -> np.ndarray:
        return self.x[CORE, :3].mean(axis=0)

    def sd(self) -> np.ndarray:
        return np.sqrt(np.trace(self.p[:, :3, :3], axis1=1, axis2=2) / 3)


def init_state(group: Group) -> tuple[np.ndarray, np.ndarray]:
    """A track's first state from a triangulated group: unseen joints start at the body's middle."""
    c = group.centre
    x = np.zeros((17, 6))
    ok = ~np.isnan(group.joints[:, 0])
    x[:, :3] = np.where(ok[:, None], group.joints, c)
    var = np.where(ok, 0.04**2, 0.5**2)
    p = np.zeros((17, 6, 6))
    p[:, :3, :3] = var[:, None, None] * np.eye(3)
    p[:, 3:, 3:] = 1.0 * np.eye(3)
    return x, p


@dataclass
class _Window:
    t_start: float
    dist: float


@dataclass
class Lifecycle:
    store: Store
    params: TrackerParams
    tracks: list[Track] = field(default_factory=list)
    windows: dict[tuple[str, str], _Window] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(np.random.SeedSequence([self.params.seed, 0x7EC]))
        self.entries = np.array([g.midpoint() for g in self.store.gates_of_kind("entry")])
        self.exits = np.array([g.midpoint() for g in self.store.gates_of_kind("exit")])
        self.exit_normals = np.array([g.inward() for g in self.store.gates_of_kind("exit")])

    def live(self) -> list[Track]:
        return [t for t in self.tracks if t.state not in ("ended", "gone")]

    def _new_id(self) -> str:
        return self.rng.bytes(6).hex()

    def after_tick(
        self, t: float, now: float, leftovers: list[View], rig: Rig, stats: Stats
    ) -> list[AnyRecord]:
        p = self.params
        for tr in self.tracks:
            if tr.state == "tentative":
                tr.misses = 0 if tr.last_seen >= t else tr.misses + 1
                if tr.misses > p.tentative_miss_ticks:
                    tr.state, tr.ended_at = "dropped", t
                elif tr.hits >= p.confirm_ticks:
                    tr.state = "active"
            elif tr.state in ("active", "held"):
                lost = t - tr.last_seen
                if lost > p.exit_after_s and _near(tr.centre, self.exits, p.exit_radius_m):
                    tr.state, tr.ended_at = "ended", t
                    stats.ends += 1
                    if self._through_exit(tr.centre):
                        tr.state = "gone"  # walked out: never revived on someone else
                elif tr.state == "active" and lost > p.hold_after_s:
                    tr.state = "held"
        self.tracks = [
            tr
            for tr in self.tracks
            if tr.state not in ("dropped", "gone")
            and not (tr.state == "ended" and t - tr.ended_at > p.revive_s)
        ]
        if leftovers:
            self._groups(t, group_views(rig, leftovers), stats)
        return self._ambiguity(t, now)

    def _through_exit(self, xyz: np.ndarray) -> bool:
        """Last seen at (or past) an exit's gate line: the person left."""
        if len(self.exits) == 0:
            return False
        depth = np.einsum("ij,ij->i", xyz[:2] - self.exits, self.exit_normals)
        near = np.hypot(*(self.exits - xyz[:2]).T) <= self.params.exit_radius_m
        return bool(np.any(near & (depth < self.params.left_within_m)))

    def _groups(self, t: float, groups: list[Group], stats: Stats) -> None:
        p = self.params
        groups = [
            g for g in groups if (g.views_per_joint >= 2).sum() >= 6 and 0.4 < g.centre[2] < 1.8
        ]
        moving = [tr for tr in self.tracks if tr.state in ("tentative", "active")]
        if moving and groups:
            mc = np.array([tr.centre[:2] for tr in moving])
            groups = [g for g in groups if np.min(np.hypot(*(mc - g.centre[:2]).T)) > p.duplicate_m]
        lost = [tr for tr in self.tracks if tr.state in ("held", "ended")]
        if lost and groups:
            cost = np.array(
                [[float(np.hypot(*(tr.centre[:2] - g.centre[:2]))) for tr in lost] for g in groups]
            )
            gaps = np.array([t - tr.last_seen for tr in lost])
            gate = np.minimum(p.refind_gate_m + p.refind_speed * gaps, p.refind_max_m)
            # an ended track is revived only where it ended: it may have been someone
            # who stood by the exit, never someone else leaving later
            ended = np.array([tr.state == "ended" for tr in lost])
            gate = np.where(ended, p.revive_gate_m, gate)
            used = set()
            for gi, ti in assign(cost, gate):
                tr = lost[ti]
                tr.x, tr.p = init_state(groups[gi])
                tr.state, tr.last_seen, tr.ended_at = "active", t, float("inf")
                stats.refinds += 1
                used.add(gi)
            groups = [g for i, g in enumerate(groups) if i not in used]
        for g in groups:
            if _near(g.centre, self.entries, p.entry_radius_m):
                x, cov = init_state(g)
                self.tracks.append(Track(self._new_id(), x, cov, "tentative", t, t, hits=1))
                stats.births += 1
            else:
                stats.unexplained_groups += 1

    def _ambiguity(self, t: float, now: float) -> list[AnyRecord]:
        p = self.params
        out: list[AnyRecord] = []
        cur = [tr for tr in self.tracks if tr.state in ("active", "held")]
        by_id = {tr.id: tr for tr in cur}
        if len(cur) >= 2:
            c = np.array([tr.centre[:2] for tr in cur])
            d = np.hypot(c[:, None, 0] - c[None, :, 0], c[:, None, 1] - c[None, :, 1])
            for i, j in zip(*np.nonzero(np.triu(d < p.ambiguous_m, 1)), strict=True):
                key = tuple(sorted((cur[i].id, cur[j].id)))
                if key not in self.windows:
                    self.windows[key] = _Window(t, float(d[i, j]))  # type: ignore[index]
                    out.append(output.ambiguity(p.device, t, now, key, t, None, float(d[i, j])))  # type: ignore[arg-type]
        for key, win in list(self.windows.items()):
            a, b = by_id.get(key[0]), by_id.get(key[1])
            dist = float(np.hypot(*(a.centre[:2] - b.centre[:2]))) if a and b else np.inf
            win.dist = min(win.dist, dist)
            if dist > p.apart_m:
                del self.windows[key]
                out.append(output.ambiguity(p.device, t, now, key, win.t_start, t, win.dist))
        return out

    def frame(self, t: float, now: float, seq: int) -> AnyRecord:
        p = self.params
        people: list[TrackedPerson] = [
            output.person(tr.id, tr.x[:, :3], tr.sd(), p.max_joint_sd_m)
            for tr in self.tracks
            if tr.state == "active" and t - tr.last_seen <= p.show_after_s
        ]
        # a person none of whose joints is sure enough to show says nothing
        return output.frame(p.device, t, now, seq, [pp for pp in people if pp.joints])


def _near(xyz: np.ndarray, gates: Any, radius: float) -> bool:
    if len(gates) == 0:
        return False
    return bool(np.min(np.hypot(*(np.asarray(gates) - xyz[:2]).T)) <= radius)
