"""The simulated world in time order: units leave and land on shelves, change
hands and walk out; gates, RFID readers and recognisers report it; the truth
is written as each fact becomes final.

Plans say what people intend; the world decides, in time order, which units
that moves (so two takes from one facing never get the same unit), and keeps
every person's pockets.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from walkout.domain.layout import Layout
from walkout.domain.rfid import sgtin_urn
from walkout.eventlog.records import (
    Credential,
    GateEntry,
    GatePass,
    Recognition,
    RfidRead,
    RfidTag,
    construct,
)
from walkout.eventlog.truth import (
    ReceiptLine,
    TruthAction,
    TruthHandoff,
    TruthLean,
    TruthPerson,
    TruthReceipt,
    TruthSession,
)
from walkout.twin.plan import Handoff, Lean, PersonPlan, SessionPlan, ShelfAction
from walkout.twin.scenario import Scenario
from walkout.twin.sensors.clocks import Clock, ClockFactory, latency
from walkout.twin.sensors.tracker import TrackerModel
from walkout.twin.stock import Shelves, Unit

CROWD_M = (
    1.2  # another person this close to the plate front could reach it too: "within arm's reach"
)


class World:
    def __init__(
        self,
        layout: Layout,
        shelves: Shelves,
        tracker: TrackerModel,
        scenario: Scenario,
        rng: np.random.Generator,
        clocks: ClockFactory,
        emit_truth: Callable[[Any], None],
    ):
        self.layout = layout
        self.store = layout.store
        self.shelves = shelves
        self.tracker = tracker
        self.sc = scenario
        self.rng = rng
        self.clockf = clocks
        self.epoch = clocks.epoch
        self.emit_truth = emit_truth
        self.people: list[PersonPlan] = []
        self.sessions: dict[str, SessionPlan] = {}
        self._heap: list[tuple[float, int, str, Any]] = []
        self._n = itertools.count()
        self.active: list[ShelfAction] = []
        self.leans: list[Lean] = []
        self.records: list[Any] = []
        self._recognition: list[tuple[float, ShelfAction]] = []
        self._clocks: dict[str, Clock] = {}
        self._cams = [(c.id, c.position()) for c in self.store.cameras]
        self.stats: Counter[str] = Counter()

    def clock(self, device: str) -> Clock:
        c = self._clocks.get(device)
        if c is None:
            c = self._clocks[device] = self.clockf.clock()
        return c

    def _push(self, t: float, kind: str, obj: Any) -> None:
        heapq.heappush(self._heap, (t, next(self._n), kind, obj))

    # -- sessions arrive -------------------------------------------------------------

    def add_session(self, sess: SessionPlan) -> None:
        self.sessions[sess.id] = sess
        for a in sess.actions:
            self._push(a.t_touch, "action", a)
        for h in sess.handoffs:
            self._push(h.t, "handoff", h)
        for ln in sess.leans:
            self.leans.append(ln)
            self.emit_truth(
                TruthLean(
                    t_start=self.epoch + ln.t_start,
                    t_end=self.epoch + ln.t_end,
                    person=ln.person.id,
                    plates={k: round(v, 2) for k, v in ln.plates.items()},
                )
            )
        first = sess.people[0]
        if sess.credential is not None and sess.token is not None:
            self._report(
                GateEntry,
                first.entry_gate,
                max(sess.t_arrive, first.t_in - 0.3),
                credential=Credential(kind=sess.credential, token=sess.token),
                admits=len(sess.people),
            )
        for p in sess.people:
            self.people.append(p)
            self._push(p.t_out, "exit", p)
            self._gate_pass(p.entry_gate, p.t_in, "in")
        self.stats["sessions"] += 1
        self.stats["people"] += len(sess.people)

    def _rx(self, t: float) -> float:
        return self.epoch + t + float(latency(self.rng, self.sc.clocks))

    def _gate_pass(self, gate: str, t: float, direction: str) -> None:
        self._report(GatePass, gate, t, direction=direction)

    def _report(
        self, cls: type, device: str, t: float, rx_delay: float = 0.0, **fields: Any
    ) -> Any:
        """A record from ``device`` about run time ``t``, stamped by its own clock."""
        kind = cls.model_fields["kind"].default
        rec = construct(
            cls,
            kind=kind,
            device=device,
            t=float(self.clock(device).device_time(t)),
            rx=self._rx(t + rx_delay),
            seq=None,
            **fields,
        )
        self.records.append(rec)
        return rec

    # -- time passes ---------------------------------------------------------------------

    def resolve_until(self, t: float) -> None:
        while self._heap and self._heap[0][0] < t:
            _, _, kind, obj = heapq.heappop(self._heap)
            if kind == "action":
                self._act(obj)
            elif kind == "handoff":
                self._handoff(obj)
            elif kind == "exit":
                self._exit(obj)

    def _act(self, a: ShelfAction) -> None:
        p = a.person
        if a.op == "take":
            if a.facing is not None:
                units, grams = self.shelves.take(a.facing, a.qty, a.reach)
            else:
                got = self.shelves.take_foreign(a.plate or "")
                units, grams = ([got[0]], got[1]) if got else ([], {})
            p.carrying.extend(units)
        else:
            units = self._from_pockets(p, a.sku, a.qty)
            if not units and a.tags and "restock" in a.tags:
                units = [self.shelves.new_unit(a.sku) for _ in range(a.qty)]
            if not units:
                self.stats["skipped_puts"] += 1
                return
            if a.facing is not None:
                grams = self.shelves.put_home(a.facing, units, a.reach)
            else:
                grams = {}
                for u in units:
                    for k, v in self.shelves.put_foreign(a.plate or "", u, a.offset).items():
                        grams[k] = grams.get(k, 0.0) + v
        if not units:
            self.stats["empty_takes"] += 1
            return
        a.units, a.grams, a.done = units, grams, True
        a.qty = len(units)
        self.active.append(a)
        tags = list(dict.fromkeys(a.tags))
        if self._crowded(a):
            tags.append("crowded")
        home = a.facing is not None
        self.emit_truth(
            TruthAction(
                id=a.id,
                op=a.op,
                t_start=self.epoch + a.t_touch,
                t_end=self.epoch + a.t_release,
                t_change=self.epoch + a.t_mid,
                person=p.id,
                session=p.session.id,
                product=a.sku,
                qty=a.qty,
                plates={k: round(v, 2) for k, v in grams.items()},
                hand=a.hand,
                behaviours=tags,
                home=home,
                charged=a.charged,
            )
        )
        self.stats[f"{a.op}s"] += 1
        for tag in tags:
            self.stats[f"{a.op}:{tag}"] += 1
        if (
            self.sc.recognition.enabled
            and p.role != "staff"
            and self.rng.random() < self.sc.recognition.visible_rate
        ):
            self._recognition.append((a.t_release + float(self.rng.uniform(0.2, 0.6)), a))

    def _from_pockets(self, p: PersonPlan, sku: str, qty: int) -> list[Unit]:
        out = []
        for u in list(reversed(p.carrying)):
            if u.sku == sku and len(out) < qty:
                out.append(u)
                p.carrying.remove(u)
        return out

    def _crowded(self, a: ShelfAction) -> bool:
        pid = a.plate or (
            self.shelves.facings[a.facing].plates[0] if a.facing is not None else None
        )
        if pid is None:
            return False
        front = self.layout.plate(pid).front[:2]
        t = np.array([a.t_mid])
        for q in self.people:
            if q.session is a.person.session or q.exited or not (q.t_in <= a.t_mid <= q.t_out):
                continue
            xy, _ = q.kf.at(t)
            if float(np.linalg.norm(xy[0] - front)) < CROWD_M:
                return True
        return False

    def _handoff(self, h: Handoff) -> None:
        units = self._from_pockets(h.giver, h.sku, h.qty)
        if not units:
            self.stats["empty_handoffs"] += 1
            return
        h.receiver.carrying.extend(units)
        same = (
            h.giver.session.account is not None
            and h.giver.session.account == h.receiver.session.account
        )
        same = same or h.giver.session is h.receiver.session
        self.emit_truth(
            TruthHandoff(
                t=self.epoch + h.t,
                giver=h.giver.id,
                receiver=h.receiver.id,
                giver_session=h.giver.session.id,
                receiver_session=h.receiver.session.id,
                product=h.sku,
                qty=len(units),
                same_account=same,
            )
        )
        self.stats["handoffs_same" if same else "handoffs_other"] += 1

    def _exit(self, p: PersonPlan) -> None:
        p.exited = True
        self._gate_pass(p.exit_gate, p.t_out, "out")
        readers = [r for r in self.store.rfid_readers if r.gate == p.exit_gate]
        tagged = [u for u in p.carrying if self.store.products[u.sku].rfid]
        if readers and tagged:
            seen = [u for u in tagged if self.rng.random() >= self.sc.rfid.miss_rate]
            if seen:
                r = readers[int(self.rng.integers(len(readers)))]
                t = p.t_out + float(self.rng.uniform(0.1, 0.5))
                tags = [
                    RfidTag(
                        epc=_epc(self.store.products[u.sku].gtin, u),
                        rssi=round(float(self.rng.uniform(-70, -40)), 2),
                    )
                    for u in seen
                ]
                self._report(RfidRead, r.id, t, tags=tags)
        sess = p.session
        if all(q.exited for q in sess.people):
            self._close(sess)

    def _close(self, sess: SessionPlan) -> None:
        people = [TruthPerson(id=q.id, track=q.track, role=q.role) for q in sess.people]
        self.emit_truth(
            TruthSession(
                id=sess.id,
                account=sess.account,
                token=sess.token,
                people=people,
                enter=self.epoch + min(q.t_in for q in sess.people),
                exit=self.epoch + max(q.t_out for q in sess.people),
                staff=sess.staff,
                behaviours=sorted(sess.behaviours),
            )
        )
        if not sess.staff:
            counts: Counter[str] = Counter(u.sku for q in sess.people for u in q.carrying)
            lines = [
                ReceiptLine(sku=s, qty=n, unit_price=self.store.products[s].price)
                for s, n in sorted(counts.items())
            ]
            self.emit_truth(
                TruthReceipt(
                    session=sess.id,
                    account=sess.account,
                    lines=lines,
                    total=sum(ln.qty * ln.unit_price for ln in lines),
                )
            )
        del self.sessions[sess.id]

    # -- after each window ---------------------------------------------------------------

    def recognitions_until(self, t: float) -> None:
        keep = []
        for tr, a in self._recognition:
            if tr >= t:
                keep.append((tr, a))
                continue
            self._recognise(tr, a)
        self._recognition = keep

    def _recognise(self, tr: float, a: ShelfAction) -> Recognition:
        rc = self.sc.recognition
        rng = self.rng
        prods = self.store.products
        true = prods[a.sku]
        pool = [
            s
            for s, p in prods.items()
            if p.similar is not None and p.similar == true.similar and s != a.sku
        ]
        if len(pool) < rc.top_k:
            others = [s for s in prods if s != a.sku and s not in pool]
            pool += [
                others[i]
                for i in rng.choice(len(others), size=min(len(others), rc.top_k), replace=False)
            ]
        decoys = [pool[i] for i in rng.permutation(len(pool))[: rc.top_k - 1]]
        ranked = [a.sku, *decoys] if rng.random() < rc.top1 else [*decoys[:1], a.sku, *decoys[1:]]
        scores = np.sort(rng.dirichlet(np.ones(len(ranked)) * 0.6))[::-1]
        g = self.layout.plate(a.plate or self.shelves.facings[a.facing or 0].plates[0]).center
        cam = (
            min(self._cams, key=lambda c: float(np.linalg.norm(c[1] - g)))[0]
            if self._cams
            else "vision-1"
        )
        return self._report(
            Recognition,
            cam,
            tr,
            rx_delay=0.1,
            track=self.tracker.track_at(a.person, tr),
            hand=a.hand,
            top=[(s, round(float(x), 3)) for s, x in zip(ranked, scores, strict=True)],
        )

    def retire(self, t0: float, commit: Callable[[ShelfAction], None]) -> None:
        """Drop what can no longer affect a window starting at ``t0``."""
        keep = []
        for a in self.active:
            if a.t_release + 6.0 < t0:  # the touch envelope fades for a few seconds after release
                commit(a)
            else:
                keep.append(a)
        self.active = keep
        self.leans = [ln for ln in self.leans if ln.t_end + 1.0 >= t0]
        gone = [p for p in self.people if p.exited and p.t_out + 2.0 < t0]
        if gone:
            pending = {id(a.person) for _, a in self._recognition}
            for p in gone:
                if id(p) not in pending:
                    self.tracker.forget(p)
            self.people = [p for p in self.people if not (p.exited and p.t_out + 2.0 < t0)]


def _epc(gtin: str | None, u: Unit) -> str:
    if gtin:
        return sgtin_urn(gtin, u.serial)
    return f"urn:epc:id:walkout:{u.sku}.{u.serial}"
