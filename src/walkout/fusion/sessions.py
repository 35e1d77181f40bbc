"""Sessions: from a credential at the gate to a receipt at the exit.

A session opens when a credential is shown; it admits up to ``admits`` people
(a family on one phone). Each track born at the entry gate is matched to the
credential whose people it most likely is, by when they file through the gate
(people pass a second or so apart, right after their scan). When two queues
interleave the match is uncertain, and the track carries that uncertainty as
an identity split over sessions. A track born at a gate with no credential
left is someone who followed others in: a session of their own, no account. A
track that appears away from the gates is a tracker re-finding someone it lost:
it inherits the identity of a track lost nearby moments before.

Trackers also confuse people who pass close. Two tracks that come closer than
bodies can (their positions, averaged over a third of a second, collapse onto
each other) mark the tracker losing the two apart: a coin toss which id went
where, unless where the tracks went on to tells: a shopper standing at a shelf
is still there a second later, one walking past is further along at their
pace. What stays in doubt splits both tracks' identities, and their events go
to a human. A close pass without a collapse leaves a small split of identity,
by the tracker's swap odds at that distance. (Testing motion on every close
pass, not only on collapses, was tried and dropped: shoppers stop, turn and
start at shelves, and it flagged far more false swaps than true ones.)
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from walkout.domain.layout import Layout
from walkout.eventlog.records import Ambiguity, GateEntry
from walkout.fusion.config import EngineConfig
from walkout.fusion.tracks import HEAD, NECK, Track

EXIT_PASS_S = 0.5  # a track at the exit gate this close in time to an "out" pass made it
EXIT_PASS_M = 1.2  # ... and this close to the gate's middle
EXIT_PASS_MARGIN_M = 0.4  # another visit's track nearly as close: wait for the tracks to end
LOST_AFTER_S = 1.0  # no frame for this long while others arrive: the track is gone
EXIT_GONE_S = 0.4  # ... or this long, at an exit gate that someone just went out through
EXIT_PASS_WINDOW_S = 1.0  # "just": a pass this close in time to the track's last frame
RELINK_S = 10.0
RELINK_M = 2.0
PASS_GAP_S = 1.1  # people on one credential file through about this far apart
PASS_AFTER_SCAN_S = 0.4
PASS_SD_S = 0.3  # how closely people keep to that rhythm
SCAN_SLACK_S = 0.3  # nobody passes on a credential before it is shown (clock slack aside)
TAILGATE_PRIOR = 0.02
NO_SHOW_S = 90.0  # a credential whose people never came in is closed after this
MOTION_WINDOW = (0.4, 1.6)  # an encounter is settled this long after its closest moment
SMOOTH_FRAMES = 5  # distances are averaged over this many frames (a third of a second)
MIN_FRAMES = 3
# after a collapse, each track's place is compared before and after the meeting
SWAP_BEFORE_S = (1.0, 0.4)  # fit position and pace this long before the closest moment
SWAP_AFTER_S = (0.4, 0.9)  # ... and look where the tracks are this long after
SWAP_POS_SD_M = (
    0.3  # where a track should be: this close if it stood still (shoppers at a shelf shuffle)
)
SWAP_PACE_SD = 0.5  # ... and this share of the way it went if it walked
SWAP_ACCEL = 0.6  # m/s^2: how fast a shopper standing at a shelf may set off (half a t^2 of it)
SWAP_WALK_M_S = 1.2  # ... less so the faster they already went: none at this pace
MIX_MEMORY_S = 60.0  # exchanges are settled within seconds; older ones are never replayed
SWAP_FLOOR = 0.003  # never surer than this either way: trackers err in ways we do not model


@dataclass
class Admission:
    token: str
    kind: str
    admits: int
    t: float
    gate: str
    remaining: int
    session: str


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
    a: str
    b: str
    t0: float
    d_min: float
    t_min: float
    recent: list[float] = field(default_factory=list)

    def see(self, d: float, t: float) -> None:
        """The closest approach, from distances averaged over a few frames: one
        frame's jitter can bring two heads 15 cm closer than they are, a swap
        brings them together for several."""
        self.recent.append(d)
        if len(self.recent) > SMOOTH_FRAMES:
            del self.recent[0]
        if len(self.recent) >= MIN_FRAMES:
            m = sum(self.recent) / len(self.recent)
            if m < self.d_min:
                self.d_min, self.t_min = m, t


class Sessions:
    def __init__(self, layout: Layout, cfg: EngineConfig):
        self.cfg = cfg
        store = layout.store
        self.entries = {g.id: g.midpoint() for g in store.gates_of_kind("entry")}
        self.exits = {g.id: g.midpoint() for g in store.gates_of_kind("exit")}
        self.admissions: list[Admission] = []
        self.by_id: dict[str, SessionState] = {}
        self.of_track: dict[str, str] = {}  # the session a track most likely belongs to
        self.identity: dict[str, list[tuple[float, dict[str, float]]]] = {}
        self.mixes: list[tuple[float, str, str, float]] = []  # recent exchanges, in time order
        self.encounters: dict[tuple[str, str], Encounter] = {}
        self.resolving: list[Encounter] = []
        self.ambiguous: list[Encounter] = []  # the tracker's windows of doubt, to settle
        self.ambiguous_until: dict[tuple[str, str, float], float] = {}
        self.lost: dict[str, float] = {}
        self.active: dict[str, None] = {}  # tracks neither gone nor lost (insertion-ordered set)
        self._n = 0
        self.passes: dict[str, deque[float]] = {}  # "device:direction" -> recent pass times

    # -- gate --------------------------------------------------------------------

    def on_entry(self, rec: GateEntry) -> SessionState:
        """A credential at the gate opens its session at once."""
        sess = self._new_session(rec.t, rec.credential.token, rec.credential.kind, rec.admits)
        self.admissions.append(
            Admission(
                token=rec.credential.token,
                kind=rec.credential.kind,
                admits=rec.admits,
                t=rec.t,
                gate=rec.device,
                remaining=rec.admits,
                session=sess.id,
            )
        )
        return sess

    def on_pass(
        self, device: str, t: float, direction: str, tracks: dict[str, Track]
    ) -> list[SessionState]:
        """A pass through a gate. Out through an exit: the track at the gate has left
        now, without waiting for it to stop appearing (a receipt within a second).
        Returns sessions now closed."""
        self.passes.setdefault(f"{device}:{direction}", deque(maxlen=8)).append(t)
        if direction != "out" or device not in self.exits:
            return []
        gate = self.exits[device]
        near = sorted(
            (float(np.linalg.norm(tr.last_xy - gate)), tid)
            for tid in self.active
            if (tr := tracks.get(tid)) is not None and abs(tr.last_t - t) < EXIT_PASS_S
        )
        near = [(d, tid) for d, tid in near if d <= EXIT_PASS_M]
        if not near:
            return []  # the track will be seen to stop at the exit instead
        d0, tid = near[0]
        rivals = [
            x
            for d, x in near[1:]
            if d - d0 < EXIT_PASS_MARGIN_M and self.of_track[x] != self.of_track[tid]
        ]
        if rivals:
            return []  # two people of different visits at the gate: wait for the tracks to end
        del self.active[tid]
        sess = self.by_id[self.of_track[tid]]
        sess.exited.add(tid)
        sess.t_exit = max(sess.t_exit or t, t)
        return self._maybe_close(sess)

    def _new_session(
        self, t: float, token: str | None, kind: str | None, admits: int
    ) -> SessionState:
        self._n += 1
        s = SessionState(
            id=f"S{self._n:06d}",
            token=token,
            credential=kind,
            admits=admits,
            t_enter=t,
            staff=kind == "staff",
        )
        self.by_id[s.id] = s
        return s

    # -- tracks ------------------------------------------------------------------

    def on_born(self, tr: Track, tracks: dict[str, Track]) -> SessionState | None:
        """Give a new track its session; returns a session opened for it (no credential)."""
        cfg = self.cfg
        near_gate = min(
            (float(np.linalg.norm(tr.first_xy - g)) for g in self.entries.values()), default=np.inf
        )
        if near_gate > cfg.gate_radius_m and self._relink(tr, tracks):
            return None
        t = tr.first_t
        weights: dict[str, float] = {}
        chosen: dict[str, Admission] = {}
        for a in self.admissions:
            if a.remaining <= 0 or not (a.t - SCAN_SLACK_S <= t <= a.t + cfg.admit_window_s):
                continue
            due = a.t + PASS_AFTER_SCAN_S + PASS_GAP_S * (a.admits - a.remaining)
            lag = abs(t - due)
            # mostly on time; sometimes someone dawdles
            w = 0.9 * float(np.exp(-lag / PASS_SD_S)) + 0.1 * float(np.exp(-lag / 3.0))
            if w > weights.get(a.session, 0.0):
                weights[a.session] = w
                chosen[a.session] = a
        new = None
        if not weights or max(weights.values()) < TAILGATE_PRIOR:
            sess = new = self._new_session(t, None, None, 1)  # came in on nobody's credential
            ident = {sess.id: 1.0}
        else:
            total = sum(weights.values()) + TAILGATE_PRIOR * 0.1
            best = max(weights, key=lambda k: (weights[k], k))
            chosen[best].remaining -= 1
            sess = self.by_id[best]
            ident = {k: v / total for k, v in weights.items() if v / total >= 0.005}
            norm = sum(ident.values())
            ident = {k: v / norm for k, v in ident.items()}
        sess.tracks.append(tr.id)
        self.of_track[tr.id] = sess.id
        self.active[tr.id] = None
        self.identity[tr.id] = [(t, ident)]
        return new

    def _relink(self, tr: Track, tracks: dict[str, Track]) -> bool:
        """A track born mid-store: the tracker re-found someone it lost nearby."""
        best = None
        for tid, t_lost in self.lost.items():
            old = tracks.get(tid)
            if old is None or tr.first_t - t_lost > RELINK_S:
                continue
            d = float(np.linalg.norm(old.last_xy - tr.first_xy))
            if d < RELINK_M and (best is None or d < best[0]):
                best = (d, tid)
        if best is None:
            return False
        old_id = best[1]
        self.lost.pop(old_id, None)
        self.of_track[tr.id] = self.of_track[old_id]
        self.identity[tr.id] = [(tr.first_t, dict(self.identity_at(old_id, tr.first_t)))]
        sess = self.by_id[self.of_track[tr.id]]
        sess.tracks.append(tr.id)
        sess.exited.add(old_id)
        self.active[tr.id] = None
        return True

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

    def tracks_maybe_of(self, session: str, p_min: float = 0.005) -> set[str]:
        """Every track that is, or may be (a swap in doubt, a shared queue), this session's."""
        return {
            tid
            for tid, hist in self.identity.items()
            if any(dist.get(session, 0.0) >= p_min for _, dist in hist)
        }

    # -- close passes ------------------------------------------------------------------

    def on_frame(self, t: float, frame_tracks: list[Track], tracks: dict[str, Track]) -> None:
        cfg = self.cfg
        live = [tr for tr in frame_tracks if tr.last_t == t and tr.id in self.of_track]
        seen: set[tuple[str, str]] = set()
        far: set[tuple[str, str]] = set()
        if len(live) >= 2:
            xy = np.array([tr.joints[(tr.n - 1) % len(tr.times), HEAD, :2] for tr in live])
            d = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2)
            for i, j in np.argwhere(np.triu(d < cfg.encounter_m, k=1)):
                a, b = live[i].id, live[j].id
                if self.of_track[a] == self.of_track[b]:
                    continue
                key = (a, b) if a < b else (b, a)
                seen.add(key)
                e = self.encounters.get(key)
                if e is None:
                    e = self.encounters[key] = Encounter(
                        a=key[0], b=key[1], t0=t, d_min=np.inf, t_min=t
                    )
                e.see(float(d[i, j]), t)
            far = {
                (live[i].id, live[j].id) if live[i].id < live[j].id else (live[j].id, live[i].id)
                for i, j in np.argwhere(np.triu(d > 2 * cfg.encounter_m, k=1))
            }
        for key in list(self.encounters):
            if key in seen:
                continue
            e = self.encounters[key]
            if key not in far and t - e.t0 < 5.0:
                continue  # near each other still (or one missed a frame)
            self.resolving.append(self.encounters.pop(key))
        keep = []
        for e in self.resolving:
            if t < e.t_min + MOTION_WINDOW[1]:
                keep.append(e)
            else:
                self._resolve(e, tracks)
        self.resolving = keep
        if self.ambiguous:
            self._settle_ambiguous(t, tracks)

    def _resolve(self, e: Encounter, tracks: dict[str, Track]) -> None:
        """Could the tracker have swapped these two? Bodies cannot come closer than
        about a shoulder's width; two tracks that did were the tracker losing them
        apart (a coin toss which id went where). Otherwise, the tracker's own odds
        at that distance."""
        cfg = self.cfg
        if e.d_min < cfg.collapse_m:
            p = _swap_given_motion(e, tracks, cfg.confusion_swap_p)
        else:
            p = cfg.swap_at_contact * float(np.exp(-((max(e.d_min, 0.35) / cfg.swap_scale_m) ** 2)))
        if p < 1e-4:
            return
        self.mix(e.a, e.b, p, e.t_min)

    def mix(self, a: str, b: str, p: float, t: float) -> None:
        """From ``t`` on, tracks ``a`` and ``b`` may have exchanged people (odds ``p``).

        Encounters are settled out of time order (a long one ends after a short one
        that began later), so an exchange can land before others already applied:
        every exchange from ``t`` on that touches these tracks (or tracks they met
        since) is applied again, in time order, so the identities are those of
        exchanges settled in the order they happened."""
        i = bisect.bisect_right(self.mixes, (t, a, b, p))
        self.mixes.insert(i, (t, a, b, p))
        state = {a: self._before(a, t), b: self._before(b, t)}
        since = {a: t, b: t}
        written: dict[str, list[tuple[float, dict[str, float]]]] = {a: [], b: []}
        for ti, x, y, q in self.mixes[i:]:  # this one first, then those settled before it
            if x not in state and y not in state:
                continue
            for z in (x, y):
                if z not in state:
                    state[z] = self._before(z, ti)
                    since[z] = ti
                    written[z] = []
            dx, dy = state[x], state[y]
            keys = sorted(set(dx) | set(dy))
            state[x] = {k: (1 - q) * dx.get(k, 0.0) + q * dy.get(k, 0.0) for k in keys}
            state[y] = {k: (1 - q) * dy.get(k, 0.0) + q * dx.get(k, 0.0) for k in keys}
            written[x].append((ti, state[x]))
            written[y].append((ti, state[y]))
        for z, entries in written.items():
            old = self.identity.get(z, [])
            self.identity[z] = [e for e in old if e[0] < since[z]] + entries
        while self.mixes and self.mixes[0][0] < self.mixes[-1][0] - MIX_MEMORY_S:
            self.mixes.pop(0)

    def _before(self, track: str, t: float) -> dict[str, float]:
        """The track's identity just before ``t`` (its first if it began at ``t``)."""
        hist = self.identity.get(track)
        if not hist:
            return {}
        cur = hist[0][1]
        for ts, dist in hist:
            if ts < t:
                cur = dist
            else:
                break
        return cur

    # -- the tracker's own doubt -------------------------------------------------------

    def on_ambiguity(self, rec: Ambiguity, tracks: dict[str, Track]) -> None:
        """The tracker could not tell two tracks apart from ``t_start`` to ``t_end``
        (it says so when they come within half a metre). Once the window closes, and
        once the tracks have gone on far enough to show where they went, the motion
        test says whether the ids came out exchanged, from the tracker's own odds of
        an exchange in such a window (``ambiguity_swap_p``)."""
        if rec.t_end is None:
            return
        a, b = sorted(rec.tracks)
        if a not in self.of_track or b not in self.of_track or self.of_track[a] == self.of_track[b]:
            return
        self.ambiguous.append(
            Encounter(a=a, b=b, t0=rec.t_start, d_min=rec.min_distance_m, t_min=rec.t_start)
        )
        self.ambiguous_until[(a, b, rec.t_start)] = rec.t_end

    def _settle_ambiguous(self, t: float, tracks: dict[str, Track]) -> None:
        keep = []
        for e in self.ambiguous:
            until = self.ambiguous_until[(e.a, e.b, e.t0)]
            if t < until + MOTION_WINDOW[1]:
                keep.append(e)
                continue
            del self.ambiguous_until[(e.a, e.b, e.t0)]
            if e.a not in self.identity or e.b not in self.identity:
                continue  # a visit already over
            p = _swap_given_motion(e, tracks, self.cfg.ambiguity_swap_p, until=until)
            if p >= 1e-4 and not self._mixed(e.a, e.b, e.t0, until, p):
                self.mix(e.a, e.b, p, (e.t0 + until) / 2)
        self.ambiguous = keep

    def _mixed(self, a: str, b: str, t0: float, t1: float, p: float) -> bool:
        """Did the engine's own reading of the tracks already mix these two in that
        window, at least as strongly? (Their meeting is one doubt, not two.)"""
        return any(
            {x, y} == {a, b} and t0 - 1.0 <= tm <= t1 + 1.0 and q >= p for tm, x, y, q in self.mixes
        )

    # -- exits -----------------------------------------------------------------------

    def check_exits(self, t: float, tracks: dict[str, Track]) -> list[SessionState]:
        """Tracks that stopped appearing: gone out of an exit, or lost. Returns sessions now closed."""
        cfg = self.cfg
        closed = []
        for tid in list(self.active):
            sess = self.by_id[self.of_track[tid]]
            tr = tracks.get(tid)
            if tr is None or t - tr.last_t < EXIT_GONE_S:
                continue
            d_exit = min(
                (float(np.linalg.norm(tr.last_xy - g)) for g in self.exits.values()), default=np.inf
            )
            at_exit = d_exit <= cfg.exit_radius_m
            if t - tr.last_t < LOST_AFTER_S and not (at_exit and self._passed_out(tr.last_t)):
                continue
            del self.active[tid]
            if at_exit:
                sess.exited.add(tid)
                sess.t_exit = max(sess.t_exit or tr.last_t, tr.last_t)
                closed += self._maybe_close(sess)
            else:
                self.lost[tid] = tr.last_t
        # a track lost for good is as good as gone: its session may close without it
        for tid, t_lost in list(self.lost.items()):
            if t - t_lost > 120.0:
                del self.lost[tid]
                sess = self.by_id[self.of_track[tid]]
                sess.exited.add(tid)
                sess.t_exit = sess.t_exit or t_lost
                closed += self._maybe_close(sess)
        # credentials whose people never came in
        for a in list(self.admissions):
            if t - a.t > NO_SHOW_S:
                self.admissions.remove(a)
                sess = self.by_id.get(a.session)
                if sess is not None and not sess.tracks and not sess.closed:
                    sess.closed = True
                    sess.t_exit = a.t
                    closed.append(sess)
        return closed

    def _passed_out(self, t: float) -> bool:
        """Did someone go out through an exit about then? (Two visits at the gate at once:
        the one whose track stops there is the one that went.)"""
        return any(
            abs(p - t) <= EXIT_PASS_WINDOW_S
            for dev in self.exits
            for p in self.passes.get(f"{dev}:out", ())
        )

    def _maybe_close(self, sess: SessionState) -> list[SessionState]:
        waiting = any(a.session == sess.id and a.remaining > 0 for a in self.admissions)
        if set(sess.tracks) <= sess.exited and not sess.closed and not waiting:
            sess.closed = True
            return [sess]
        return []

    def close_all(self, t: float) -> list[SessionState]:
        out = []
        for sess in self.by_id.values():
            if not sess.closed:
                sess.closed = True
                sess.t_exit = sess.t_exit or t
                out.append(sess)
        return out

    def forget(self, sess: SessionState) -> None:
        """A session whose receipt is out: drop what only it needed."""
        for tid in sess.tracks:
            self.identity.pop(tid, None)
            self.of_track.pop(tid, None)
            self.active.pop(tid, None)
            self.lost.pop(tid, None)
        self.by_id.pop(sess.id, None)


