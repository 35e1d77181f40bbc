"""What a camera cannot see: fixtures (boxes, ray-cast once per camera into a
coarse depth map) and nearer people (vertical body cylinders, per frame).

A fixture's front strip is left open, as a camera looking into a shelf sees a
hand in it; people's cylinders hide only what lies beyond them, since bodies
do not overlap even where the twin's paths do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from walkout.domain.layout import Layout
from walkout.domain.store import Camera


@dataclass
class Boxes:
    """Fixture boxes as origin, unit axes and extents, for segment tests."""

    origin: np.ndarray  # (B, 2)
    ex: np.ndarray  # (B, 2)
    ey: np.ndarray  # (B, 2)
    lo: np.ndarray  # (B, 3)
    hi: np.ndarray  # (B, 3)
    centre: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.centre = self.origin + (self.ex * self.hi[:, :1] + self.ey * self.hi[:, 1:2]) / 2


def fixture_boxes(layout: Layout, open_front_m: float) -> Boxes:
    o, ex, ey, lo, hi = [], [], [], [], []
    for f in layout.fixtures:
        c = f.footprint
        length = float(np.linalg.norm(c[1] - c[0]))
        depth = float(np.linalg.norm(c[3] - c[0]))
        o.append(c[0])
        ex.append((c[1] - c[0]) / max(length, 1e-9))
        ey.append((c[3] - c[0]) / max(depth, 1e-9))
        front = 0.0 if f.kind == "obstacle" else min(open_front_m, depth / 2)
        lo.append((0.0, front, 0.0))
        hi.append((length, depth, f.height))
    arr = [
        np.asarray(x, dtype=float).reshape(-1, w)
        for x, w in ((o, 2), (ex, 2), (ey, 2), (lo, 3), (hi, 3))
    ]
    return Boxes(*arr)


def first_hit(c: np.ndarray, dirs: np.ndarray, boxes: Boxes) -> np.ndarray:
    """Distance from ``c`` along unit ``dirs`` (N, 3) to the first box it enters (inf: none)."""
    if len(boxes.lo) == 0:
        return np.full(len(dirs), np.inf)
    rel_c = c[None, :2] - boxes.origin  # (B, 2)
    cl = np.stack(
        [np.sum(rel_c * boxes.ex, 1), np.sum(rel_c * boxes.ey, 1), np.full(len(rel_c), c[2])], 1
    )
    dl = np.stack(
        [
            dirs[:, None, 0] * boxes.ex[None, :, 0] + dirs[:, None, 1] * boxes.ex[None, :, 1],
            dirs[:, None, 0] * boxes.ey[None, :, 0] + dirs[:, None, 1] * boxes.ey[None, :, 1],
            np.broadcast_to(dirs[:, None, 2], (len(dirs), len(cl))),
        ],
        2,
    )  # (N, B, 3)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / dl
        t0 = (boxes.lo[None] - cl[None]) * inv
        t1 = (boxes.hi[None] - cl[None]) * inv
    inside = (cl[None] >= boxes.lo[None]) & (cl[None] <= boxes.hi[None])
    par = dl == 0
    tlo = np.where(par, np.where(inside, -np.inf, np.inf), np.minimum(t0, t1)).max(axis=2)
    thi = np.where(par, np.where(inside, np.inf, -np.inf), np.maximum(t0, t1)).min(axis=2)
    hit = thi >= np.maximum(tlo, 0.0)
    return np.where(hit, np.maximum(tlo, 0.0), np.inf).min(axis=1)


def depth_map(cam: Camera, boxes: Boxes, step: int = 8) -> np.ndarray:
    """(rows, cols) distance to the nearest fixture through every ``step``-th pixel:
    a point farther than that along its pixel's ray is hidden. Fixtures do not
    move, so this is computed once per camera; each box is tested only against
    the rays inside its projected outline."""
    intr = cam.intrinsics
    us = np.arange(step / 2, intr.width, step)
    vs = np.arange(step / 2, intr.height, step)
    gu, gv = np.meshgrid(us, vs)
    pix = np.column_stack([gu.ravel(), gv.ravel()]).reshape(-1, 1, 2)
    dist = np.asarray(intr.distortion or [0.0] * 4, dtype=float)
    ray = cv2.undistortPoints(pix, intr.matrix(), dist).reshape(-1, 2)
    r = cam.rotation()
    d = np.column_stack([ray, np.ones(len(ray))]) @ r  # camera -> world
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    c = cam.position()
    t = np.asarray(cam.extrinsics.tvec, dtype=float)
    out = np.full(len(d), np.inf)
    for b in range(len(boxes.lo)):
        one = Boxes(*(x[b : b + 1] for x in (boxes.origin, boxes.ex, boxes.ey, boxes.lo, boxes.hi)))
        corners = _box_corners(one)
        pc = corners @ r.T + t
        if (pc[:, 2] > 1e-3).all():
            xy = pc[:, :2] / pc[:, 2:]
            lo, hi = xy.min(axis=0), xy.max(axis=0)
            sel = np.nonzero(
                (ray[:, 0] >= lo[0])
                & (ray[:, 0] <= hi[0])
                & (ray[:, 1] >= lo[1])
                & (ray[:, 1] <= hi[1])
            )[0]
        elif (pc[:, 2] <= 1e-3).all():
            continue
        else:
            sel = np.arange(len(d))
        if len(sel):
            out[sel] = np.minimum(out[sel], first_hit(c, d[sel], one))
    return out.reshape(gu.shape)


def _box_corners(one: Boxes) -> np.ndarray:
    lo, hi = one.lo[0], one.hi[0]
    pts = []
    for x in (lo[0], hi[0]):
        for y in (lo[1], hi[1]):
            xy = one.origin[0] + one.ex[0] * x + one.ey[0] * y
            pts += [(xy[0], xy[1], lo[2]), (xy[0], xy[1], hi[2])]
    return np.asarray(pts)


def people_blocked(
    c: np.ndarray, pts: np.ndarray, axes: np.ndarray, tops: np.ndarray, radius: float
) -> np.ndarray:
    """(F, P, K) points of each person hidden by another's body cylinder, per frame.

    ``pts`` (F, P, K, 3); ``axes`` (F, P, 2) cylinder axes (NaN: absent); ``tops`` (F, P).
    """
    nf, npp, nk, _ = pts.shape
    q = pts.reshape(nf, npp * nk, 3)
    d = q - c[None, None, :]  # (F, Q, 3)
    a = d[..., 0] ** 2 + d[..., 1] ** 2  # (F, Q)
    rel = c[None, None, :2] - axes  # (F, P, 2): camera relative to every axis
    b = 2 * (d[:, :, None, 0] * rel[:, None, :, 0] + d[:, :, None, 1] * rel[:, None, :, 1])
    cc = np.sum(rel**2, axis=2)[:, None, :] - radius**2  # (F, 1, P)
    disc = b * b - 4 * a[..., None] * cc
    with np.errstate(invalid="ignore", divide="ignore"):
        sq = np.sqrt(np.maximum(disc, 0))
        s1 = (-b - sq) / (2 * a[..., None])
        s2 = (-b + sq) / (2 * a[..., None])
    lo, hi = np.maximum(s1, 0.0), np.minimum(s2, 0.999)
    z_lo = c[2] + d[..., 2][..., None] * lo
    z_hi = c[2] + d[..., 2][..., None] * hi
    zmin, zmax = np.minimum(z_lo, z_hi), np.maximum(z_lo, z_hi)
    # bodies do not overlap, though the twin's paths may: a point inside another's
    # cylinder is beside that person, not behind them
    hit = (disc > 0) & (hi > lo) & (s2 < 0.999) & (zmin <= tops[:, None, :]) & (zmax >= 0.0)
    own = np.repeat(np.eye(npp, dtype=bool), nk, axis=0)[None]  # a person does not hide themself
    return np.any(hit & ~own, axis=2).reshape(nf, npp, nk)
