"""The engine: ``apply(record) -> outputs``, deterministic, no I/O.

Records arrive in arrival order. Plate batches feed per-controller change
detectors; finished changes on neighbouring plates become shelf events; an
event is decided once the tracker has reported a moment past it (who was
there), then charged to a cart; a session's receipt is issued a moment after
its last person leaves. ``checkpoint()``/``restore()`` snapshot all of it,
so a run resumed mid-log gives the same outputs as one that never stopped.
"""

from __future__ import annotations

import math
import pickle
from collections import deque
from typing import Any

import numpy as np

from walkout.domain.layout import Layout
from walkout.domain.rfid import gtin_from_sgtin
from walkout.domain.store import Store
from walkout.eventlog.records import (
    STAFF_KINDS,
    Ambiguity,
    AnyRecord,
    GateEntry,
    GatePass,
    Header,
    PlateBatch,
    Recognition,
    ReviewThresholdSet,
    RfidRead,
    TrackFrame,
)
from walkout.fusion.attribution import (
    closest_approach,
    nearest_hand,
    presence,
    region,
    score_probabilities,
    track_probabilities,
)
from walkout.fusion.carts import Cart, Contribution, Doubt
from walkout.fusion.clocks import ClockSync
from walkout.fusion.config import EngineConfig
from walkout.fusion.detect import DeviceDetector, PlateChange
from walkout.fusion.events import PendingEvent, cluster
from walkout.fusion.handoffs import P_HANDED, WAIT_S, HandMeetings, Meeting, Take, giver_take
from walkout.fusion.outputs import (
    AnyOutput,
    Attribution,
    Hypothesis,
    Receipt,
    ReviewTask,
    Session,
    ShelfEvent,
)
from walkout.fusion.planogram import LivePlanogram
from walkout.fusion.products import UNKNOWN, place_loglik, rank
from walkout.fusion.sessions import Sessions, SessionState
from walkout.fusion.steps import Step, find_steps, fit_units, plate_steps
from walkout.fusion.tracks import HANDS, NECK, TrackBuffer

ENGINE_VERSION = 2
NO_TRACKER_WAIT_S = 2.0  # with no tracker in the log, decide this long after a change
EXIT_CHECK_S = 0.2
PHANTOM_S = 60.0  # unexplained weight is remembered this long
REACH_M = 1.0  # a hand (or body) further than this from a plate had nothing to do with it
REACH_BEFORE_S = 1.0
NOBODY_SCORE = 0.011  # a hand score under this (3 sds away all the time) is nobody there
LEFT_BEHIND_WAIT_S = 5.0  # a receipt waits this long for a track that may be its visit's to leave
OFF_LANE_WEIGHT = 0.1  # a hand at the plates but outside the unit's lane, as evidence
STEP_HAND_S = 0.15  # the hand that made a jump of the weight was in the shelf this close to it


UNIT_MEMORY_MAX = 3  # units taken in one grab up to which each is remembered by its weight
SPLIT_MIN_SHARE = 0.1  # a split into lifts must be at least this likely, against the whole