def _where_and_how_fast(tr: Track, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray] | None:
    """Position at ``t1`` and velocity over [t0, t1], by a straight-line fit to the neck."""
    ts, js = tr.window(t0, t1)
    if len(ts) < 3:
        return None
    xy = js[:, NECK, :2]
    ok = ~np.isnan(xy[:, 0])
    if ok.sum() < 3:
        return None
    tt, pp = ts[ok] - t1, xy[ok]
    a = np.vstack([np.ones_like(tt), tt]).T
    coef, *_ = np.linalg.lstsq(a, pp, rcond=None)
    return coef[0], coef[1]


def _where(tr: Track, t0: float, t1: float) -> np.ndarray | None:
    ts, js = tr.window(t0, t1)
    xy = js[:, NECK, :2]
    ok = ~np.isnan(xy[:, 0]) if len(ts) else np.zeros(0, dtype=bool)
    return xy[ok].mean(axis=0) if ok.sum() >= 2 else None


def _swap_given_motion(
    e: Encounter, tracks: dict[str, Track], prior: float, until: float | None = None
) -> float:
    """After a collapse, did the ids come out exchanged? Each track should go on
    from where it was, at the pace it had: a shopper standing at a shelf is still
    there a second later, one walking past is further along. The tracks' places
    before and after the moment they met (``e.t_min``, or before ``e.t_min`` and
    after ``until`` for a stretch the tracker could not tell them apart), against
    those two stories (kept apart from the ``prior`` only as far as the evidence
    goes). After a tracker's window, where a track should be grows with the time
    it was not told apart if the shopper was standing: they may have walked off
    (``SWAP_ACCEL``). Without it, someone setting off from a shelf after a
    2-second window landed nearer the other's straight-line guess, and 11 of the
    tracker's 289 windows in an hour came out "exchanged" at p 0.8-0.997 where
    the tracker had kept both people."""
    ta, tb = tracks.get(e.a), tracks.get(e.b)
    if ta is None or tb is None:
        return prior
    b0, b1 = e.t_min - SWAP_BEFORE_S[0], e.t_min - SWAP_BEFORE_S[1]
    fa, fb = _where_and_how_fast(ta, b0, b1), _where_and_how_fast(tb, b0, b1)
    end = e.t_min if until is None else until
    a0, a1 = end + SWAP_AFTER_S[0], end + SWAP_AFTER_S[1]
    pa, pb = _where(ta, a0, a1), _where(tb, a0, a1)
    if fa is None or fb is None or pa is None or pb is None:
        return prior
    dt = (a0 + a1) / 2 - b1

    def ll(obs: np.ndarray, fit: tuple[np.ndarray, np.ndarray]) -> float:
        pos, vel = fit
        speed = float(np.linalg.norm(vel))
        # a stretch the tracker could not tell them apart: someone standing at a
        # shelf may have set off in it (a walker mostly walks on)
        standing = max(0.0, 1.0 - speed / SWAP_WALK_M_S)
        accel = standing * SWAP_ACCEL * dt * dt / 2 if until is not None else 0.0
        sd = float(np.linalg.norm([SWAP_POS_SD_M, SWAP_PACE_SD * speed * dt, accel]))
        return -0.5 * float(np.sum((obs - (pos + vel * dt)) ** 2)) / sd**2 - 2 * float(np.log(sd))

    stay = ll(pa, fa) + ll(pb, fb)
    swap = ll(pa, fb) + ll(pb, fa)
    logit = float(np.log(prior / (1 - prior))) + float(np.clip(swap - stay, -50, 50))
    p = 1.0 / (1.0 + float(np.exp(-logit)))
    return float(np.clip(p, SWAP_FLOOR, 1 - SWAP_FLOOR))
