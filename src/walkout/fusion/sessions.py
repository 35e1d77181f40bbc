"""Sessions: from a credential at the gate to a receipt at the exit.

A credential admits up to ``admits`` people; the tracks born at that entry
gate soon after join its session (a family on one phone). A track born at a
gate with no credential left is someone who followed others in: they get a
session of their own with no account. A track that appears away from the
gates is a tracker losing and re-finding someone: it inherits the identity of
a track lost nearby moments before.

Identity is the continuity of a track, and trackers do confuse people who
pass close: every close pass between people of different sessions mixes their
tracks' identities a little (by the tracker's swap odds at that distance), so
probabilities stay honest after it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from walkout.domain.layout import Layout
from walkout.eventlog.records import GateEntry
from walkout.fusion.config import EngineConfig
from walkout.fusion.tracks import HEAD, Track

LOST_AFTER_S = 1.0  # no frame for this long while others arrive: the track is gone
RELINK_S = 10.0
RELINK_M = 2.0


@dataclass
class Admission:
    token: str
    kind: str
    admits: int
    t: float
    gate: str
    remaining: int
    session: str | None = None


@dataclass
class SessionState:
    id: str
    token: str | None
    credential: str | None
    admits: int
    t_enter: float
    tracks: list[str] = field(default_factory=list)
    staff: bool = False
    exited: set[str] = field(default_factory=set)
    t_exit: float | None = None
    closed: bool = False  # every track left
    final: bool = False  # receipt issued


@dataclass
class Encounter:
    t0: float
    d_min: float
    t_min: float


class Sessions:
    def __init__(self, layout: Layout, cfg: EngineConfig):
        self.cfg = cfg
        store = layout.store
        self.entries = {g.id: g.midpoint() for g in store.gates_of_kind("entry")}
        self.exits = {g.id: g.midpoint() for g in store.gates_of_kind("exit")}
        self.admissions: list[Admission] = []
        self.by_id: dict[str, SessionState] = {}
        self.of_track: dict[str, str] = {}  # the session a track was admitted to
        self.identity: dict[str, list[tuple[float, dict[str, float]]]] = {}
        self.encounters: dict[tuple[str, str], Encounter] = {}
        self.lost: dict[str, float] = {}
        self.active: dict[str, None] = {}  # tracks neither gone nor lost (insertion-ordered set)
        self._n = 0
        self.passes: dict[str, list[float]] = defaultdict(list)

    # -- gate --------------------------------------------------------------------

    def on_entry(self, rec: GateEntry) -> None:
        self.admissions.append(
            Admission(
                token=rec.credential.token,
                kind=rec.credential.kind,
                admits=rec.admits,
                t=rec.t,
                gate=rec.device,
                remaining=rec.admits,
            )
        )

    def on_pass(self, device: str, t: float, direction: str) -> None:
        self.passes[f"{device}:{direction}"].append(t)

    def _new_session(self, t: float, adm: Admission | None) -> SessionState:
        self._n += 1
        s = SessionState(
            id=f"S{self._n:06d}",
            token=adm.token if adm else None,
            credential=adm.kind if adm else None,
            admits=adm.admits if adm else 1,
            t_enter=t,
            staff=bool(adm and adm.kind == "staff"),
        )
        self.by_id[s.id] = s
        return s

    # -- tracks ------------------------------------------------------------------

    def on_born(self, tr: Track, tracks: dict[str, Track]) -> SessionState | None:
        """Give a new track its session; returns the session when it is new."""
        cfg = self.cfg
        near_gate = min(
            (float(np.linalg.norm(tr.first_xy - g)) for g in self.entries.values()), default=np.inf
        )
        if near_gate > cfg.gate_radius_m:
            # re-found after a loss? inherit from the track lost closest by
            best = None
            for tid, t_lost in self.lost.items():
                old = tracks.get(tid)
                if old is None or tr.first_t - t_lost > RELINK_S:
                    continue
                d = float(np.linalg.norm(old.last_xy - tr.first_xy))
                if d < RELINK_M and (best is None or d < best[0]):
                    best = (d, tid)
            if best is not None:
                old_id = best[1]
                self.lost.pop(old_id, None)
                self.of_track[tr.id] = self.of_track[old_id]
                self.identity[tr.id] = [(tr.first_t, dict(self.identity_at(old_id, tr.first_t)))]
                sess = self.by_id[self.of_track[tr.id]]
                sess.tracks.append(tr.id)
                sess.exited.add(old_id)
                self.active[tr.id] = None
                return None
        gate = (
            min(self.entries, key=lambda g: float(np.linalg.norm(tr.first_xy - self.entries[g])))
            if self.entries
            else ""
        )
        adm = None
        for a in self.admissions:
            if (
                a.remaining > 0
                and a.t - 3.0 <= tr.first_t <= a.t + cfg.admit_window_s
                and (a.gate == gate or len(self.entries) == 1)
            ):
                adm = a
                break
        new = None
        if adm is not None and adm.session is not None:
            sess = self.by_id[adm.session]
        else:
            sess = new = self._new_session(tr.first_t, adm)
            if adm is not None:
                adm.session = sess.id
        if adm is not None:
            adm.remaining -= 1
        sess.tracks.append(tr.id)
        self.of_track[tr.id] = sess.id
        self.active[tr.id] = None
        self.identity[tr.id] = [(tr.first_t, {sess.id: 1.0})]
        self.admissions = [a for a in self.admissions if a.remaining > 0 and tr.first_t - a.t < 600]
        return new

    def identity_at(self, track: str, t: float) -> dict[str, float]:
        hist = self.identity.get(track)
        if not hist:
            return {}
        cur = hist[0][1]
        for ts, dist in hist:
            if ts <= t:
                cur = dist
            else:
                break
        return cur

    def on_frame(self, t: float, tracks: list[Track]) -> None:
        """Close passes between people of different sessions blur who is who."""
        cfg = self.cfg
        live = [tr for tr in tracks if tr.last_t == t and tr.id in self.of_track]
        if len(live) < 2:
            self._end_encounters(t, set())
            return
        xy = np.array([tr.joints[(tr.n - 1) % len(tr.times), HEAD, :2] for tr in live])
        d = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2)
        close = np.argwhere(np.triu(d < cfg.encounter_m, k=1))
        seen: set[tuple[str, str]] = set()
        for i, j in close:
            a, b = live[i].id, live[j].id
            if self.of_track[a] == self.of_track[b]:
                continue
            key = (a, b) if a < b else (b, a)
            seen.add(key)
            e = self.encounters.get(key)
            dij = float(d[i, j])
            if e is None:
                self.encounters[key] = Encounter(t0=t, d_min=dij, t_min=t)
            elif dij < e.d_min:
                e.d_min, e.t_min = dij, t
        self._end_encounters(
            t, seen, far={(live[i].id, live[j].id) for i, j in np.argwhere(d > 2 * cfg.encounter_m)}
        )

    def _end_encounters(
        self, t: float, seen: set[tuple[str, str]], far: set[tuple[str, str]] | None = None
    ) -> None:
        cfg = self.cfg
        for key in list(self.encounters):
            if key in seen:
                continue
            a, b = key
            if (
                far is not None
                and (a, b) not in far
                and (b, a) not in far
                and t - self.encounters[key].t0 < 5.0
            ):
                continue  # still near each other
            e = self.encounters.pop(key)
            p = cfg.swap_at_contact * float(np.exp(-((max(e.d_min, 0.35) / cfg.swap_scale_m) ** 2)))
            da, db = self.identity_at(a, e.t_min), self.identity_at(b, e.t_min)
            keys = set(da) | set(db)
            na = {k: (1 - p) * da.get(k, 0.0) + p * db.get(k, 0.0) for k in keys}
            nb = {k: (1 - p) * db.get(k, 0.0) + p * da.get(k, 0.0) for k in keys}
            self.identity.setdefault(a, []).append((e.t_min, na))
            self.identity.setdefault(b, []).append((e.t_min, nb))

    # -- exits -----------------------------------------------------------------------

    def check_exits(self, t: float, tracks: dict[str, Track]) -> list[SessionState]:
        """Tracks that stopped appearing: gone out of an exit, or lost. Returns sessions now closed."""
        cfg = self.cfg
        closed = []
        for tid in list(self.active):
            sess = self.by_id[self.of_track[tid]]
            tr = tracks.get(tid)
            if tr is None or t - tr.last_t < LOST_AFTER_S:
                continue
            del self.active[tid]
            d_exit = min(
                (float(np.linalg.norm(tr.last_xy - g)) for g in self.exits.values()), default=np.inf
            )
            if d_exit <= cfg.exit_radius_m:
                sess.exited.add(tid)
                sess.t_exit = max(sess.t_exit or tr.last_t, tr.last_t)
                if set(sess.tracks) <= sess.exited and not sess.closed:
                    sess.closed = True
                    closed.append(sess)
            else:
                self.lost[tid] = tr.last_t
        # a track lost for good is as good as gone: its session may close without it
        for tid, t_lost in list(self.lost.items()):
            if t - t_lost > 120.0:
                del self.lost[tid]
                sess = self.by_id[self.of_track[tid]]
                sess.exited.add(tid)
                if set(sess.tracks) <= sess.exited and not sess.closed:
                    sess.closed = True
                    sess.t_exit = sess.t_exit or t_lost
                    closed.append(sess)
        return closed

    def forget(self, sess: SessionState) -> None:
        """A session whose receipt is out: drop what only it needed."""
        for tid in sess.tracks:
            self.identity.pop(tid, None)
            self.of_track.pop(tid, None)
            self.active.pop(tid, None)
            self.lost.pop(tid, None)
        self.by_id.pop(sess.id, None)

    def close_all(self, t: float) -> list[SessionState]:
        out = []
        for sess in self.by_id.values():
            if not sess.closed:
                sess.closed = True
                sess.t_exit = sess.t_exit or t
                out.append(sess)
        return out
