"""Personal space: two simulated bodies never occupy one spot.

Plans are made one group at a time, so two people's planned paths may cross,
meet or run through each other (a group member walking past a companion who
stands still, two shoppers trading places). Real people do not interpenetrate:
shoulders are about 0.45 m wide; they side-step early, and in a squeeze pass
sideways with their centres no closer than about 0.35-0.4 m.

``keep_apart`` turns the planned bodies of a window into ones that keep apart,
in two passes over the frames:

1. **Side-steps** (soft, ``PERSONAL_M``): two people closer than that lean
   away. A pair passing (moving relative to each other) steps sideways to its
   motion so that its centres go round each other on a circle of
   ``PERSONAL_M``, each pair keeping the side it first took, re-judged every
   frame (a companion standing still while the other walks past is a passing
   pair from the moment the walker moves); two standing still move straight
   apart. Side-steps change at walking pace (``MAX_SIDESTEP_M`` a frame), and
   never into a fixture.
2. **No overlap** (hard, ``BODY_M``): whatever the side-steps could not do in
   time is projected away, frame by frame: every pair of centres closer than
   ``BODY_M`` is moved apart along the line between them (a few Gauss-Seidel
   sweeps for crowds of three or more), again never into a fixture.

Someone with a hand in a shelf holds their ground (the other gives way), and
their hand stays on the item while the body moves. Everything is in time
order and uses no randomness, so the twin stays deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from walkout.twin.body import L_ELB, L_HAND, L_WRI, NECK, R_ELB, R_HAND, R_WRI
from walkout.twin.plan import PersonPlan

BODY_M = 0.38  # two people's centres are never closer than this (squeezing past sideways)
PERSONAL_M = 0.6  # people start to side-step when this close
MAX_SIDESTEP_M = 0.12  # a side-step moves a body at most this far per frame (1.8 m/s at 15 Hz)
PASSING_MPS = 0.2  # slower relative motion than this: the pair is standing
HARD_SWEEPS = 30
_ARMS = [L_ELB, R_ELB, L_WRI, R_WRI, L_HAND, R_HAND]

Walkable = Callable[[np.ndarray], bool]


@dataclass
class SpacingState:
    """What carries over between windows: each close pair's side, each person's side-step."""

    sides: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    pushes: dict[str, np.ndarray] = field(default_factory=dict)

    def forget(self, person_id: str) -> None:
        self.sides = {k: v for k, v in self.sides.items() if person_id not in k}
        self.pushes.pop(person_id, None)


def keep_apart(
    times: np.ndarray,
    people: list[PersonPlan],
    true: np.ndarray,
    present: np.ndarray,
    floor: np.ndarray,
    state: SpacingState,
    walkable: Walkable | None = None,
) -> np.ndarray:
    """Move the bodies of ``true`` (frames, people, joints, 3) apart in place; returns
    the (frames, people, 2) offsets applied (to every joint, and to the planned floor
    points ``floor``, (frames, people, 2), where the feet are)."""
    n, m = present.shape
    push = np.zeros((n, m, 2))
    if m < 2 or n == 0:
        return push
    head = true[:, :, NECK, :2]  # the torso: where two bodies would collide
    both = present[:, :, None] & present[:, None, :]
    upper = np.triu(np.ones((m, m), dtype=bool), k=1)[None]
    with np.errstate(invalid="ignore"):
        dist = np.linalg.norm(head[:, :, None, :] - head[:, None, :, :], axis=3)
        close = (dist < PERSONAL_M) & both & upper
    ids = [p.id for p in people]
    if not close.any() and not any(np.any(state.pushes.get(i, 0.0)) for i in ids):
        here = set(ids)
        for key in [k for k in state.sides if k[0] in here and k[1] in here]:
            del state.sides[key]  # everyone apart: pairs forget how they side-stepped
        return push
    steady = _steadiness(times, people, present)
    if close.any():
        _side_steps(times, ids, head, close, steady, push, state.sides, walkable)
    # a pair that has parted forgets its side: next time may be the other way
    index = {pid: i for i, pid in enumerate(ids)}
    last = dist[-1]
    for key in [k for k in state.sides if k[0] in index and k[1] in index]:
        if not (last[index[key[0]], index[key[1]]] < PERSONAL_M):
            del state.sides[key]
    _walk_frames(ids, (head, floor), present, push, steady, state.pushes, state.sides, walkable)
    # a hand in a shelf stays on the item: only the body gives way
    true[:, :, :, :2] += push[:, :, None, :]
    true[:, :, _ARMS, :2] -= (push * (1.0 - steady)[:, :, None])[:, :, None, :]
    return push


def _steadiness(times: np.ndarray, people: list[PersonPlan], present: np.ndarray) -> np.ndarray:
    """1 walking free, 0 with a hand in a shelf (or reaching to a point in the world)."""
    steady = np.ones(present.shape)
    for i, p in enumerate(people):
        for mv in p.arms:
            if mv.frame == "world" and mv.t3 >= times[0] and mv.t0 <= times[-1]:
                steady[:, i] = np.minimum(steady[:, i], 1.0 - mv.weight(times))
    return steady


def _split(
    gap: float,
    u: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    wa: float,
    wb: float,
    walkable: Walkable | None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Moves of two bodies at ``a`` and ``b`` that open ``gap`` along ``u`` (a away from b),
    shared by steadiness; all on one when the other would step into a fixture."""
    wa, wb = wa + 1e-3, wb + 1e-3
    pa, pb = -u * gap * wa / (wa + wb), u * gap * wb / (wa + wb)
    if walkable is not None:
        ok_a, ok_b = walkable(a + pa), walkable(b + pb)
        if not ok_a and ok_b:
            pa, pb = np.zeros(2), u * gap
        elif ok_a and not ok_b:
            pa, pb = -u * gap, np.zeros(2)
        elif not ok_a and not ok_b:
            return None
    return pa, pb