class Engine:
    def __init__(self, store: Store, config: EngineConfig | None = None):
        self.store = store
        self.cfg = config or EngineConfig()
        self.layout = Layout.of(store)
        self.plan = LivePlanogram(self.layout)
        self.products = store.products
        #: a misplaced unit of the store's lightest product must be seen on any shelf
        #: (but real catalogues list some products at a gram or less: not below event_cap_min_g)
        lightest = min((p.weight_g for p in self.products.values()), default=np.inf)
        self._cap_g = max(
            self.cfg.event_cap_min_g,
            min(self.cfg.event_cap_g, self.cfg.event_store_share * lightest),
        )
        self.detectors: dict[str, DeviceDetector] = {}
        self.changes: list[PlateChange] = []
        self.pending: list[PendingEvent] = []
        self.tracks = TrackBuffer()
        self.sessions = Sessions(self.layout, self.cfg)
        self.carts: dict[str, Cart] = {}
        self.recognitions: deque[Recognition] = deque(maxlen=2000)
        self.rfid: deque[RfidRead] = deque(maxlen=2000)
        self.evidence: dict[str, dict[str, Any]] = {}
        self.phantoms: dict[
            str, tuple[float, float]
        ] = {}  # plate -> (unexplained grams on it, since)
        self.to_finalize: list[SessionState] = []
        self.meetings = HandMeetings(self.layout)
        self.handoffs: list[Meeting] = []  # hand meetings between visits, to be decided
        self.met: deque[Meeting] = deque(maxlen=50)  # ... and decided
        self.takes: deque[Take] = deque(maxlen=500)
        self.now = -np.inf
        self.plates_now = -np.inf
        self._next_exit_check = -np.inf
        self._n_events = 0
        self._n_reviews = 0
        self.header: Header | None = None
        self.clocks = ClockSync(self.cfg.clock_window_s) if self.cfg.clock_sync else None
        self.plate_faults: dict[str, str] = {}  # plate -> fault, from operations' sensor health

    def set_plate_fault(self, plate: str, fault: str | None) -> None:
        """Sensor health found this plate faulty (None: fixed): from now on its
        events go to review rather than being guessed. An input like a record:
        a replay that repeats it at the same point gives the same outputs."""
        faults = self.__dict__.setdefault("plate_faults", {})  # older checkpoints lack it
        if fault is None:
            faults.pop(plate, None)
        else:
            faults[plate] = fault

    def set_review_threshold(self, threshold: float) -> None:
        """The store's review threshold from now on (a ``review_threshold`` record).
        Every receipt issued after this is judged by it, whenever its lines were
        decided: a raise holds back at once what no longer clears the bar, a cut
        lets through what now does. Receipts already issued keep their status (a
        final one may be charged; a review task stays for a human). The threshold
        lives in ``cfg``, so checkpoints carry it."""
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"a review threshold is a probability in (0, 1), got {threshold}")
        self.cfg = self.cfg.model_copy(update={"review_threshold": threshold})

    # -- persistence ---------------------------------------------------------------

    def checkpoint(self) -> bytes:
        return pickle.dumps(self.__dict__, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def restore(cls, blob: bytes) -> Engine:
        eng = cls.__new__(cls)
        eng.__dict__.update(pickle.loads(blob))  # our own checkpoint, never untrusted input
        return eng

    # -- the state machine -----------------------------------------------------------

    def apply(self, rec: AnyRecord) -> list[AnyOutput]:
        out: list[AnyOutput] = []
        if isinstance(rec, Header):
            self.header = rec
            return out
        if isinstance(rec, ReviewThresholdSet):  # a store setting: not a sensor's time either
            self.set_review_threshold(rec.threshold)
            return out
        if rec.kind in STAFF_KINDS:  # staff inputs are for store operations; not a sensor's time
            return out
        if isinstance(rec, PlateBatch):  # the bulk of every log: no corrected copy made
            off = self.clocks.shift(rec) if self.clocks is not None else 0.0
            t = rec.t if off == 0.0 else rec.t + off
            self.now = max(self.now, t)
            self._plates(rec, t)
        else:
            if self.clocks is not None:
                rec = self.clocks.correct(rec)
            self.now = max(self.now, rec.t)
            self._record(rec, out)
        self._group(force=False)
        self._decide(out, force=False)
        self._handed(force=False)
        self._finalize(out, force=False)
        return out

    def _record(self, rec: AnyRecord, out: list[AnyOutput]) -> None:
        """Any record but a plate batch, on the store's clock."""
        if isinstance(rec, TrackFrame):
            self._frame(rec, out)
        elif isinstance(rec, GateEntry):
            sess = self.sessions.on_entry(rec)
            self.carts[sess.id] = Cart(session=sess.id)
            out.append(self._session_out(sess))
        elif isinstance(rec, GatePass):
            for sess in self.sessions.on_pass(rec.device, rec.t, rec.direction, self.tracks.tracks):
                self._closed(sess, out)
        elif isinstance(rec, Ambiguity):
            self.sessions.on_ambiguity(rec, self.tracks.tracks)
        elif isinstance(rec, Recognition):
            self.recognitions.append(rec)
        elif isinstance(rec, RfidRead):
            self.rfid.append(rec)

    def flush(self) -> list[AnyOutput]:
        """End of the log: decide what is pending and issue every receipt."""
        out: list[AnyOutput] = []
        for det in self.detectors.values():
            del det  # changes still moving at the very end are not events
        self._group(force=True)
        self._decide(out, force=True)
        self._handed(force=True)
        for sess in self.sessions.close_all(self.now):
            self._closed(sess, out)
        self._finalize(out, force=True)
        return out

    # -- plates ------------------------------------------------------------------------

    def _plates(self, rec: PlateBatch, t: float) -> None:
        """One controller's batch, whose first sample is at ``t`` on the store's clock."""
        det = self.detectors.get(rec.device)
        if det is None or det.plates != rec.plates:
            det = self.detectors[rec.device] = DeviceDetector(list(rec.plates), self.cfg)
        self.changes.extend(det.feed(t, rec.rate_hz, rec.grams))
        self.plates_now = max(self.plates_now, t + rec.grams.shape[0] / rec.rate_hz)

    def _min_g(self, plates: list[str]) -> float:
        """Grams an event on these plates must move: a share of the lightest product there
        (so a 600 g bottle shelf shaking by 9 g is no take, while a 40 g candy shelf still
        sees a 30 g change); but never more than a share of the store's lightest product,
        which a shopper may set down on any shelf (a 45 g candy bar on the milk)."""
        ws = [
            w
            for pid in plates
            if pid in self.plan.index
            for w in [self.plan.min_weight(pid)]
            if w is not None
        ]
        floor = 3 * self.cfg.event_min_g
        if not ws:
            return floor
        return max(floor, min(self.cfg.event_share * min(ws), self._cap_g))

    def _busy_near(self, c: PlateChange, until: float) -> bool:
        """Is a neighbouring plate still moving, having started before ``until``?"""
        if c.plate not in self.plan.index:
            return False
        for q in self.plan.neighbours(c.plate, reach=1):
            dev = self.layout.plate(q).device
            det = self.detectors.get(dev)
            if det is None or q not in det.plates:
                continue
            since = det.busy_since(det.plates.index(q))
            if since is not None and since <= until:
                return True
        return False

    def _group(self, force: bool) -> None:
        """Cluster waiting changes per shelf; a cluster becomes an event once all of it is settled."""
        if not self.changes:
            return
        gap = self.cfg.group_gap_s

        def ready(c: PlateChange) -> bool:
            return force or (self.plates_now > c.t1 + gap and not self._busy_near(c, c.t1 + gap))

        by_shelf: dict[tuple[str, int], list[PlateChange]] = {}
        for c in self.changes:
            fx, sh, _ = self.plan.index.get(c.plate, (c.plate, 0, 0))
            by_shelf.setdefault((fx, sh), []).append(c)
        keep: list[PlateChange] = []
        for (fx, sh), cs in by_shelf.items():
            groups = (
                cluster(cs, self.plan, gap)
                if all(c.plate in self.plan.index for c in cs)
                else [[c] for c in cs]
            )
            for g in groups:
                if not all(ready(c) for c in g):
                    keep.extend(g)
                    continue
                if abs(sum(c.delta for c in g)) < self._min_g([c.plate for c in g]):
                    continue  # a shake, a press: the shelf came back to where it was
                self._n_events += 1
                ev = PendingEvent(
                    id=f"E{self._n_events:07d}",
                    fixture=fx,
                    shelf=sh,
                    changes=g,
                    t0=min(c.t0 for c in g),
                    t1=max(c.t1 for c in g),
                )
                for c in g:
                    ev.plates[c.plate] = ev.plates.get(c.plate, 0.0) + c.delta
                self.pending.append(ev)
        self.changes = keep

    # -- tracks and sessions -------------------------------------------------------------

    def _frame(self, rec: TrackFrame, out: list[AnyOutput]) -> None:
        for tr in self.tracks.add_frame(rec):
            sess = self.sessions.on_born(tr, self.tracks.tracks)
            if sess is not None:
                self.carts[sess.id] = Cart(session=sess.id)
                out.append(self._session_out(sess))
        live = self.tracks.seen(rec)
        self.sessions.on_frame(rec.t, live, self.tracks.tracks)
        self.handoffs.extend(self.meetings.see(rec.t, live, self.sessions.of_track))
        if rec.t >= self._next_exit_check:
            self._next_exit_check = rec.t + EXIT_CHECK_S
            for sess in self.sessions.check_exits(rec.t, self.tracks.tracks):
                self._closed(sess, out)

    def _closed(self, sess: SessionState, out: list[AnyOutput]) -> None:
        out.append(self._session_out(sess))
        self.to_finalize.append(sess)

    def _session_out(self, s: SessionState) -> Session:
        return Session(
            id=s.id,
            token=s.token,
            credential=s.credential,  # type: ignore[arg-type]
            admits=s.admits,
            tracks=list(s.tracks),
            t_enter=s.t_enter,
            t_exit=s.t_exit,
            staff=s.staff,
            status="closed" if s.closed else "open",
        )

    # -- deciding events --------------------------------------------------------------------

    def _decide(self, out: list[AnyOutput], force: bool) -> None:
        if not self.pending:
            return
        tracker_live = self.tracks.frames > 0 and self.now - self.tracks.latest_t < 5.0
        keep = []
        for ev in self.pending:
            if force:
                ready = True
            elif tracker_live:
                ready = self.tracks.latest_t >= ev.t1 + self.cfg.track_wait_s
            else:
                ready = self.plates_now >= ev.t1 + NO_TRACKER_WAIT_S
            if ready:
                out.extend(self._decide_event(ev))
            else:
                keep.append(ev)
        self.pending = keep

    def _decide_event(self, ev: PendingEvent) -> list[ShelfEvent]:
        plates = sorted(ev.plates, key=lambda p: self.plan.index.get(p, ("", 0, 0))[2])
        take = ev.delta < 0
        grams = abs(ev.delta)
        mass = {p: abs(d) for p, d in ev.plates.items()}
        who = self._who(plates, ev, ev.plates)
        sess_p = self._session_probs(who, (ev.t0 + ev.t1) / 2)
        known_plates = [p for p in plates if p in self.plan.index]
        if take:
            cands = (
                self.plan.candidates(known_plates) if self.cfg.use_layout else set(self.products)
            )
            held = None
        else:
            cands = set().union(*(self.plan.at(p) for p in known_plates)) if known_plates else set()
            held = self._held(sess_p)
            cands |= set(held)
            if not self.cfg.use_layout:
                cands = set(self.products)
            if self._staff_likely(sess_p):
                held = None  # staff put back stock from the stockroom, not from a cart
        recog = self._recognition(who, ev.t0, ev.t1)
        swap = None
        if self.cfg.use_layout and known_plates and not self._staff_likely(sess_p):
            here = cands if take else self.plan.candidates(known_plates)
            swap = (take, here, held if held is not None else self._held(sess_p))
        restock = not take and self._staff_likely(sess_p)
        units = self._held_units(sess_p) if held is not None else None
        hyps = rank(
            grams,
            mass,
            cands,
            self.products,
            self.plan,
            self.cfg,
            recog,
            held,
            swap,
            restock,
            units,
        )
        if any(q < 0 for _, q in hyps[0][0]):
            return self._swap(ev, plates, hyps, who, sess_p)
        hyps = [(h, p) for h, p in hyps if all(q > 0 for _, q in h)]  # the swaps lost
        if take and hyps[0][0][0][0] == UNKNOWN:
            # weight that came onto these plates unexplained (a hand, an arm, a bag)
            # may be what is leaving with the item: try without it
            ghost = self._phantom_on(known_plates, ev.t0)
            if ghost > 0 and abs(grams - ghost) < self._min_g(known_plates):
                # what came on unexplained (a leaning arm) went off again: no product moved
                self._clear_phantom(known_plates)
                return [self._nothing(ev, hyps)]
            if ghost > 0 and grams - ghost > 0:
                retry = rank(
                    grams - ghost, mass, cands, self.products, self.plan, self.cfg, recog, held
                )
                if retry[0][0][0][0] != UNKNOWN:
                    hyps = retry
                    self._clear_phantom(known_plates)
        best_items, _p_best = hyps[0]
        skus = [s for s, _ in best_items if s != UNKNOWN]
        if len(skus) == 1 and best_items[0][1] > 1:
            # several units of one product and several hands in the shelf: one each (which
            # hand lifted which unit does not matter, so no need to tell the lifts apart)
            hands = self._hands_in(self._who(plates, ev, ev.plates, wide=True), (ev.t0 + ev.t1) / 2)
            if len(hands) > 1:
                if best_items[0][1] > len(hands):  # who took the extra units: the lifts may tell
                    parts = self._by_steps(ev, plates, take, hyps)
                    if parts:
                        return parts
                return self._share(ev, plates, take, hyps, hands)
        if skus and sum(q for _, q in best_items) > 1:
            parts = self._by_steps(ev, plates, take, hyps)
            if parts:  # the units left in separate lifts: each lift its own hand
                return parts
        if len(skus) > 1:  # two products at once: each part may have its own taker
            return self._split(ev, hyps, take)
        return [self._commit(ev, plates, take, hyps, who, sess_p)]

    def _staff_likely(self, sess_p: dict[str | None, float]) -> bool:
        staff = sum(
            p
            for sid, p in sess_p.items()
            if sid and sid in self.sessions.by_id and self.sessions.by_id[sid].staff
        )
        return staff > 0.5

    def _phantom_on(self, plates: list[str], t: float) -> float:
        return sum(g for p, (g, t0) in self.phantoms.items() if p in plates and t - t0 < PHANTOM_S)

    def _clear_phantom(self, plates: list[str]) -> None:
        for p in plates:
            self.phantoms.pop(p, None)

    def _hands_in(self, who: dict[str | None, float], t: float) -> list[str]:
        """Tracks of different sessions whose hands were all but certainly in the shelf."""
        total = sum(who.values())
        raw = {k: v / total for k, v in who.items() if k is not None}
        top = max(raw.values(), default=0.0)
        inside = [
            k
            for k, v in sorted(raw.items(), key=lambda kv: (-kv[1], kv[0]))
            if v >= top * self.cfg.inside_score
        ]
        by_session: dict[str, str] = {}
        for k in inside:
            ident = self.sessions.identity_at(k, t)
            sid = max(ident.items(), key=lambda kv: kv[1])[0] if ident else k
            by_session.setdefault(sid, k)
        return list(by_session.values())

    def _share(
        self, ev: PendingEvent, plates: list[str], take: bool, hyps: list[Any], hands: list[str]
    ) -> list[ShelfEvent]:
        """Units of one product taken together by several people: a unit each (the rest to the first)."""
        (sku, q), p_items = hyps[0][0][0], hyps[0][1]
        takers = hands[:q]
        out = []
        for i, tid in enumerate(takers):
            units = 1 + (q - len(takers) if i == 0 else 0)
            part = _part(ev, i + 1, {p: d * units / q for p, d in ev.plates.items()})
            who = {tid: 1.0 - self.cfg.none_score, None: self.cfg.none_score}
            sess_p = self._session_probs(who, (ev.t0 + ev.t1) / 2)
            # two hands in the shelf at once and two units gone: one each; with more units
            # than hands, who took the extra ones is a guess
            share_p = p_items * (0.98 if q == len(takers) else 0.5)
            out.append(
                self._commit(
                    part,
                    plates,
                    take,
                    [(((sku, units),), share_p), *hyps[1:4]],
                    who,
                    sess_p,
                    parent=ev.id,
                )
            )
        return out

    def _by_steps(
        self, ev: PendingEvent, plates: list[str], take: bool, hyps: list[Any]
    ) -> list[ShelfEvent] | None:
        """Split an event of several units into its lifts: lifts on different plates
        by each plate's own net change, else at the jumps of the summed weight curve
        (lifts from one plate)."""
        known = [p for p in plates if p in self.plan.index]
        if len(known) != len(plates):
            return None
        # a way to share the units out over the lifts must be nearly as likely as the
        # event as a whole (a unit straddling two plates makes their nets no multiple
        # of it); else the next way of finding lifts, else the event stays whole
        floor = SPLIT_MIN_SHARE * hyps[0][1]
        steps = plate_steps(ev.changes, take)
        joint = self._split_hypotheses(steps, hyps, take, ev) if steps else []
        if not joint or joint[0][2] < floor:
            steps = self._curve_steps(ev, plates, take, hyps[0][0])
            joint = self._split_hypotheses(steps, hyps, take, ev) if steps else []
        if not joint or joint[0][2] < floor:
            return None
        best_parts, worst_z, _ = joint[0]
        p_split = 0.995 if worst_z < 2.0 else 0.95
        out = []
        for k, (st, _units) in enumerate(zip(steps, best_parts, strict=True)):
            sign = -1.0 if take else 1.0
            part_plates = {p: g for p, g in st.plates.items() if g * sign > 3.0} or dict(ev.plates)
            part = _part(ev, k + 1, part_plates, at=st.t)
            names = sorted(part_plates, key=lambda p: self.plan.index[p][2])
            who = self._who(names, part, part_plates, around=STEP_HAND_S)
            sess_p = self._session_probs(who, st.t)
            # this lift's own odds: the joint explanations that agree on its units
            marginal: dict[tuple[tuple[str, int], ...], float] = {}
            for parts, _, pj in joint:
                key = tuple(sorted(parts[k].items()))
                marginal[key] = marginal.get(key, 0.0) + pj
            ranked = sorted(marginal.items(), key=lambda kv: (-kv[1], kv[0]))
            sub = [(u, pj * p_split) for u, pj in ranked[:4]]
            out.append(self._commit(part, names, take, sub, who, sess_p, parent=ev.id))
        return out

    def _curve_steps(
        self, ev: PendingEvent, plates: list[str], take: bool, items: Any
    ) -> list[Step]:
        """The jumps of the event's summed weight, from one controller's raw samples."""
        devs = {self.layout.plate(p).device for p in plates}
        if len(devs) != 1:
            return []
        det = self.detectors.get(devs.pop())
        if det is None or not all(p in det.plates for p in plates):
            return []
        ts, xs = det.samples(ev.t0 - 0.5, ev.t1 + 0.3)
        if len(ts) == 0:
            return []
        cols = [det.plates.index(p) for p in plates]
        lightest = min(self.products[s].weight_g for s, _ in items)
        return [
            s for s in find_steps(ts, xs[:, cols], plates, 0.4 * lightest) if (s.grams < 0) == take
        ]

    def _split_hypotheses(
        self, steps: list[Any], hyps: list[Any], take: bool, ev: PendingEvent
    ) -> list[tuple[list[dict[str, int]], float, float]]:
        """Whole-event explanations with units of two or more, each divided between the
        lifts as its weights fit best, rescored with where each lift happened (two
        look-alike products on neighbouring lanes: each lift's lane tells which went).
        Returns (units per lift, worst z, probability), best first; the probabilities
        carry the whole event's own doubt (mass left on explanations that do not split)."""
        sign = -1.0 if take else 1.0
        masses = [{p: abs(g) for p, g in st.plates.items() if g * sign > 3.0} for st in steps]
        scored = []
        covered = 0.0  # the whole event's odds of splitting at all
        for items, p_h in hyps[:4]:
            if p_h < 1e-4 or any(s == UNKNOWN for s, _ in items) or sum(q for _, q in items) < 2:
                continue
            fits = fit_units(steps, list(items), self.products, ev.delta)
            if not fits:
                continue
            covered += p_h
            for parts, worst, cost in fits:  # each way round, equally likely before the lanes
                lp = math.log(p_h / len(fits)) - 0.5 * cost
                if self.cfg.use_layout:
                    lp += sum(
                        place_loglik(m, sorted(u), self.plan)
                        for m, u in zip(masses, parts, strict=True)
                        if m
                    )
                scored.append((parts, worst, lp))
        if not scored:
            return []
        top = max(x[2] for x in scored)
        w = [math.exp(x[2] - top) for x in scored]
        out = [
            (parts, worst, covered * wi / sum(w))
            for (parts, worst, _), wi in zip(scored, w, strict=True)
        ]
        return sorted(out, key=lambda x: (-x[2], x[1]))

    def _swap(
        self,
        ev: PendingEvent,
        plates: list[str],
        hyps: list[Any],
        who: dict[str | None, float],
        sess_p: dict[str | None, float],
    ) -> list[ShelfEvent]:
        """A unit taken and a held one set down in one event: a take and a put, each
        with the swap's odds, by the same hand (the weight cannot tell two people apart
        here, and one reaching in with a thing and out with another is the pattern)."""
        items, p_swap = hyps[0]
        (x, _), (b, _) = sorted(items, key=lambda it: -it[1])
        wx, wb = self.products[x].weight_g, self.products[b].weight_g
        net = abs(ev.delta) or 1.0
        alts = [(h, p) for h, p in hyps[1:4] if all(q > 0 for _, q in h)]
        out = []
        for k, (sku, grams, take) in enumerate(((x, -wx, True), (b, wb, False)), start=1):
            part = _part(ev, k, {p: grams * abs(d) / net for p, d in ev.plates.items()})
            sub = [(((sku, 1),), p_swap), *alts]
            out.append(self._commit(part, plates, take, sub, who, sess_p, parent=ev.id))
        return out

    def _split(self, ev: PendingEvent, hyps: list[Any], take: bool) -> list[ShelfEvent]:
        items, p_items = hyps[0]
        out = []
        for sku, q in items:
            where = self.plan.where(sku)
            part_plates = [p for p in ev.plates if p in where] or list(ev.plates)
            # when its own plates moved fastest is when this product was lifted: the
            # other product's hand may still be in the shelf, or already gone
            lifts = [
                (abs(c.delta), c.ts)
                for c in ev.changes
                if c.plate in part_plates and c.ts is not None and (c.delta < 0) == take
            ]
            at = sum(w * t for w, t in lifts) / sum(w for w, _ in lifts) if lifts else None
            part = _part(ev, len(out) + 1, {p: ev.plates[p] for p in part_plates}, at=at)
            if at is not None and len(part_plates) < len(ev.plates):
                who = self._who(part_plates, part, part.plates, around=STEP_HAND_S)
            else:
                who = self._who(part_plates, ev, part.plates)
            sess_p = self._session_probs(who, part.t_step)
            sub_hyps = [(((sku, q),), p_items)] + [(h, p) for h, p in hyps[1:4]]
            out.append(self._commit(part, part_plates, take, sub_hyps, who, sess_p, parent=ev.id))
        return out

    def _who(
        self,
        plates: list[str],
        ev: PendingEvent,
        mass: dict[str, float] | None = None,
        wide: bool = False,
        around: float | None = None,
    ) -> dict[str | None, float]:
        """Whose hand was where the weight moved, when it moved fastest (the lift or
        the set-down); ``wide`` looks over the whole change instead, for second hands;
        ``around`` looks only this close to the moment (a jump split off an event:
        the other hands in the shelf lift before or after it)."""
        known = [p for p in plates if p in self.plan.index]
        if not known or self.tracks.frames == 0:
            return {None: 1.0}
        reg = region(self.layout, known, None if wide else mass)
        cfg = self.cfg
        if wide:
            return track_probabilities(
                closest_approach(reg, self.tracks, ev.t0 - cfg.hand_before_s, ev.t1), cfg
            )
        if around is not None:
            there = presence(
                reg, self.tracks, ev.t_step - around, ev.t_step + around, cfg.hand_sd_m
            )
            if any(v > NOBODY_SCORE for v in there.values()):
                return score_probabilities(there, cfg)
            approach = {}
        else:
            approach = closest_approach(
                reg, self.tracks, ev.t_step - cfg.hand_before_s, ev.t_step + cfg.hand_after_s
            )
        if not any(d < 3 * cfg.hand_sd_m for d, _ in approach.values()):
            # nobody there then: look over the whole change
            approach = closest_approach(reg, self.tracks, ev.t0 - cfg.hand_before_s, ev.t1)
        if mass and not any(d < 3 * cfg.hand_sd_m for d, _ in approach.values()):
            return self._off_lane(known, ev)
        return track_probabilities(approach, cfg)

    def _off_lane(self, plates: list[str], ev: PendingEvent) -> dict[str | None, float]:
        """No hand in the unit's lane: hands at the plates, outside the lane, as weaker
        evidence. A shopper lifting four units from two plates with two hands may show
        the tracker one of them, not at the weight's centre between the plates;
        "nobody we track" then charged nobody and left their receipt short. The hand must be
        at the plates (within twice the usual spread) and counts a tenth as much."""
        cfg = self.cfg
        reg = region(self.layout, plates, None)
        approach = closest_approach(reg, self.tracks, ev.t0 - cfg.hand_before_s, ev.t1)
        return track_probabilities(approach, cfg, 2 * cfg.hand_sd_m, OFF_LANE_WEIGHT)

    def _taking_hand(self, plates: list[str], ev: PendingEvent, track: str) -> str | None:
        """The hand of ``track`` that was in the shelf when the weight moved."""
        known = [p for p in plates if p in self.plan.index]
        if not known:
            return None
        reg = region(self.layout, known, ev.plates)
        return nearest_hand(
            reg, self.tracks, track, ev.t_step - STEP_HAND_S, ev.t_step + STEP_HAND_S
        )

    def _session_probs(self, who: dict[str | None, float], t: float) -> dict[str | None, float]:
        out: dict[str | None, float] = {}
        for tid, p in who.items():
            if tid is None:
                out[None] = out.get(None, 0.0) + p
                continue
            ident = self.sessions.identity_at(tid, t)
            if not ident:
                out[None] = out.get(None, 0.0) + p
                continue
            for sid, q in ident.items():
                out[sid] = out.get(sid, 0.0) + p * q
        return out

    def _held_units(
        self, sess_p: dict[str | None, float]
    ) -> dict[str, list[tuple[float, frozenset[str]]]]:
        """The units the likely putters hold, as their plates weighed them when taken."""
        out: dict[str, list[tuple[float, frozenset[str]]]] = {}
        for sid, p in sorted(sess_p.items(), key=lambda kv: kv[0] or ""):
            cart = self.carts.get(sid) if sid is not None and p >= 0.2 else None
            for sku, units in (cart.__dict__.get("units", {}) if cart else {}).items():
                out.setdefault(sku, []).extend(units)
        return out

    def _held(self, sess_p: dict[str | None, float]) -> dict[str, float]:
        held: dict[str, float] = {}
        for sid, p in sess_p.items():
            if sid is None or sid not in self.carts:
                continue
            for sku in self.carts[sid].held():
                held[sku] = max(held.get(sku, 0.0), p)
        return held

    def _recognition(
        self, who: dict[str | None, float], t0: float, t1: float
    ) -> dict[str, float] | None:
        if not self.cfg.use_recognition or not self.recognitions:
            return None
        tracks = {t for t, p in who.items() if t is not None and p > 0.2}
        scores: dict[str, float] = {}
        for r in self.recognitions:
            if t0 - 1.0 <= r.t <= t1 + 2.5 and (r.track in tracks or not tracks):
                for sku, s in r.top:
                    scores[sku] = max(scores.get(sku, 0.0), s)
        return scores or None

    def _commit(
        self,
        ev: PendingEvent,
        plates: list[str],
        take: bool,
        hyps: list[Any],
        who: dict[str | None, float],
        sess_p: dict[str | None, float],
        parent: str | None = None,
    ) -> ShelfEvent:
        cfg = self.cfg
        best_items, p_items = hyps[0]
        unknown = best_items[0][0] == UNKNOWN
        ranked_sessions = sorted(sess_p.items(), key=lambda kv: (-kv[1], kv[0] or ""))
        sid, p_sess = ranked_sessions[0] if ranked_sessions else (None, 1.0)
        sess = self.sessions.by_id.get(sid) if sid else None
        staff = bool(sess and sess.staff)
        p = p_items * p_sess
        # an unexplained put (a hand resting, an arm, a bag) bills nobody: remember it as
        # weight that may leave again; an unexplained take needs a human
        if unknown and not take:
            for pid in plates:
                g0, _ = self.phantoms.get(pid, (0.0, 0.0))
                self.phantoms[pid] = (g0 + abs(ev.plates.get(pid, 0.0)), ev.t0)
        # doubts that hold whatever the threshold; the line's p meets the threshold in
        # force when its receipt is issued (Cart.lines), so a later change applies to it
        flagged = (
            (unknown and take)
            or (sid is None and not unknown)
            or any(q in self.__dict__.get("plate_faults", ()) for q in plates)
        ) and not staff
        review = flagged or (p < cfg.review_threshold and not staff)
        if unknown and take and review:
            # whoever may have taken it leaves with something nobody can name: each of
            # their receipts waits for a human (several hands in one merged event)
            for other, q_other in ranked_sessions:
                if other is not None and other in self.carts and (other == sid or q_other >= 0.02):
                    self.carts[other].unexplained.append(ev.id)
        if not unknown and not staff and sid is not None:
            cart = self.carts.setdefault(sid, Cart(session=sid))
            for sku, q in best_items:
                cart.items.append(
                    Contribution(event=ev.id, sku=sku, qty=q if take else -q, p=p, review=flagged)
                )
            if len(best_items) == 1 and best_items[0][1] <= UNIT_MEMORY_MAX:
                # the units as their plates weighed them: a put-back is likeliest one of them
                sku, q = best_items[0]
                if take:
                    for _ in range(q):
                        cart.took_unit(sku, abs(ev.delta) / q, frozenset(ev.plates))
                else:
                    for _ in range(q):
                        cart.put_unit(sku, abs(ev.delta) / q)
            for other, q_other in ranked_sessions[1:]:
                if other is not None and q_other >= 0.005 and other in self.carts:
                    for sku, q in best_items:
                        self.carts[other].doubts.append(
                            Doubt(event=ev.id, sku=sku, qty=q, p_here=q_other)
                        )
        if take and not unknown and not staff and sid is not None and who:
            top = max(who.items(), key=lambda kv: (kv[1], kv[0] or ""))[0]
            if top is not None:
                t_at = ev.at if ev.at is not None else ev.t1
                hand = self._taking_hand(plates, ev, top)
                self.takes.append(Take(t_at, top, sid, ev.id, tuple(best_items), p, hand))
        if not unknown:
            for sku, q in best_items:
                (self.plan.took if take else self.plan.put)(sku, q, plates)
        if review:
            self.evidence[ev.id] = self._evidence(ev, plates, hyps, who)
        det_attr = []
        for tid, pt in sorted(who.items(), key=lambda kv: (-kv[1], kv[0] or ""))[:4]:
            ident = self.sessions.identity_at(tid, ev.t0) if tid else {}
            top_s = max(ident.items(), key=lambda kv: kv[1])[0] if ident else None
            det_attr.append(Attribution(session=top_s, track=tid, p=round(pt, 6)))
        return self._event_out(
            ev, "take" if take else "put", hyps, det_attr, sid, p, review, staff, parent
        )

    def _nothing(self, ev: PendingEvent, hyps: list[Any]) -> ShelfEvent:
        """A change that moved no product, still reported (every shelf event is)."""
        return self._event_out(ev, "none", hyps, [], None, 1.0, False, False, None)

    def _event_out(
        self,
        ev: PendingEvent,
        op: str,
        hyps: list[Any],
        attribution: list[Attribution],
        sid: str | None,
        p: float,
        review: bool,
        staff: bool,
        parent: str | None,
    ) -> ShelfEvent:
        return ShelfEvent(
            id=ev.id,
            t_start=ev.t0,
            t_end=ev.t1,
            fixture=ev.fixture,
            shelf=ev.shelf,
            plates={k: round(v, 2) for k, v in ev.plates.items()},
            delta_g=round(sum(ev.plates.values()), 2),
            op=op,  # type: ignore[arg-type]
            hypotheses=[Hypothesis(items=list(items), p=round(ph, 6)) for items, ph in hyps[:5]],
            attribution=attribution,
            session=sid,
            p=round(p, 6),
            review=review,
            staff=staff,
            t_decided=self.now,
            parent=parent,
        )

    def _evidence(
        self, ev: PendingEvent, plates: list[str], hyps: list[Any], who: dict[str | None, float]
    ) -> dict[str, Any]:
        """What a reviewer needs: the weight traces, the hands nearby, the ranked guesses."""
        traces: dict[str, list[list[float]]] = {}
        for pid in plates:
            if pid not in self.plan.index:
                continue
            det = self.detectors.get(self.layout.plate(pid).device)
            if det is None or pid not in det.plates:
                continue
            ts, xs = det.samples(ev.t0 - 2.0, ev.t1 + 2.0)
            j = det.plates.index(pid)
            traces[pid] = [
                [round(float(t), 3), round(float(x), 1)]
                for t, x in zip(ts[::4], xs[::4, j], strict=True)
            ]
        hands: dict[str, list[list[float]]] = {}
        for tid in [t for t in who if t is not None][:4]:
            tr = self.tracks.tracks.get(tid)
            if tr is None:
                continue
            ts, js = tr.window(ev.t0 - 1.5, ev.t1 + 1.0)
            hands[tid] = [
                [round(float(t), 3), *np.round(np.nanmean(j[HANDS[:2]], axis=0), 3).tolist()]
                for t, j in zip(ts, js, strict=True)
                if not np.isnan(j[HANDS[:2]]).all()
            ]
        return {
            "plates": traces,
            "hands": hands,
            "hypotheses": [{"items": list(items), "p": round(p, 4)} for items, p in hyps[:5]],
            "who": {str(k): round(v, 4) for k, v in who.items()},
        }

    # -- receipts --------------------------------------------------------------------------

    def _finalize(self, out: list[AnyOutput], force: bool) -> None:
        if not self.to_finalize:
            return
        keep = []
        for sess in self.to_finalize:
            t_exit = sess.t_exit if sess.t_exit is not None else self.now
            due = self.now >= t_exit + self._exit_wait()
            undecided = due and (
                self._undecided(sess, t_exit)
                or (self.now < t_exit + LEFT_BEHIND_WAIT_S and self._left_behind(sess))
            )
            if force or (due and not undecided):
                out.extend(self._receipt(sess, t_exit))
            else:
                keep.append(sess)
        self.to_finalize = keep

    def _undecided(self, sess: SessionState, t_exit: float) -> bool:
        """Is anything that could still change this receipt undecided: a weight change
        (moving or settled), an event or a hand meeting that began before the exit, that
        a hand of one of this visit's tracks (or of a track that may be this visit's)
        came near? Other shoppers' takes elsewhere in the store do not hold it up."""
        mine = self.sessions.tracks_maybe_of(sess.id)
        if any(m.t0 < t_exit and ({m.a, m.b} & mine) for m in self.handoffs):
            return True
        for ev in self.pending:
            if ev.t0 < t_exit and self._reached(mine, list(ev.plates), ev.t0, ev.t1):
                return True
        if any(c.t0 < t_exit and self._reached(mine, [c.plate], c.t0, c.t1) for c in self.changes):
            return True
        for det in self.detectors.values():  # plates still moving
            if not det.active.any():
                continue
            for j in np.nonzero(det.active & (det.t0 < t_exit))[0]:
                plate = det.plates[j]
                if det.holding(j, self._min_g([plate])):
                    continue  # shaken, but its level has stayed where it was: nothing left it
                if self._reached(mine, [plate], float(det.t0[j]), self.now):
                    return True
        return False

    def _reached(self, tracks: set[str], plates: list[str], t0: float, t1: float) -> bool:
        """Did a hand of one of these tracks come within reach of these plates then?"""
        fronts = [self.layout.plate(p).front[:2] for p in plates if p in self.plan.index]
        if not fronts:
            return bool(tracks)  # plates we cannot place: assume it could be anyone's
        pts = np.array(fronts)
        for tid in tracks:
            tr = self.tracks.tracks.get(tid)
            if tr is None:
                continue
            _, js = tr.window(t0 - REACH_BEFORE_S, t1 + 0.5)
            if not len(js):
                continue
            xy = js[:, [*HANDS, NECK], :2].reshape(-1, 2)
            xy = xy[~np.isnan(xy[:, 0])]
            if (
                len(xy)
                and float(np.min(np.linalg.norm(xy[:, None, :] - pts[None, :, :], axis=2)))
                < REACH_M
            ):
                return True
        return False

    def _exit_wait(self) -> float:
        return self.cfg.finalize_after_s if self.cfg.use_rfid and self.store.rfid_readers else 0.0

    def _receipt(self, sess: SessionState, t_exit: float) -> list[AnyOutput]:
        out: list[AnyOutput] = []
        if sess.staff:
            self._forget(sess)
            return out
        cart = self.carts.get(sess.id, Cart(session=sess.id))
        lines, review_events = cart.lines(self.products, self.cfg.review_threshold)
        reasons = []
        if review_events:
            reasons.append("doubtful lines")
        rfid_doubt = self._rfid_check(sess, t_exit, {ln.sku: ln.qty for ln in lines})
        if rfid_doubt:
            reasons.append(rfid_doubt)
        if self._left_behind(sess):
            reasons.append("a track still in the store may be this visit's")
        status = "review" if reasons else "final"
        out.append(
            Receipt(
                session=sess.id,
                token=sess.token,
                tracks=list(sess.tracks),
                t_exit=t_exit,
                t_final=self.now if status == "final" else None,
                status=status,  # type: ignore[arg-type]
                lines=lines,
                total=sum(ln.qty * ln.unit_price for ln in lines),
                currency=self.store.currency,
            )
        )
        if status == "review":
            self._n_reviews += 1
            out.append(
                ReviewTask(
                    id=f"R{self._n_reviews:06d}",
                    session=sess.id,
                    t=self.now,
                    reason="; ".join(reasons),
                    events=review_events,
                    evidence={e: self.evidence.get(e, {}) for e in review_events},
                )
            )
        self._forget(sess)
        return out

    def _left_behind(self, sess: SessionState) -> bool:
        """Is a track still in the store (or lost in it) possibly this visit's person?

        After two tracks met and their identities mixed, the one that went out
        closes its session, but the person may be the other one, still shopping:
        their later takes could belong on this receipt, which no longer exists to
        hold the doubt (Cart.doubts). The receipt waits a few seconds for that track
        to go out too (two who crossed, leaving one after the other), then for a
        human."""
        doubt = 1.0 - self.cfg.review_threshold
        for tid in [*self.sessions.active, *self.sessions.lost]:
            if tid not in sess.tracks and (
                self.sessions.identity_at(tid, self.now).get(sess.id, 0.0) > doubt
            ):
                return True
        return False

    def _rfid_check(self, sess: SessionState, t_exit: float, lines: dict[str, int]) -> str | None:
        """Tags read at the exit this session used, against its tagged lines."""
        if not self.cfg.use_rfid or not self.store.rfid_readers:
            return None
        tags: dict[str, set[str]] = {}  # GTIN -> serials: a reader reports a tag every round
        for r in self.rfid:
            if t_exit - 2.0 <= r.t <= t_exit + self.cfg.finalize_after_s + 0.5:
                for tag in r.tags:
                    try:
                        g, serial = gtin_from_sgtin(tag.epc)
                    except ValueError:
                        continue
                    tags.setdefault(g, set()).add(serial)
        read = {g: len(serials) for g, serials in tags.items()}
        if not read:
            return None
        by_gtin = {p.gtin.zfill(14): s for s, p in self.products.items() if p.gtin and p.rfid}
        for g, n in read.items():
            sku = by_gtin.get(g)
            if sku is not None and lines.get(sku, 0) < n:
                # careful: another session leaving at the same moment may carry it
                others = [
                    s
                    for s in self.sessions.by_id.values()
                    if s is not sess and s.t_exit and abs(s.t_exit - t_exit) < 3.0
                ]
                if not others:
                    return f"RFID read {sku} at the exit, not on the receipt"
        return None

    def _handed(self, force: bool) -> None:
        """Items passed from one visit's hand to another's: the receiver pays. When both
        held a fresh take, a human decides which went over."""
        if not self.handoffs:  # the usual record: nothing to look at
            return
        keep = []
        for m in self.handoffs:
            waiting = any(ev.t0 < m.t1 for ev in self.pending) or any(
                c.t0 < m.t1 for c in self.changes
            )
            if not force and (self.now < m.t1 + WAIT_S or waiting):
                keep.append(m)
                continue
            self.met.append(m)
            take, doubt = giver_take(m, list(self.takes))
            if take is None:
                continue
            # three hands at once (one person between two): who passed what to whom is a guess
            doubt = doubt or any(
                o is not m and {o.a, o.b} & {m.a, m.b} and o.t0 <= m.t1 + 0.5 and m.t0 <= o.t1 + 0.5
                for o in [*self.handoffs, *self.met]
            )
            receiver = m.b if take.track == m.a else m.a
            to = self.sessions.of_track.get(receiver)
            if to is None or to == take.session or to not in self.carts:
                continue
            self.takes.remove(take)
            giver = self.carts.get(take.session)
            if giver is not None:  # no longer the giver's, unless the meeting was no handoff
                giver.items = [c for c in giver.items if c.event != take.event]
            for sku, q in take.items:
                if giver is not None:
                    giver.items.append(
                        Contribution(event=take.event, sku=sku, qty=0, p=P_HANDED, review=doubt)
                    )
                self.carts[to].items.append(
                    Contribution(
                        event=take.event, sku=sku, qty=q, p=take.p * P_HANDED, review=doubt
                    )
                )
        self.handoffs = keep

    def _forget(self, sess: SessionState) -> None:
        cart = self.carts.pop(sess.id, None)
        if cart:
            others = {c.event for k in self.carts.values() for c in [*k.items, *k.doubts]} | {
                e for k in self.carts.values() for e in k.unexplained
            }
            for e in {c.event for c in [*cart.items, *cart.doubts]} | set(cart.unexplained):
                if e not in others:  # another receipt may still need it
                    self.evidence.pop(e, None)
        for tid in sess.tracks:
            self.tracks.forget(tid)
        self.sessions.forget(sess)


def _part(
    ev: PendingEvent, k: int, plates: dict[str, float], at: float | None = None
) -> PendingEvent:
    """The k-th share of an event split between people or weight steps."""
    return PendingEvent(
        id=f"{ev.id}.{k}",
        fixture=ev.fixture,
        shelf=ev.shelf,
        changes=ev.changes,
        t0=ev.t0,
        t1=ev.t1,
        plates=plates,
        at=at,
    )
