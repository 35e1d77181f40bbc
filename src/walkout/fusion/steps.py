"""Event splitting: the separate lifts inside one shelf event.

Two shoppers taking from one shelf half a second apart make one plate change
(the plates never settle in between), but the weight leaves in two jumps: one
per lift, each on the plates under that unit, each at the moment that hand
lifted. Found in 0.1-s means of the raw samples, the jumps give each unit its
own time and lane, so each can be given to its own hand. (The AiFi
competition's winner gained 5.6 F1 points from splitting events.)

A hand pressing on the shelf before it lifts shows as a small jump up and one
back down; those are far smaller than a unit and are not counted as lifts, and
a split is only used when the lifts add up to the event and each is a whole
number of the event's units.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from walkout.domain.catalogue import Product
from walkout.fusion.detect import PlateChange

WINDOW_S = 0.1  # the weight curve is read in means over this long
MAX_UNITS = 6  # more units than this in one event are not split (too many ways)
MAX_STEPS = 4
EDGE_SHARE = 0.15  # a window beside a jump moving by this share of a jump, the same way, is in it
EDGE_MIN_G = 3.0  # ... and by at least this much (noise of a 0.1-s mean is well under)
LIFT_GAP_S = 0.25  # plates whose weight moved fastest this close in time moved in one lift


@dataclass(frozen=True)
class Step:
    """One jump of the weight: when, and how many grams on each plate."""

    t: float
    plates: dict[str, float]

    @property
    def grams(self) -> float:
        return sum(self.plates.values())


def find_steps(
    times: np.ndarray, samples: np.ndarray, plates: list[str], min_g: float
) -> list[Step]:
    """Jumps of the summed weight bigger than ``min_g`` between 0.1-s windows.

    Adjacent windows that both jump the same way are one jump (a lift caught
    across a window's edge); its grams run from the window before the first to
    the window after the last."""
    if len(times) < 4 or samples.ndim != 2 or samples.shape[1] != len(plates):
        return []
    if np.any(np.diff(times) < 0):  # batches a controller's clock stamped overlapping
        order = np.argsort(times, kind="stable")
        times, samples = times[order], samples[order]
    k = np.floor((times - times[0]) / WINDOW_S).astype(int)
    n = int(k[-1]) + 1
    counts = np.bincount(k, minlength=n).astype(float)
    ok = counts > 0
    if ok.sum() < 3:
        return []
    sums = np.zeros((n, samples.shape[1]))
    clean = np.nan_to_num(samples, nan=0.0)
    for j in range(samples.shape[1]):
        sums[:, j] = np.bincount(k, weights=clean[:, j], minlength=n)
    means = sums[ok] / counts[ok, None]
    t_mid = times[0] + (np.nonzero(ok)[0] + 0.5) * WINDOW_S
    total = means.sum(axis=1)
    jump = np.diff(total)
    big = np.abs(jump) > min_g
    # a lift's ramp falls across window edges: its flanks, moving the same way, are part of it
    moving = np.abs(jump) > max(EDGE_SHARE * min_g, EDGE_MIN_G)
    out: list[Step] = []
    i = 0
    done = 0  # windows before this belong to earlier jumps
    while i < len(jump):
        if not big[i]:
            i += 1
            continue
        sign = np.sign(jump[i])
        j = i
        while j + 1 < len(jump) and moving[j + 1] and np.sign(jump[j + 1]) == sign:
            j += 1
        while i - 1 >= done and moving[i - 1] and np.sign(jump[i - 1]) == sign:
            i -= 1
        d = means[j + 1] - means[i]
        out.append(
            Step(
                t=float((t_mid[i] + t_mid[j + 1]) / 2),
                plates={p: float(x) for p, x in zip(plates, d, strict=True)},
            )
        )
        i = done = j + 1
    return out


def plate_steps(changes: list[PlateChange], take: bool) -> list[Step]:
    """Lifts told apart by which plates moved when: each plate's own change, between
    its calm levels before and after, and the moment it moved fastest. Plates that
    moved together are one lift. Unlike the summed curve, a hand pressing or
    bouncing the shelf between two lifts leaves these untouched; but a plate that
    two lifts both took from is one change, and only the curve can cut it."""
    moved = sorted(
        (c for c in changes if c.ts is not None and abs(c.delta) > 3.0 and (c.delta < 0) == take),
        key=lambda c: (c.ts, c.plate),
    )
    if len(moved) < 2:
        return []
    groups: list[list[PlateChange]] = [[moved[0]]]
    for c in moved[1:]:
        last = groups[-1][-1]
        if c.ts - last.ts <= LIFT_GAP_S:  # type: ignore[operator]
            groups[-1].append(c)
        else:
            groups.append([c])
    if len(groups) < 2:
        return []
    out = []
    for g in groups:
        w = sum(abs(c.delta) for c in g)
        t = sum(c.ts * abs(c.delta) for c in g) / w  # type: ignore[operator]
        plates: dict[str, float] = {}
        for c in g:
            plates[c.plate] = plates.get(c.plate, 0.0) + c.delta
        out.append(Step(t=float(t), plates=plates))
    return out


def assign_units(
    steps: list[Step],
    items: list[tuple[str, int]],
    products: dict[str, Product],
    net_g: float,
) -> tuple[list[dict[str, int]], float] | None:
    """Which of the event's units left in which jump by weight alone (see
    ``fit_units``): (units per jump, worst z-score) of the best fit, or None."""
    fits = fit_units(steps, items, products, net_g)
    return (fits[0][0], fits[0][1]) if fits else None


def fit_units(
    steps: list[Step],
    items: list[tuple[str, int]],
    products: dict[str, Product],
    net_g: float,
) -> list[tuple[list[dict[str, int]], float, float]]:
    """Every way the event's units can have left in its jumps (each jump holding at
    least one unit, the grams of each fitting its units within 3.5 sd), best weight
    fit first: (units per jump, worst z-score, sum of squared z-scores). Look-alike
    units fit either way round; where each jump happened tells them apart, which is
    the caller's to judge. Empty when nothing fits, the jumps do not add up to the
    event, or there are too many ways to try."""
    units = [sku for sku, q in items for _ in range(q)]
    if len(steps) < 2 or len(steps) > MAX_STEPS or len(units) > MAX_UNITS:
        return []
    if len(units) < len(steps):
        return []
    total = sum(s.grams for s in steps)
    unit_w = [products[u].weight_g for u in units]
    if abs(total - net_g) > 0.4 * min(unit_w):
        return []
    found: dict[tuple[tuple[tuple[str, int], ...], ...], tuple[float, float]] = {}
    for combo in itertools.product(range(len(steps)), repeat=len(units)):
        if len(set(combo)) < len(steps):
            continue
        parts: list[dict[str, int]] = [{} for _ in steps]
        for u, c in zip(units, combo, strict=True):
            parts[c][u] = parts[c].get(u, 0) + 1
        key = tuple(tuple(sorted(pt.items())) for pt in parts)
        if key in found:
            continue
        cost, worst = 0.0, 0.0
        for st, pt in zip(steps, parts, strict=True):
            mu = sum(products[u].weight_g * q for u, q in pt.items())
            sd = math.sqrt(
                sum(products[u].weight_sd_g ** 2 * q for u, q in pt.items())
                + (0.05 * mu) ** 2
                + 8.0**2
            )
            z = abs(abs(st.grams) - mu) / sd
            cost += z * z
            worst = max(worst, z)
        if worst <= 3.5:
            found[key] = (cost, worst)
    ranked = sorted(found.items(), key=lambda kv: (kv[1][0], kv[1][1], kv[0]))
    return [([dict(pt) for pt in key], worst, cost) for key, (cost, worst) in ranked]