def _side_steps(
    times: np.ndarray,
    ids: list[str],
    head: np.ndarray,
    close: np.ndarray,
    steady: np.ndarray,
    push: np.ndarray,
    sides: dict[tuple[str, str], np.ndarray],
    walkable: Walkable | None,
) -> None:
    """Soft pass: the side-step each close pair wants, frame by frame, from the plans."""
    n = len(times)
    if n > 1:
        with np.errstate(invalid="ignore"):
            vel = np.gradient(head, times, axis=0)
    else:
        vel = np.zeros_like(head)
    for k, i, j in np.argwhere(close):
        key = (ids[i], ids[j])
        delta = head[k, j] - head[k, i]
        nd = float(np.hypot(*delta))
        rel = vel[k, j] - vel[k, i]
        speed = float(np.hypot(*rel)) if not np.isnan(rel).any() else 0.0
        stored = sides.get(key)
        if speed >= PASSING_MPS:  # passing: round each other on a circle of PERSONAL_M
            w = rel / speed
            u = np.array([-w[1], w[0]])
            ref = stored if stored is not None else delta
            if float(np.dot(ref, u)) < 0:
                u = -u
            along = float(np.dot(delta, w))
            sides[key] = u
            if abs(along) >= PERSONAL_M:
                continue
            gap = float(np.sqrt(PERSONAL_M**2 - along**2)) - float(np.dot(delta, u))
        else:  # standing: straight apart
            fallback = stored if stored is not None else np.array([1.0, 0.0])
            u = delta / nd if nd > 0.05 else fallback
            sides[key] = u
            gap = PERSONAL_M - nd
        if gap <= 0:
            continue
        moves = _split(gap, u, head[k, i], head[k, j], steady[k, i], steady[k, j], walkable)
        if moves is not None:
            push[k, i] += moves[0]
            push[k, j] += moves[1]


