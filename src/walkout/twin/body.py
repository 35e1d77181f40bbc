"""Bodies: where a simulated person's joints are at any moment.

A person is a path on the floor (keyframes) plus arm moves. Joints follow from
a simple kinematic skeleton: shoulders either side of the neck, wrists resting
at the hips or sent to a target (a shelf, a hand-off point, a pocket), elbows
between. Crouching for low shelves and leaning forward for far ones move the
whole upper body, as they do in the AiFi tracks.

Everything is vectorised over time, because the tracker renders 15 frames a
second for everyone in the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Joint order of the arrays this module returns (same as the event log's JOINTS).
HEAD, NECK, L_SHO, R_SHO, L_ELB, R_ELB, L_WRI, R_WRI, L_HAND, R_HAND = range(10)
LEFT, RIGHT = 0, 1
ARM_M = 0.75  # shoulder to fingertips


def smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


@dataclass
class ArmMove:
    """Send one hand to ``target`` (t0->t1), keep it there (t1->t2), bring it back (t2->t3).

    ``frame`` "world": target in store coordinates (a shelf, a meeting point).
    ``frame`` "body": (forward, left, height) relative to the person (holding an
    item up to look at it, a pocket).
    """

    hand: int
    t0: float
    t1: float
    t2: float
    t3: float
    target: tuple[float, float, float]
    frame: str = "world"

    def weight(self, t: np.ndarray) -> np.ndarray:
        up = smoothstep((t - self.t0) / max(self.t1 - self.t0, 1e-6))
        down = 1.0 - smoothstep((t - self.t2) / max(self.t3 - self.t2, 1e-6))
        return np.minimum(up, down)


@dataclass
class Keyframes:
    """A piecewise-linear path on the floor with a heading at each keyframe."""

    t: list[float] = field(default_factory=list)
    xy: list[tuple[float, float]] = field(default_factory=list)
    heading: list[float] = field(default_factory=list)

    def add(self, t: float, xy: np.ndarray | tuple[float, float], heading: float) -> None:
        if self.t and t < self.t[-1]:
            raise ValueError("keyframes must not go back in time")
        if self.heading:  # keep headings continuous so interpolation turns the short way
            prev = self.heading[-1]
            heading = prev + (heading - prev + np.pi) % (2 * np.pi) - np.pi
        self.t.append(float(t))
        self.xy.append((float(xy[0]), float(xy[1])))
        self.heading.append(float(heading))

    @property
    def end(self) -> float:
        return self.t[-1]

    @property
    def last_xy(self) -> np.ndarray:
        return np.array(self.xy[-1])

    def at(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = np.asarray(self.t)
        xy = np.asarray(self.xy)
        x = np.interp(times, t, xy[:, 0])
        y = np.interp(times, t, xy[:, 1])
        h = np.interp(times, t, np.asarray(self.heading))
        return np.stack([x, y], axis=1), h


def joints(
    times: np.ndarray,
    kf: Keyframes,
    height: float,
    arms: list[ArmMove],
) -> np.ndarray:
    """(n, 10, 3) joint positions for the given times."""
    n = len(times)
    pos, head = kf.at(times)
    fwd = np.stack([np.cos(head), np.sin(head)], axis=1)
    left = np.stack([-fwd[:, 1], fwd[:, 0]], axis=1)

    crouch = np.zeros(n)
    lean = np.zeros(n)
    lean_dir = fwd.copy()
    targets = [np.full((n, 3), np.nan), np.full((n, 3), np.nan)]
    weights = [np.zeros(n), np.zeros(n)]
    sho_h = 0.81 * height
    for m in arms:
        if m.t3 < times[0] or m.t0 > times[-1]:
            continue
        w = m.weight(times)
        active = w > 0
        if not active.any():
            continue
        if m.frame == "world":
            tgt = np.broadcast_to(np.asarray(m.target, dtype=float), (n, 3))
            crouch = np.maximum(crouch, w * float(np.clip(0.85 - m.target[2], 0.0, 0.8)))
            side = 0.19 if m.hand == LEFT else -0.19
            sho_xy = pos + left * side
            to = tgt[:, :2] - sho_xy
            reach = np.linalg.norm(to, axis=1)
            # a far item: lean towards it, even step in, but never onto it
            amount = w * np.clip(reach - 0.45, 0.0, 0.8)
            more = amount > lean
            lean_dir = np.where(more[:, None], to / np.maximum(reach, 1e-9)[:, None], lean_dir)
            lean = np.maximum(lean, amount)
        else:
            f, lft, z = m.target
            txy = pos + fwd * f + left * lft
            tgt = np.concatenate([txy, np.full((n, 1), z)], axis=1)
        cur_w = weights[m.hand]
        take = w >= cur_w
        targets[m.hand] = np.where(take[:, None], tgt, targets[m.hand])
        weights[m.hand] = np.maximum(cur_w, w)

    out = np.empty((n, 10, 3))
    lean_xy = lean_dir * lean[:, None]
    drop = crouch
    out[:, HEAD, :2] = pos + lean_xy * 1.0
    out[:, HEAD, 2] = height - 0.11 - drop - 0.15 * lean
    out[:, NECK, :2] = pos + lean_xy * 0.85
    out[:, NECK, 2] = 0.83 * height - drop - 0.12 * lean
    for hand, sho_j, elb_j, wri_j, hand_j, side in (
        (LEFT, L_SHO, L_ELB, L_WRI, L_HAND, 1.0),
        (RIGHT, R_SHO, R_ELB, R_WRI, R_HAND, -1.0),
    ):
        sho = np.empty((n, 3))
        sho[:, :2] = pos + lean_xy * 0.8 + left * (0.19 * side)
        sho[:, 2] = sho_h - drop - 0.1 * lean
        rest = np.empty((n, 3))
        rest[:, :2] = pos + fwd * 0.06 + left * (0.23 * side)
        rest[:, 2] = 0.5 * height - drop * 0.8
        w = weights[hand][:, None]
        tgt = np.where(np.isnan(targets[hand]), rest, targets[hand])
        hand_pt = rest * (1.0 - w) + tgt * w
        # keep the hand within arm's reach of the shoulder: arms do not stretch
        d = hand_pt - sho
        dist = np.linalg.norm(d, axis=1, keepdims=True)
        hand_pt = np.where(dist > ARM_M, sho + d * (ARM_M / np.maximum(dist, 1e-9)), hand_pt)
        fore = hand_pt - sho
        wrist = (
            hand_pt - (fore / np.maximum(np.linalg.norm(fore, axis=1, keepdims=True), 1e-9)) * 0.07
        )
        elbow = (sho + wrist) / 2.0
        elbow[:, :2] += left * (0.05 * side)
        elbow[:, 2] -= 0.07
        out[:, sho_j] = sho
        out[:, elb_j] = elbow
        out[:, wri_j] = wrist
        out[:, hand_j] = hand_pt
    return out
