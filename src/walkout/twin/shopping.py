"""Carrying out a plan's stops: walking the group there, then each take, look,
put-back, hand-off, hold or lean, with the timings of ``twin.actions``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from walkout.twin import actions as act
from walkout.twin.plan import Intent, PersonPlan, SessionPlan, ShelfAction, Stand, Stop

if TYPE_CHECKING:
    from walkout.twin.planner import Planner


def along(pl: Planner, facing: int) -> np.ndarray:
    g = pl.layout.plate(pl.shelves.facings[facing].plates[0])
    v = g.corners[1][:2] - g.corners[0][:2]
    return v / np.linalg.norm(v)


def run_stops(pl: Planner, sess: SessionPlan, stops: list[Stop], t: float, speed: float) -> float:
    rng = pl.rng
    people = sess.people
    busy: dict[str, float] = {}
    carrier: dict[str, PersonPlan] = {}
    lean_at = (
        int(rng.integers(len(stops))) if stops and rng.random() < pl.sc.behaviours.lean else -1
    )
    for si, stop in enumerate(stops):
        solo = len(people) == 1 and people[0].role == "shopper"
        if solo:
            t = pl.coord.maybe(sess, people[0], t, speed, busy)
        wrong = [it for it in stop.intents if it.op == "put_wrong" and it.sku in carrier]
        if wrong:
            picker = carrier[wrong[0].sku]
        else:
            picker = (
                people[0]
                if len(people) == 1 or rng.random() < 0.6
                else people[int(rng.integers(1, len(people)))]
            )
        spot = pl.stand_xy(stop.facing)
        face = pl.facing_heading(stop.facing)
        ax = along(pl, stop.facing)
        extra: list[str] = []
        behind = _behind_if_taken(pl, sess, picker, stop.facing, spot, t, speed)
        if behind is not None:  # someone stands there: reach past them from behind
            spot = behind
            extra.append("reach_across")
            sess.behaviours.add("reach_across")
        others = [p for p in people if p is not picker]
        t_arr_picker = pl.walk(picker, spot, t, speed, face)
        t_all = t_arr_picker
        for i, p in enumerate(others, start=1):
            side = 1 if i % 2 else -1
            off = spot + ax * side * 0.75 * ((i + 1) // 2)
            try:
                off = pl.nav.nearest_free(off, max_m=1.0)
            except ValueError:
                off = spot
            t_all = max(t_all, pl.walk(p, off, t + 0.4 * i, speed, face))
        t_now = t_arr_picker + float(rng.uniform(*pl.sc.arrivals.dwell_s))
        if si == lean_at:
            hand = pl.next_hand(picker, busy, t_now)
            plate = str(rng.choice(pl.shelves.facings[stop.facing].plates))
            ln, t_now = act.lean(rng, pl.layout, picker, t_now, plate, hand)
            sess.leans.append(ln)
            sess.behaviours.add("lean")
        changes: list[float] = []
        t_first = t_now
        n_before = len(sess.actions)
        for it in stop.intents:
            t_now = do_intent(pl, sess, picker, it, t_now, busy, carrier, changes)
        for a in sess.actions[n_before:]:
            a.tags.extend(x for x in extra if x not in a.tags)
        t_end = max(t_now, t_all) + float(rng.uniform(0.3, 1.0))
        for p in people:
            pl.stay(p, t_end)
        pl.stands.append(
            Stand(
                person=picker,
                t0=t_first,
                t1=t_end,
                xy=spot,
                facing=stop.facing,
                plate=pl.middle_plate(stop.facing),
                changes=changes,
            )
        )
        t = t_end
    return t


def _behind_if_taken(
    pl: Planner,
    sess: SessionPlan,
    p: PersonPlan,
    facing: int,
    spot: np.ndarray,
    t: float,
    speed: float,
) -> np.ndarray | None:
    """Where to stand if someone of another session will be on ``spot`` when we get there."""
    here = p.kf.last_xy
    t_est = t + 0.5 + 1.3 * float(np.linalg.norm(spot - here)) / speed
    for s in pl.stands:
        if s.person.session is sess or s.t1 < t_est or s.t0 > t_est + 8.0:
            continue
        if float(np.linalg.norm(s.xy - spot)) < 0.6:
            g = pl.layout.plate(pl.middle_plate(facing))
            try:
                b = pl.nav.nearest_free(spot + g.outward[:2] * 0.55, max_m=0.3)
            except ValueError:
                return None
            return b if float(np.linalg.norm(b - s.xy)) > 0.4 else None
    return None


def _shelf(
    pl: Planner,
    op: str,
    p: PersonPlan,
    t: float,
    sku: str,
    qty: int,
    hand: int,
    plate: str,
    facing: int | None,
    tags: list[str],
) -> tuple[ShelfAction, float]:
    return act.shelf_action(
        op,
        pl.new_id("a"),
        pl.rng,
        pl.layout,
        p,
        t,
        sku,
        qty,
        hand,
        plate,
        pl.sc.loadcells.press_g,
        facing=facing,
        tags=tags,
    )


def _look_and_return(
    pl: Planner,
    sess: SessionPlan,
    p: PersonPlan,
    taken: ShelfAction,
    hand: int,
    t_back: float,
    plate: str,
    look: tuple[float, float],
    tag: str,
) -> float:
    """Hold the item up to look at it, then put it back where it came from."""
    dt = float(pl.rng.uniform(*look))
    act.hold(p, hand, t_back - 0.3, t_back + dt)
    b, t_back = _shelf(
        pl, "put", p, t_back + dt - 0.6, taken.sku, taken.qty, hand, plate, taken.facing, [tag]
    )
    sess.actions.append(b)
    if taken.facing is not None:
        pl.release_later(b.t_change1, taken.facing, taken.qty)
    return t_back


def do_intent(
    pl: Planner,
    sess: SessionPlan,
    p: PersonPlan,
    it: Intent,
    t: float,
    busy: dict[str, float],
    carrier: dict[str, PersonPlan],
    changes: list[float],
) -> float:
    rng = pl.rng
    hand = pl.next_hand(p, busy, t)
    if it.op == "put_wrong":
        if it.sku not in carrier:
            return t
        a, t_back = _shelf(pl, "put", p, t, it.sku, 1, hand, it.plate or "", None, ["wrong_shelf"])
        sess.actions.append(a)
        del carrier[it.sku]
        return t_back + float(rng.uniform(0.3, 1.0))
    swapped = it.alt is not None and pl.reserve(it.alt, 1) > 0
    if swapped and it.alt is not None:
        # a look-alike first: take it, look, return it, then take the wanted one
        alt_plate = str(rng.choice(pl.shelves.facings[it.alt].stocked_plates()))
        a, t_back = _shelf(
            pl,
            "take",
            p,
            t,
            pl.shelves.facings[it.alt].sku,
            1,
            hand,
            alt_plate,
            it.alt,
            ["swap_similar"],
        )
        sess.actions.append(a)
        changes.append(a.t_mid)
        t = _look_and_return(pl, sess, p, a, hand, t_back, alt_plate, (2.0, 5.0), "swap_similar")
        t += float(rng.uniform(0.3, 1.0))
    # the hand goes where units are left: an emptied lane is not reached into
    plate = str(rng.choice(pl.shelves.facings[it.facing].stocked_plates()))
    tags = []
    if it.qty > 1:
        tags.append("multi_unit")
    if swapped:
        tags.append("swap_similar")
    if it.then and it.then != "handoff_other":  # tagged once it really happens
        tags.append(it.then)
    a, t_back = _shelf(pl, "take", p, t, it.sku, it.qty, hand, plate, it.facing, tags)
    sess.actions.append(a)
    changes.append(a.t_mid)
    t = t_back
    if it.then == "put_back":
        t = _look_and_return(pl, sess, p, a, hand, t_back, plate, (2.0, 10.0), "put_back")
    elif it.then == "long_hold":
        until = t_back + float(rng.uniform(30.0, 150.0))
        act.hold(p, hand, t_back - 0.3, until)
        busy[f"{p.id}:{hand}"] = until
    elif it.then == "conceal":
        t = act.conceal(p, hand, t_back - 0.2)
    elif it.then == "handoff_group":
        receivers = [q for q in sess.people if q is not p]
        if receivers:
            r = receivers[int(rng.integers(len(receivers)))]
            h, t = act.handoff(rng, p, r, t_back + 0.3, it.sku, it.qty, hand)
            sess.handoffs.append(h)
    elif it.then == "handoff_other":
        other = _someone_near(pl, sess, p, t_back)
        if other is not None:
            h, t = act.handoff(rng, p, other, t_back + 0.3, it.sku, it.qty, hand)
            sess.handoffs.append(h)
            a.tags.append("handoff_other")
            sess.behaviours.add("handoff_other")
            other.session.behaviours.add("handoff_other")
    elif it.then == "wrong_shelf":
        carrier[it.sku] = p
    return t + float(rng.uniform(0.3, 1.2))


def _someone_near(pl: Planner, sess: SessionPlan, p: PersonPlan, t: float) -> PersonPlan | None:
    """A shopper of another session standing within reach of a hand-off at ``t``."""
    here = p.kf.at(np.array([t]))[0][0]
    for s in pl.stands:
        q = s.person
        if q.session is sess or q.role != "shopper" or not (s.t0 <= t + 0.5 and s.t1 >= t + 2.5):
            continue
        if float(np.linalg.norm(s.xy - here)) < 2.0:
            return q
    return None
