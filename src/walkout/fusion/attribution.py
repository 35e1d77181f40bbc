"""Who took it: each tracked person's hands against the shelf, over the event.

The taker's hand is inside the box above the plates that changed at the moment
the weight changed; a neighbour's hands are at their side, on another plate,
or reaching a moment later. A track's score is how close its nearest hand or
wrist came to that box in the window around the change, under a Gaussian of
``hand_sd_m``; "nobody we track" keeps a small weight of its own, so that an
empty shelf front does not hand the item to whoever stood farthest away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from walkout.domain.layout import Layout
from walkout.fusion.config import EngineConfig
from walkout.fusion.tracks import HANDS, TrackBuffer

ABOVE_M = 0.45  # hands grip items up to this far above the shelf
BOARD_M = 0.03  # ... and below the shelf over it, whose board is about this thick
FRONT_M = 0.03  # ... and this far in front of its edge (a hand that took is over the plate)
HAND_SIDES = ("left", "right", "left", "right")  # of HANDS: l_hand, r_hand, l_wrist, r_wrist
SMOOTH = 3  # hand positions are averaged over this many frames (0.2 s): one frame's jitter is not a reach


@dataclass(frozen=True)
class Region:
    """Where the hand that moved the weight must have been, in the shelf's own
    frame (along the shelf, outwards, up): above the plates that changed, and
    along the shelf near the centre of the weight that moved (the unit's lane).
    Hands are measured against the box, and, along the shelf, against that
    centre: a neighbour reaching the next facing is inside a wide box too, but
    not where the unit was."""

    origin: np.ndarray
    along: np.ndarray
    out: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    centre_u: float | None = None
    lane_m: float = 0.06

    def distance(self, pts: np.ndarray) -> np.ndarray:
        rel = pts - self.origin
        local = np.stack([rel @ self.along, rel @ self.out, rel[..., 2]], axis=-1)
        excess = np.maximum(np.maximum(self.lo - local, local - self.hi), 0.0)
        if self.centre_u is not None:  # along the shelf: how far from the unit's lane
            excess[..., 0] = np.maximum(np.abs(local[..., 0] - self.centre_u) - self.lane_m, 0.0)
        return np.linalg.norm(excess, axis=-1)


def region(layout: Layout, plates: list[str], mass: dict[str, float] | None = None) -> Region:
    geoms = [layout.plate(p) for p in plates]
    g0 = geoms[0]
    along = g0.corners[1] - g0.corners[0]
    along = along / np.linalg.norm(along)
    out = g0.outward
    origin = g0.corners[0]
    us = [float((c - origin) @ along) for g in geoms for c in g.corners]
    ns = [float((c - origin) @ out) for g in geoms for c in g.corners]
    z = float(np.mean([g.center[2] for g in geoms])) - float(origin[2])
    # a hand gripping an item is above its shelf and below the shelf over it
    room = layout.headroom(g0.fixture, g0.shelf)
    above = ABOVE_M if room is None else min(ABOVE_M, room - BOARD_M)
    lo = np.array([min(us) - 0.04, min(ns), z - 0.05])
    hi = np.array([max(us) + 0.04, max(ns) + FRONT_M, z + above])
    centre = None
    if mass:
        total = sum(abs(mass.get(p, 0.0)) for p in plates)
        if total > 0:
            centre = (
                sum(
                    abs(mass.get(p, 0.0)) * float((g.center - origin) @ along)
                    for p, g in zip(plates, geoms, strict=True)
                )
                / total
            )
    return Region(origin=origin, along=along, out=out, lo=lo, hi=hi, centre_u=centre)


def closest_approach(
    reg: Region, tracks: TrackBuffer, t0: float, t1: float
) -> dict[str, tuple[float, float]]:
    """track id -> (closest hand distance to the region, when), over [t0, t1]."""
    out: dict[str, tuple[float, float]] = {}
    for tr in tracks.alive(t0, t1):
        ts, js = tr.window(t0, t1)
        if len(ts) == 0:
            continue
        d = reg.distance(_smoothed(js[:, HANDS, :]))  # (frames, hands)
        d = np.where(np.isnan(d), np.inf, d)
        k = np.unravel_index(int(np.argmin(d)), d.shape)
        out[tr.id] = (float(d[k]), float(ts[k[0]]))
    return out


def presence(reg: Region, tracks: TrackBuffer, t0: float, t1: float, sd: float) -> dict[str, float]:
    """track id -> how much of [t0, t1] a hand of it spent at the region: the mean over
    its frames of the Gaussian score of its nearest hand. Around one lift of several,
    the hand that lifted was there all along; one arriving for the next lift, or
    leaving after the last, only for part of it."""
    out: dict[str, float] = {}
    for tr in tracks.alive(t0, t1):
        ts, js = tr.window(t0, t1)
        if len(ts) == 0:
            continue
        d = reg.distance(_smoothed(js[:, HANDS, :]))  # (frames, hands)
        d = np.where(np.isnan(d), np.inf, d).min(axis=1)
        seen = np.isfinite(d)
        if seen.any():
            out[tr.id] = float(np.mean(np.exp(-0.5 * (d[seen] / sd) ** 2)))
    return out


def nearest_hand(reg: Region, tracks: TrackBuffer, track: str, t0: float, t1: float) -> str | None:
    """Which of the track's hands ("left" or "right") came closest to the region over
    [t0, t1]: the hand that holds what it took."""
    tr = tracks.tracks.get(track)
    if tr is None:
        return None
    _, js = tr.window(t0, t1)
    if not len(js):
        return None
    d = reg.distance(_smoothed(js[:, HANDS, :]))
    d = np.where(np.isnan(d), np.inf, d)
    if not np.isfinite(d).any():
        return None
    k = int(np.argmin(d)) % len(HANDS)
    return HAND_SIDES[k]


def _smoothed(pts: np.ndarray) -> np.ndarray:
    """Running mean over SMOOTH frames (frames, joints, 3), ignoring missing joints."""
    if len(pts) < SMOOTH:
        return pts
    ok = ~np.isnan(pts)
    v = np.where(ok, pts, 0.0)
    c = np.cumsum(v, axis=0)
    n = np.cumsum(ok, axis=0)
    c[SMOOTH:] = c[SMOOTH:] - c[:-SMOOTH]
    n[SMOOTH:] = n[SMOOTH:] - n[:-SMOOTH]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = c / n
    return np.where(n > 0, out, np.nan)


def track_probabilities(
    approach: dict[str, tuple[float, float]],
    cfg: EngineConfig,
    sd_m: float | None = None,
    weight: float = 1.0,
) -> dict[str | None, float]:
    """P(track did it), with None for "nobody we track". ``sd_m`` and ``weight``:
    a looser, weaker reading of the hands (default ``hand_sd_m``, full weight)."""
    sd = cfg.hand_sd_m if sd_m is None else sd_m
    return score_probabilities(
        {
            tid: weight * float(np.exp(-0.5 * (d / sd) ** 2))
            for tid, (d, _) in approach.items()
            if np.isfinite(d)
        },
        cfg,
    )


def score_probabilities(scores: dict[str, float], cfg: EngineConfig) -> dict[str | None, float]:
    """Hand scores as P(track did it), with None for "nobody we track"."""
    out: dict[str | None, float] = dict(scores)
    out[None] = cfg.none_score
    total = sum(out.values())
    return {k: v / total for k, v in out.items()}
