"""Plans a visit when a group arrives: who they are, what they want, where they
stand, and every behaviour the scenario asks for.

Plans are made in arrival order. Units are reserved at planning time, so a
plan never counts on an item someone planned earlier will take; items put
back become available to plans made after the put. Behaviours that need a
second person (reaching across, two takes within a second, a hand-off to
another account) look for someone already planned to stand at a shelf soon,
and time themselves to that person.
"""

from __future__ import annotations

import heapq
import itertools

import numpy as np

from walkout.domain.layout import Layout
from walkout.twin.body import LEFT, RIGHT
from walkout.twin.coordination import Coordinator
from walkout.twin.navigation import NavGrid
from walkout.twin.plan import Intent, PersonPlan, SessionPlan, ShelfAction, Stand, Stop
from walkout.twin.scenario import Scenario
from walkout.twin.shopping import run_stops
from walkout.twin.stock import Shelves

STAND_OFF = 0.45  # body centre to shelf front, metres


class Planner:
    def __init__(
        self,
        layout: Layout,
        nav: NavGrid,
        shelves: Shelves,
        scenario: Scenario,
        rng: np.random.Generator,
        ids: np.random.Generator,
        floor_area: float = 170.0,
    ):
        self.layout = layout
        self.nav = nav
        self.shelves = shelves
        self.sc = scenario
        self.rng = rng
        self.ids = ids
        self.avail = [fs.count for fs in shelves.facings]
        self._pending: list[tuple[float, int, int]] = []
        self.stands: list[Stand] = []
        self._n_sessions = 0
        self._n_people = 0
        self._n_actions = 0
        skus = sorted({fs.sku for fs in shelves.facings})
        order = rng.permutation(len(skus))
        w = 1.0 / (1.0 + np.arange(len(skus))) ** 0.8
        self.skus = [skus[i] for i in order]
        self.popularity = w / w.sum()
        self._stand_xy: dict[int, np.ndarray] = {}
        self._gate_free: dict[str, float] = {}
        n_acc = max(50, int(scenario.arrivals.peak_for(floor_area) * 4))
        self.accounts = [f"acct-{i:05d}" for i in range(n_acc)]
        self.cards = {a: f"card-{ids.bytes(8).hex()}" for a in self.accounts}
        self.coord = Coordinator(self)

    # -- bookkeeping ---------------------------------------------------------------

    def advance(self, t: float) -> None:
        while self._pending and self._pending[0][0] <= t:
            _, f, n = heapq.heappop(self._pending)
            self.avail[f] += n
        self.stands = [s for s in self.stands if s.t1 > t]

    def release_later(self, t: float, facing: int, n: int) -> None:
        heapq.heappush(self._pending, (t, facing, n))

    def new_id(self, prefix: str) -> str:
        if prefix == "a":
            self._n_actions += 1
            return f"a{self._n_actions:07d}"
        if prefix == "p":
            self._n_people += 1
            return f"p{self._n_people:06d}"
        self._n_sessions += 1
        return f"s{self._n_sessions:06d}"

    def track_id(self) -> str:
        return self.ids.bytes(6).hex()

    def stand_xy(self, facing: int) -> np.ndarray:
        xy = self._stand_xy.get(facing)
        if xy is None:
            plates = self.shelves.facings[facing].plates
            g = self.layout.plate(plates[len(plates) // 2])
            xy = self.nav.nearest_free(g.front[:2] + g.outward[:2] * STAND_OFF)
            self._stand_xy[facing] = xy
        return xy

    def facing_heading(self, facing: int) -> float:
        g = self.layout.plate(self.shelves.facings[facing].plates[0])
        return float(np.arctan2(-g.outward[1], -g.outward[0]))

    def middle_plate(self, facing: int) -> str:
        plates = self.shelves.facings[facing].plates
        return plates[len(plates) // 2]

    def person(self, sess: SessionPlan, role: str) -> PersonPlan:
        h = float(np.clip(self.rng.normal(1.72, 0.09), 1.5, 1.98))
        p = PersonPlan(
            id=self.new_id("p"), session=sess, role=role, height=h, track=self.track_id()
        )  # type: ignore[arg-type]
        sess.people.append(p)
        return p

    def reserve(self, facing: int, qty: int) -> int:
        q = min(qty, self.avail[facing])
        self.avail[facing] -= q
        return q

    def pick_facing(self, sku: str) -> int | None:
        options = [f for f in self.shelves.facings_of.get(sku, []) if self.avail[f] > 0]
        return int(self.rng.choice(options)) if options else None

    # -- shopping lists --------------------------------------------------------------

    def shopping_list(self, n: int, exclude: set[str] | None = None) -> list[Intent]:
        out: list[Intent] = []
        seen = set(exclude or ())
        tries = 0
        while len(out) < n and tries < 20 * n + 20:
            tries += 1
            sku = self.skus[int(self.rng.choice(len(self.skus), p=self.popularity))]
            if sku in seen:
                continue
            f = self.pick_facing(sku)
            if f is None:
                continue
            qty = 1
            if self.rng.random() < self.sc.behaviours.multi_unit:
                qty = int(self.rng.choice([2, 2, 2, 3, 4]))
            qty = self.reserve(f, qty)
            if qty == 0:
                continue
            seen.add(sku)
            out.append(Intent("take", sku, f, qty))
        return out

    def order_stops(self, start: np.ndarray, intents: list[Intent]) -> list[Stop]:
        """Group intents by facing and visit them nearest-first, as shoppers roughly do."""
        by_f: dict[int, Stop] = {}
        for it in intents:
            by_f.setdefault(it.facing, Stop(it.facing)).intents.append(it)
        left = list(by_f.values())
        out: list[Stop] = []
        here = start
        while left:
            d = [float(np.linalg.norm(self.stand_xy(s.facing) - here)) for s in left]
            k = int(np.argmin(d))
            s = left.pop(k)
            out.append(s)
            here = self.stand_xy(s.facing)
        return out

    # -- walking ---------------------------------------------------------------------

    def walk(
        self, p: PersonPlan, to: np.ndarray, t: float, speed: float, face: float | None = None
    ) -> float:
        """Walk ``p`` from where they are to ``to`` starting at ``t``; returns the arrival time."""
        here = p.kf.last_xy
        pts = self.nav.route(here, to) if np.linalg.norm(to - here) > 0.05 else np.array([here, to])
        heading = p.kf.heading[-1]
        if t > p.kf.end:
            p.kf.add(t, here, heading)
        for a, b in itertools.pairwise(pts):
            seg = float(np.linalg.norm(b - a))
            if seg < 1e-6:
                continue
            heading = float(np.arctan2(b[1] - a[1], b[0] - a[0]))
            p.kf.add(t + 0.05, a, heading)  # turn on the spot, then go
            t += 0.05 + seg / speed
            p.kf.add(t, b, heading)
        if face is not None:
            t += 0.3
            p.kf.add(t, to, face)
        return t

    def stay(self, p: PersonPlan, until: float) -> None:
        if until > p.kf.end:
            p.kf.add(until, p.kf.last_xy, p.kf.heading[-1])

    # -- sessions --------------------------------------------------------------------

    def enter(self, sess: SessionPlan, t: float, queue: bool = True) -> tuple[np.ndarray, float]:
        """Through an entry gate one at a time: a group arriving while the gate is
        busy waits its turn (a tailgater, by definition, does not)."""
        gates = self.layout.store.gates_of_kind("entry")
        g = gates[int(self.rng.integers(len(gates)))]
        inside = self.nav.nearest_free(g.midpoint() + g.inward() * 0.8)
        outside = g.midpoint() - g.inward() * 0.4
        heading = float(np.arctan2(g.inward()[1], g.inward()[0]))
        if queue:
            t = max(t, self._gate_free.get(g.id, -np.inf))
        t_last = t
        for i, p in enumerate(sess.people):
            t0 = t + 1.1 * i
            p.entry_gate = g.id
            p.kf.add(t0, outside, heading)
            p.t_in = t0 + 0.4 / 1.1
            spot = self.nav.nearest_free(
                inside
                + np.array([np.cos(heading + np.pi / 2), np.sin(heading + np.pi / 2)]) * (0.6 * i)
            )
            t_last = max(t_last, t0 + 0.4 + float(np.linalg.norm(spot - outside)) / 1.1)
            p.kf.add(t_last, spot, heading)
        self._gate_free[g.id] = max(
            self._gate_free.get(g.id, -np.inf), t + 1.1 * len(sess.people) + 0.8
        )
        return inside, t_last

    def leave(self, sess: SessionPlan, t: float, speed: float) -> None:
        for i, p in enumerate(sess.people):
            here = p.kf.last_xy
            gates = self.layout.store.gates_of_kind("exit")
            g = min(gates, key=lambda gg: float(np.linalg.norm(gg.midpoint() - here)))
            p.exit_gate = g.id
            inside = self.nav.nearest_free(g.midpoint() + g.inward() * 0.8)
            t_arr = self.walk(p, inside, t + 0.6 * i, speed)
            out = g.midpoint() - g.inward() * 0.6
            heading = float(np.arctan2(-g.inward()[1], -g.inward()[0]))
            p.kf.add(t_arr + 0.05, inside, heading)
            p.t_out = t_arr + 0.05 + 0.8 / speed
            p.kf.add(t_arr + 0.05 + 1.4 / speed, out, heading)

    def plan_session(self, t: float) -> list[SessionPlan]:
        """A shopper group arriving at ``t`` (and a tailgater behind them, sometimes)."""
        self.advance(t)
        rng = self.rng
        a = self.sc.arrivals
        b = self.sc.behaviours
        sizes = sorted(a.group_sizes)
        probs = np.array([a.group_sizes[k] for k in sizes], dtype=float)
        n = int(rng.choice(sizes, p=probs / probs.sum()))
        account = self.accounts[int(rng.integers(len(self.accounts)))]
        card = rng.random() < a.card_share
        sess = SessionPlan(
            id=self.new_id("s"),
            account=account,
            token=self.cards[account] if card else f"qr-{self.ids.bytes(8).hex()}",
            credential="card" if card else "qr",
            t_arrive=t,
        )
        if n > 1:
            sess.behaviours.add("group")
        for _ in range(n):
            self.person(sess, "shopper")
        speed = float(rng.uniform(*a.walk_speed))
        here, t_now = self.enter(sess, t)
        k = 1 + int(rng.poisson(max(a.items_mean - 1.0, 0.0)))
        intents = self.shopping_list(k)
        self._add_behaviours(sess, intents)
        stops = self.order_stops(here, intents)
        self._wrong_shelf_targets(stops)
        t_now = run_stops(self, sess, stops, t_now, speed)
        self.leave(sess, t_now, speed)
        out = [sess]
        if rng.random() < b.tailgate:
            out.append(self._tailgater(sess))
        return out

    def _add_behaviours(self, sess: SessionPlan, intents: list[Intent]) -> None:
        rng = self.rng
        b = self.sc.behaviours
        if not intents:
            return
        group = len(sess.people) > 1
        draws = [
            ("put_back", b.put_back),
            ("long_hold", b.long_hold),
            ("conceal", b.conceal),
            ("wrong_shelf", b.wrong_shelf),
            ("swap_similar", b.swap_similar),
        ]
        if group:
            draws.append(("handoff_group", b.handoff_group))
        draws.append(("handoff_other", b.handoff_other))
        for name, rate in draws:
            if rng.random() >= rate:
                continue
            if name == "put_back" or name == "wrong_shelf":
                extra = self.shopping_list(1, exclude={i.sku for i in intents})
                if not extra:
                    continue
                extra[0].qty = 1
                extra[0].then = name
                intents.append(extra[0])
                sess.behaviours.add(name)
            elif name == "swap_similar":
                for it in intents:
                    alt = self._look_alike(it)
                    if alt is not None and it.then is None:
                        it.alt = alt
                        sess.behaviours.add(name)
                        break
            else:
                free = [i for i in intents if i.then is None]
                if free:
                    free[int(rng.integers(len(free)))].then = name
                    if name != "handoff_other":  # that one only counts once it happens
                        sess.behaviours.add(name)

    def _look_alike(self, it: Intent) -> int | None:
        p = self.layout.store.products[it.sku]
        if p.similar is None:
            return None
        home = self.layout.plate(self.middle_plate(it.facing)).center
        best = None
        for f, fs in enumerate(self.shelves.facings):
            if fs.sku == it.sku or self.avail[f] <= 0:
                continue
            q = self.layout.store.products[fs.sku]
            if q.similar != p.similar:
                continue
            d = float(np.linalg.norm(self.layout.plate(self.middle_plate(f)).center - home))
            if d < 0.8 and (best is None or d < best[0]):
                best = (d, f)
        return None if best is None else best[1]

    def _wrong_shelf_targets(self, stops: list[Stop]) -> None:
        """A wrong-shelf item is put down at a later stop, on a plate of another product."""
        for i, s in enumerate(stops):
            for it in s.intents:
                if it.then != "wrong_shelf":
                    continue
                if i + 1 < len(stops):
                    later = stops[int(self.rng.integers(i + 1, len(stops)))]
                else:
                    others = [
                        f
                        for f in range(len(self.shelves.facings))
                        if self.shelves.facings[f].sku != it.sku
                    ]
                    later = Stop(int(self.rng.choice(others)))
                    stops.append(later)
                plates = self.shelves.facings[later.facing].plates
                later.intents.append(
                    Intent("put_wrong", it.sku, later.facing, 1, plate=str(self.rng.choice(plates)))
                )

    def _tailgater(self, host: SessionPlan) -> SessionPlan:
        sess = SessionPlan(
            id=self.new_id("s"), account=None, token=None, credential=None, t_arrive=host.t_arrive
        )
        sess.behaviours.add("tailgate")
        p = self.person(sess, "tailgater")
        speed = float(self.rng.uniform(*self.sc.arrivals.walk_speed))
        last_in = max(q.t_in for q in host.people)
        here, t_now = self.enter(sess, last_in + 0.9 - 0.4 / 1.1, queue=False)
        intents = self.shopping_list(int(self.rng.integers(1, 4)))
        t_now = run_stops(self, sess, self.order_stops(here, intents), t_now, speed)
        self.leave(sess, t_now, speed)
        del p
        return sess

    def next_hand(self, p: PersonPlan, busy: dict[str, float], t: float) -> int:
        free = [h for h in (RIGHT, LEFT) if busy.get(f"{p.id}:{h}", -1.0) <= t]
        if not free:
            return RIGHT
        if len(free) == 2:
            return RIGHT if self.rng.random() < 0.65 else LEFT
        return free[0]

    def register_action(self, sess: SessionPlan, a: ShelfAction) -> None:
        sess.actions.append(a)

    # -- staff -------------------------------------------------------------------------

    def plan_staff(self, t: float) -> SessionPlan:
        """A member of staff restocks the emptiest facings and returns misplaced items.

        Staff show a staff credential at the gate; nothing they move is charged.
        """
        from walkout.twin import actions as act

        self.advance(t)
        rng = self.rng
        sess = SessionPlan(
            id=self.new_id("s"),
            account=None,
            token=f"staff-{self.ids.bytes(4).hex()}",
            credential="staff",
            t_arrive=t,
            staff=True,
        )
        sess.behaviours.add("restock")
        p = self.person(sess, "staff")
        speed = 1.2
        here, t_now = self.enter(sess, t)
        ratio = [self.avail[f] / fs.capacity for f, fs in enumerate(self.shelves.facings)]
        low = [f for f in np.argsort(ratio, kind="stable")[:8] if ratio[f] < 0.6]
        jobs: list[tuple[str, int, str | None]] = [("restock", int(f), None) for f in low]
        for pid, lst in sorted(self.shelves.foreign.items())[:4]:
            for fo in lst[:2]:
                home = self.shelves.facings_of.get(fo.unit.sku)
                if home:
                    jobs.append(("return", home[0], pid))
        press = self.sc.loadcells.press_g
        for kind, f, pid in jobs:
            if kind == "return" and pid is not None:
                fid = self.layout.facings_on_plate.get(pid, [f])[0]
                t_now = (
                    self.walk(p, self.stand_xy(fid), t_now, speed, self.facing_heading(fid)) + 1.0
                )
                sku = self.shelves.facings[f].sku
                a, t_now = act.take(
                    self.new_id("a"),
                    rng,
                    self.layout,
                    p,
                    t_now,
                    sku,
                    1,
                    RIGHT,
                    pid,
                    press,
                    facing=None,
                    tags=["restock"],
                    charged=False,
                )
                sess.actions.append(a)
            t_now = self.walk(
                p, self.stand_xy(f), t_now + 0.5, speed, self.facing_heading(f)
            ) + float(rng.uniform(1.0, 3.0))
            need = self.shelves.facings[f].capacity - self.avail[f] if kind == "restock" else 1
            need = min(need, 12)
            while need > 0:
                k = min(need, int(rng.integers(1, 4)))
                plate = str(rng.choice(self.shelves.facings[f].plates))
                a, t_now = act.put(
                    self.new_id("a"),
                    rng,
                    self.layout,
                    p,
                    t_now,
                    self.shelves.facings[f].sku,
                    k,
                    RIGHT if rng.random() < 0.5 else LEFT,
                    plate,
                    press,
                    facing=f,
                    tags=["restock"],
                    charged=False,
                )
                sess.actions.append(a)
                self.release_later(a.t_change1, f, k)
                need -= k
                t_now += float(rng.uniform(0.2, 1.0))
            self.stay(p, t_now)
        self.leave(sess, t_now + 1.0, speed)
        del here
        return sess