def _walk_frames(
    ids: list[str],
    points: tuple[np.ndarray, np.ndarray],
    present: np.ndarray,
    push: np.ndarray,
    steady: np.ndarray,
    last_push: dict[str, np.ndarray],
    sides: dict[tuple[str, str], np.ndarray],
    walkable: Walkable | None,
) -> None:
    """Frame by frame, in time order: each body's side-step moves towards what is
    wanted (``push``, replaced by what is done) at walking pace, easing back when it
    would step into a shelf; then any two bodies still closer than BODY_M are moved
    apart. What a frame did is where the next one starts, so nobody jumps and no
    pair swaps sides through each other."""
    n, m = present.shape
    neck, floor = points
    prev = np.stack([last_push.get(pid, np.zeros(2)) for pid in ids]).astype(float)
    both = present[:, :, None] & present[:, None, :] & ~np.eye(m, dtype=bool)[None]
    fallback = np.zeros((m, m, 2))
    fallback[..., 0] = np.sign(np.arange(m)[None, :] - np.arange(m)[:, None])
    index = {pid: i for i, pid in enumerate(ids)}
    for (a, b), u in sides.items():
        if a in index and b in index:
            fallback[index[a], index[b]], fallback[index[b], index[a]] = u, -u
    # closest pair of each frame as planned: no overlap is possible where it beats
    # BODY_M by more than the two largest side-steps
    planned = np.full(n, np.inf)
    for pts in points:
        with np.errstate(invalid="ignore"):
            d = np.linalg.norm(pts[:, :, None, :] - pts[:, None, :, :], axis=3)
        planned = np.minimum(planned, np.where(both, d, np.inf).min(axis=(1, 2)))
    lim = MAX_SIDESTEP_M
    for k in range(n):
        on = present[k]
        step = push[k] - prev
        size = np.hypot(step[:, 0], step[:, 1])
        cand = prev + step * np.minimum(1.0, lim / np.maximum(size, 1e-12))[:, None]
        cand[~on] = prev[~on]
        if walkable is not None:
            for i in np.nonzero(on & (size > 1e-9))[0]:
                if not walkable(neck[k, i] + cand[i]):
                    back = float(np.hypot(*prev[i]))
                    cand[i] = prev[i] * (max(0.0, 1.0 - lim / back) if back > 0 else 0.0)
        prev = cand
        if planned[k] < BODY_M + 2.0 * float(np.abs(prev).sum(axis=1).max()):
            _separate(k, (neck, floor), both[k], prev, steady[k].copy(), fallback, walkable)
        push[k] = prev
    for i, pid in enumerate(ids):
        last_push[pid] = prev[i].copy()


def _separate(
    k: int,
    points: tuple[np.ndarray, np.ndarray],
    pairs: np.ndarray,
    off: np.ndarray,
    steady: np.ndarray,
    fallback: np.ndarray,
    walkable: Walkable | None,
) -> None:
    """Move apart (in ``off``) bodies whose torsos or feet are closer than BODY_M at
    frame ``k``. Each sweep moves everyone at once by the mean of their overlaps (so
    someone squeezed between two others steps out, not back and forth, and a crowd
    flings nobody); a body that would step into a fixture holds and the others give way."""
    w = steady + 1e-3
    for _ in range(HARD_SWEEPS):
        corr = np.zeros_like(off)
        count = np.zeros(len(off))
        hit = False
        for pts in points:
            p = pts[k] + off
            s = p[None, :, :] - p[:, None, :]  # s[i, j]: from i to j
            with np.errstate(invalid="ignore"):
                d = np.hypot(s[..., 0], s[..., 1])
                viol = pairs & (d < BODY_M - 1e-6)
            if not viol.any():
                continue
            hit = True
            with np.errstate(invalid="ignore", divide="ignore"):
                u = np.where((d > 1e-3)[..., None], s / d[..., None], fallback)
            gap = np.where(viol, BODY_M - d + 1e-4, 0.0)
            share = w[:, None] / (w[:, None] + w[None, :])
            corr -= np.nansum(u * (gap * share)[..., None], axis=1)
            count += viol.sum(axis=1)
        if not hit:
            return
        # averaged, not summed, over a body's overlaps: a crowd does not fling anyone
        corr /= np.maximum(count, 1.0)[:, None]
        for i in np.nonzero(np.hypot(corr[:, 0], corr[:, 1]) > 1e-9)[0]:
            feet = points[1][k, i] + off[i] + corr[i]
            if walkable is not None and w[i] > 0.01 and not walkable(feet):
                w[i] = 1e-4  # against a fixture: holds, the others give way
                continue
            off[i] += corr[i]
