"""Timing of hands at shelves: reaching, pressing, lifting, placing, handing over.

The numbers come from the AiFi BENCHMARK-1 pick (a 622 g bottle): the hand
arrives, presses the shelf for a few tenths of a second (+20 to +50 g), and the
weight leaves in under 0.1-0.3 s. Each function returns the action and the arm
move that goes with it, so the load cells and the tracker tell one story.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from walkout.domain.layout import Layout
from walkout.twin.body import LEFT, RIGHT, ArmMove
from walkout.twin.plan import Handoff, Lean, PersonPlan, ShelfAction


def hand_name(h: int) -> str:
    return "left" if h == LEFT else "right"


def reach_point(
    layout: Layout, pid: str, depth: float = 0.08, lift: float = 0.08
) -> tuple[float, float, float]:
    """Where a hand grips an item on plate ``pid``: just inside the front edge, above the shelf."""
    g = layout.plate(pid)
    p = g.front - g.outward * depth
    return (float(p[0]), float(p[1]), float(p[2] + lift))


# (hand arrives, press before the change, the change, hand leaves, arm back): seconds, uniform
_TIMING = {
    "take": ((0.45, 0.8), (0.15, 0.7), (0.05, 0.25), (0.05, 0.3), (0.4, 0.7)),
    "put": ((0.5, 0.9), (0.05, 0.3), (0.1, 0.3), (0.15, 0.5), (0.4, 0.7)),
}


def shelf_action(
    op: str,
    aid: str,
    rng: np.random.Generator,
    layout: Layout,
    person: PersonPlan,
    t: float,
    sku: str,
    qty: int,
    hand: int,
    target_plate: str,
    press_range: tuple[float, float],
    facing: int | None = None,
    tags: list[str] | None = None,
    charged: bool = True,
) -> tuple[ShelfAction, float]:
    """A take or put whose hand leaves the body at ``t``; returns it and when the arm is back.

    A put goes home (``facing``) or, with ``facing=None``, onto ``target_plate``
    where the product does not belong. Grabbing several units takes a little longer.
    """
    touch, press, change, release, back = _TIMING[op]
    t_touch = t + rng.uniform(*touch)
    t_c0 = t_touch + rng.uniform(*press)
    t_c1 = t_c0 + rng.uniform(*change) * (1.0 + 0.3 * (qty - 1) if op == "take" else 1.0)
    t_rel = t_c1 + rng.uniform(*release)
    t_back = t_rel + rng.uniform(*back)
    offset = float(rng.uniform(-0.4, 0.4)) if op == "put" else 0.0
    act = ShelfAction(
        id=aid,
        person=person,
        op=op,  # type: ignore[arg-type]
        sku=sku,
        qty=qty,
        t_touch=t_touch,
        t_change0=t_c0,
        t_change1=t_c1,
        t_release=t_rel,
        hand=hand_name(hand),  # type: ignore[arg-type]
        facing=facing,
        plate=None if facing is not None else target_plate,
        reach=target_plate,
        offset=offset,
        press_g=float(rng.uniform(*press_range)) * (1.0 if op == "take" else 0.5),
        tags=list(tags or []),
        charged=charged,
    )
    person.arms.append(ArmMove(hand, t, t_touch, t_rel, t_back, reach_point(layout, target_plate)))
    return act, t_back


def take(*args: Any, **kwargs: Any) -> tuple[ShelfAction, float]:
    return shelf_action("take", *args, **kwargs)


def put(*args: Any, **kwargs: Any) -> tuple[ShelfAction, float]:
    return shelf_action("put", *args, **kwargs)


def hold(person: PersonPlan, hand: int, t0: float, t1: float) -> None:
    """Hold an item up in front to look at it (or carry it in hand for minutes)."""
    side = 0.12 if hand == LEFT else -0.12
    person.arms.append(
        ArmMove(hand, t0, t0 + 0.6, t1 - 0.4, t1, (0.33, side, 0.62 * person.height), "body")
    )


def conceal(person: PersonPlan, hand: int, t0: float) -> float:
    """Bring the hand to a pocket and leave the item there; returns when done."""
    side = 0.2 if hand == LEFT else -0.2
    t1 = t0 + 0.5
    t2 = t1 + 1.2
    person.arms.append(
        ArmMove(hand, t0, t1, t2, t2 + 0.5, (0.02, side, 0.55 * person.height), "body")
    )
    return t2 + 0.5


def handoff(
    rng: np.random.Generator,
    giver: PersonPlan,
    receiver: PersonPlan,
    t: float,
    sku: str,
    qty: int,
    hand: int = RIGHT,
) -> tuple[Handoff, float]:
    """Both reach to the point between them; the item changes hands at the middle of it.
    The giver holds it out in the hand that took it (``hand``); the receiver takes it
    in either."""
    ga, _ = giver.kf.at(np.array([t]))
    ra, _ = receiver.kf.at(np.array([t]))
    mid = (ga[0] + ra[0]) / 2
    z = 0.6 * (giver.height + receiver.height) / 2
    tm = t + rng.uniform(0.6, 1.0)
    coin = LEFT if rng.random() < 0.5 else RIGHT
    for p, h in ((giver, hand), (receiver, _free_hand(receiver, t, coin))):
        p.arms.append(
            ArmMove(h, t, tm - 0.1, tm + 0.3, tm + 0.9, (float(mid[0]), float(mid[1]), z))
        )
    return Handoff(t=tm, giver=giver, receiver=receiver, sku=sku, qty=qty), tm + 0.9


HELD_S = 12.0  # an item taken this recently is still in the hand that took it


def _free_hand(person: PersonPlan, t: float, otherwise: int) -> int:
    """The hand someone takes a handed item with: not the one holding what they took
    moments ago (unless both do), else ``otherwise``."""
    last: dict[str, str] = {}
    for a in sorted(person.session.actions, key=lambda a: a.t_change0):
        if a.person is person and t - HELD_S <= a.t_change0 <= t:
            last[a.hand] = a.op
    holding = {h for h, op in last.items() if op == "take"}
    if len(holding) == 1:
        return RIGHT if holding == {"left"} else LEFT
    return otherwise


def lean(
    rng: np.random.Generator, layout: Layout, person: PersonPlan, t: float, plate: str, hand: int
) -> tuple[Lean, float]:
    """Rest a hand or forearm on the shelf edge for a while: weight that is no product."""
    dur = rng.uniform(3.0, 15.0)
    t_touch = t + 0.6
    g = layout.plate(plate)
    p = g.front - g.outward * 0.03
    person.arms.append(
        ArmMove(
            hand,
            t,
            t_touch,
            t_touch + dur,
            t_touch + dur + 0.6,
            (float(p[0]), float(p[1]), float(p[2] + 0.02)),
        )
    )
    grams = float(rng.uniform(150.0, 1500.0))
    plates = {plate: grams}
    # forearms are wide: part of the weight often lands on the neighbour
    fx, sh, idx = plate.rsplit(".", 2)
    nb = f"{fx}.{sh}.{int(idx) + 1}"
    if nb in layout.plate_index and rng.random() < 0.5:
        share = rng.uniform(0.2, 0.5)
        plates = {plate: grams * (1 - share), nb: grams * share}
    return Lean(
        t_start=t_touch, t_end=t_touch + dur, person=person, plates=plates
    ), t_touch + dur + 0.6
