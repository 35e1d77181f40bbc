"""Behaviours that need a second person: reaching across someone, taking within a
second of a neighbour, handing an item to a shopper of another account.

They are planned by the later arrival, who looks for someone already planned
to stand at a shelf soon and times their own move to that person's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from walkout.twin import actions as act
from walkout.twin.plan import PersonPlan, SessionPlan, ShelfAction, Stand

if TYPE_CHECKING:
    from walkout.twin.planner import Planner


def _shift(a: ShelfAction, p: PersonPlan, dt: float) -> None:
    a.t_touch += dt
    a.t_change0 += dt
    a.t_change1 += dt
    a.t_release += dt
    m = p.arms[-1]
    m.t0 += dt
    m.t1 += dt
    m.t2 += dt
    m.t3 += dt


class Coordinator:
    def __init__(self, planner: Planner):
        self.pl = planner

    def maybe(
        self, sess: SessionPlan, p: PersonPlan, t: float, speed: float, busy: dict[str, float]
    ) -> float:
        b = self.pl.sc.behaviours
        r = self.pl.rng.random()
        if r < b.reach_across:
            kind = "reach_across"
        elif r < b.reach_across + b.simultaneous:
            kind = "simultaneous"
        elif r < b.reach_across + b.simultaneous + b.handoff_other / 3.0:
            kind = "handoff_other"
        else:
            return t
        here = p.kf.last_xy
        cands = [
            s
            for s in self.pl.stands
            if s.person.session is not sess and s.person.role != "staff" and s.t1 > t + 4.0
        ]
        self.pl.rng.shuffle(cands)  # type: ignore[arg-type]
        for s in cands[:8]:
            out = self._try(kind, sess, p, s, here, t, speed, busy)
            if out is not None:
                return out
        return t

    def _spot(self, s: Stand, kind: str) -> np.ndarray | None:
        pl = self.pl
        g = pl.layout.plate(s.plate)
        ax = g.corners[1][:2] - g.corners[0][:2]
        ax = ax / np.linalg.norm(ax)
        if kind == "reach_across":
            want = s.xy + g.outward[:2] * 0.55 + ax * pl.rng.uniform(-0.25, 0.25)
        else:
            want = s.xy + ax * (0.7 if pl.rng.random() < 0.5 else -0.7)
        try:
            spot = pl.nav.nearest_free(want, max_m=0.35)
        except ValueError:
            return None
        return spot if float(np.linalg.norm(spot - s.xy)) > 0.4 else None

    def _target(self, s: Stand, spot: np.ndarray, kind: str) -> tuple[int, str] | None:
        pl = self.pl
        fx, sh, _ = s.plate.rsplit(".", 2)
        opts = []
        for f, fs in enumerate(pl.shelves.facings):
            if pl.avail[f] <= 0:
                continue
            for pid in fs.stocked_plates():
                pfx, psh, _ = pid.rsplit(".", 2)
                if pfx != fx or (kind == "simultaneous" and psh != sh):
                    continue
                g = pl.layout.plate(pid)
                if float(np.linalg.norm(g.front[:2] - spot)) < (
                    1.05 if kind == "reach_across" else 0.75
                ):
                    opts.append((f, pid))
        if not opts:
            return None
        return opts[int(pl.rng.integers(len(opts)))]

    def _try(
        self,
        kind: str,
        sess: SessionPlan,
        p: PersonPlan,
        s: Stand,
        here: np.ndarray,
        t: float,
        speed: float,
        busy: dict[str, float],
    ) -> float | None:
        pl = self.pl
        rng = pl.rng
        spot = self._spot(s, kind)
        if spot is None:
            return None
        route = pl.nav.route(here, spot)
        length = float(np.sum(np.linalg.norm(np.diff(route, axis=0), axis=1)))
        t_arr = t + 0.35 + length / speed + 0.05 * len(route)
        tgt = self._target(s, spot, kind)
        if tgt is None:
            return None
        facing, plate = tgt
        t_match = None
        if kind == "simultaneous":
            tcs = [tc for tc in s.changes if tc > t_arr + 2.5]
            if not tcs:
                return None
            t_match = tcs[0]
            t_goal = t_match + float(rng.uniform(-0.9, 0.9))
        else:
            t_goal = max(t_arr, s.t0) + 1.8
            if t_goal + 3.0 > s.t1:
                return None
        sku = pl.shelves.facings[facing].sku
        if not pl.reserve(facing, 1):
            return None
        face = pl.facing_heading(facing)
        pl.walk(p, spot, t, speed, face)
        hand = pl.next_hand(p, busy, t_goal)
        a, t_back = act.take(
            pl.new_id("a"),
            rng,
            pl.layout,
            p,
            t_goal - 1.2,
            sku,
            1,
            hand,
            plate,
            pl.sc.loadcells.press_g,
            facing=facing,
            tags=[kind],
        )
        del t_back
        _shift(a, p, t_goal - a.t_mid)
        t_back = p.arms[-1].t3
        sess.actions.append(a)
        sess.behaviours.add(kind)
        if t_match is not None:
            for other in s.person.session.actions:
                if (
                    other.person is s.person
                    and abs(other.t_mid - t_match) < 1e-6
                    and "simultaneous" not in other.tags
                ):
                    other.tags.append("simultaneous")
                    s.person.session.behaviours.add("simultaneous")
                    break
        t_end = t_back + 0.4
        if kind == "handoff_other":
            h, t_end = act.handoff(rng, p, s.person, t_back + 0.2, sku, 1, hand)
            if h.t + 1.0 > s.t1:
                # they will have walked off: keep the item instead
                p.arms.pop()
                s.person.arms.pop()
            else:
                sess.handoffs.append(h)
                s.person.session.behaviours.add("handoff_other")
                a.tags.append("handoff_other")
        pl.stay(p, t_end)
        pl.stands.append(
            Stand(
                person=p,
                t0=a.t_touch,
                t1=t_end,
                xy=spot,
                facing=facing,
                plate=plate,
                changes=[a.t_mid],
            )
        )
        return t_end + 0.3
