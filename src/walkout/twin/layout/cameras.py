"""Ceiling cameras: where they hang, where they look, and how much of the floor they see.

Cameras hang 10 cm under the ceiling, spread by k-means over the walkable
floor (so they sit over aisles and cover it evenly), and look down tilted
25 degrees towards the nearest shelf front or gate, as tracking installs do.
Lenses are wide (about 100 degrees across) with mild barrel distortion and
the small per-unit differences a calibration finds.

Coverage counts, for points at hand height, the cameras whose image contains
the point (pinhole model with OpenCV distortion, in front of the camera) and
whose line of sight is not cut by a fixture taller than the line where it
crosses the fixture. People, shelves' contents and the ceiling are not modelled.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from scipy.spatial import cKDTree

from walkout.domain.store import Camera, Extrinsics, Intrinsics, Store
from walkout.twin.layout.kinds import KindSpec
from walkout.twin.layout.walkable import FloorGrid, floor_grid, footprints

HAND_HEIGHT = 1.1  # m
TILT = 25.0  # degrees from straight down
MOUNT_DROP = 0.1  # m below the ceiling


def camera_count(spec: KindSpec, area: float) -> int:
    """Enough cameras that an average floor point at hand height is seen ``spec.camera_overlap`` times."""
    w, h = spec.camera_size
    drop = spec.ceiling - MOUNT_DROP - HAND_HEIGHT
    tan_h = math.tan(math.radians(spec.camera_hfov / 2))
    footprint = (2 * drop * tan_h) * (2 * drop * tan_h * h / w)
    return max(4, math.ceil(area * spec.camera_overlap / footprint))


def place_cameras(
    store: Store,
    count: int,
    seed: int = 1,
    size: tuple[int, int] = (1920, 1080),
    hfov: float = 100.0,
    tilt: float = TILT,
) -> list[Camera]:
    """``count`` ceiling cameras for ``store`` (its own cameras are ignored); deterministic per seed."""
    if count < 1:
        raise ValueError("place at least one camera")
    rng = np.random.default_rng(seed)
    grid = floor_grid(store, resolution=0.1)
    xs, ys = grid.centres()
    ii, jj = np.nonzero(grid.walkable[::5, ::5])
    pts = np.column_stack([xs[::5][jj], ys[::5][ii]])
    if len(pts) == 0:
        raise ValueError("the store has no walkable floor to hang cameras over")
    centres = _kmeans(pts, count, rng)
    targets = _targets(store)
    z = store.floor.height - MOUNT_DROP
    digits = max(2, len(str(count)))
    cams: list[Camera] = []
    for k, (cx, cy) in enumerate(centres):
        d = np.hypot(targets[:, 0] - cx, targets[:, 1] - cy)
        near = np.nonzero(d <= min(d.min() + 0.5, 3.0))[0] if len(d) else np.array([], int)
        if len(near):
            t = targets[near[int(rng.integers(len(near)))]]
            yaw = math.atan2(t[1] - cy, t[0] - cx)
            t_deg = tilt
        else:
            yaw, t_deg = float(rng.uniform(-math.pi, math.pi)), 0.0
        cams.append(
            Camera(
                id=f"cam-{k + 1:0{digits}d}",
                intrinsics=_intrinsics(size, hfov, rng),
                extrinsics=look_down((float(cx), float(cy), z), yaw, t_deg),
            )
        )
    return cams


def look_down(position: tuple[float, float, float], yaw: float, tilt_deg: float) -> Extrinsics:
    """Extrinsics of a camera at ``position`` looking down, tilted ``tilt_deg`` towards heading ``yaw`` (rad).

    Image up points the way the camera leans, so far shelves appear at the top.
    """
    t = math.radians(tilt_deg)
    h = np.array([math.cos(yaw), math.sin(yaw), 0.0])
    zc = math.cos(t) * np.array([0.0, 0.0, -1.0]) + math.sin(t) * h  # optical axis
    up = h - np.dot(h, zc) * zc
    yc = -up / np.linalg.norm(up)  # image y runs down, away from the lean
    xc = np.cross(yc, zc)
    r = np.vstack([xc, yc, zc])  # world -> camera
    rvec, _ = cv2.Rodrigues(r)
    tvec = -r @ np.asarray(position, dtype=float)
    return Extrinsics(
        rvec=tuple(round(float(v), 6) for v in rvec.ravel()),  # type: ignore[arg-type]
        tvec=tuple(round(float(v), 6) for v in tvec),  # type: ignore[arg-type]
    )


def _intrinsics(size: tuple[int, int], hfov: float, rng: np.random.Generator) -> Intrinsics:
    w, h = size
    f = (w / 2) / math.tan(math.radians(hfov / 2)) * rng.uniform(0.985, 1.015)
    return Intrinsics(
        width=w,
        height=h,
        fx=round(f, 2),
        fy=round(f * rng.uniform(0.998, 1.002), 2),
        cx=round((w - 1) / 2 + rng.normal(0, 4), 2),
        cy=round((h - 1) / 2 + rng.normal(0, 4), 2),
        distortion=[
            round(float(rng.uniform(-0.10, -0.06)), 5),
            round(float(rng.uniform(0.01, 0.03)), 5),
            round(float(rng.normal(0, 3e-4)), 6),
            round(float(rng.normal(0, 3e-4)), 6),
            0.0,
        ],
    )


def _kmeans(pts: np.ndarray, k: int, rng: np.random.Generator, iters: int = 20) -> np.ndarray:
    """Farthest-point start, then Lloyd steps: evenly spread centres over the points."""
    k = min(k, len(pts))
    chosen = [int(rng.integers(len(pts)))]
    dist = np.hypot(*(pts - pts[chosen[0]]).T)
    for _ in range(k - 1):
        chosen.append(int(np.argmax(dist)))
        dist = np.minimum(dist, np.hypot(*(pts - pts[chosen[-1]]).T))
    c = pts[chosen].copy()
    for _ in range(iters):
        _, lab = cKDTree(c).query(pts)
        sums = np.zeros_like(c)
        np.add.at(sums, lab, pts)
        n = np.bincount(lab, minlength=len(c))[:, None]
        c = np.where(n > 0, sums / np.maximum(n, 1), c)
    return np.round(c, 3)


def _targets(store: Store) -> np.ndarray:
    """Shelf-front middles of each fixture and gate midpoints: what a tilted camera aims at."""
    fps = footprints(store)
    out = [
        fp[:2].mean(axis=0)
        for f, fp in zip(store.fixtures, fps, strict=True)
        if f.kind != "obstacle"
    ]
    out += [g.midpoint() for g in store.gates]
    return np.asarray(out, dtype=float).reshape(-1, 2)


def project(camera: Camera, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates of world points, and which of them land in the image in front of the camera.

    The same model as ``cv2.projectPoints`` (k1, k2, p1, p2, k3), in numpy;
    points far outside the field of view are rejected before distortion,
    whose polynomial folds them back into the image otherwise.
    """
    intr = camera.intrinsics
    pc = np.asarray(points, dtype=float) @ camera.rotation().T + np.asarray(camera.extrinsics.tvec)
    z = pc[:, 2]
    front = z > 0.05
    zs = np.where(front, z, 1.0)
    x, y = pc[:, 0] / zs, pc[:, 1] / zs
    k = [*intr.distortion, 0.0, 0.0, 0.0, 0.0, 0.0][:5]
    k1, k2, p1, p2, k3 = k
    r2 = x * x + y * y
    radial = 1 + k1 * r2 + k2 * r2 * r2 + k3 * r2**3
    xd = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
    yd = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y
    u = intr.fx * xd + intr.cx
    v = intr.fy * yd + intr.cy
    fov_x = 1.3 * max(intr.cx, intr.width - intr.cx) / intr.fx
    fov_y = 1.3 * max(intr.cy, intr.height - intr.cy) / intr.fy
    ok = front & (np.abs(x) < fov_x) & (np.abs(y) < fov_y)
    ok &= (u >= 0) & (u < intr.width) & (v >= 0) & (v < intr.height)
    return np.column_stack([u, v]), ok


def coverage_map(
    store: Store, z: float = HAND_HEIGHT, resolution: float = 0.25, occlusion: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, ys, counts)``: how many cameras see each floor point at height ``z``.

    ``counts[i, j]`` is for the point ``(xs[j], ys[i], z)``. Points inside a
    fixture taller than ``z`` count 0; with ``occlusion`` a fixture taller
    than the line of sight where the line crosses it hides the point.
    """
    outline = np.asarray(store.floor.outline, dtype=float)
    x0, y0 = outline.min(axis=0)
    x1, y1 = outline.max(axis=0)
    xs = np.arange(x0 + resolution / 2, x1, resolution)
    ys = np.arange(y0 + resolution / 2, y1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    pts = np.column_stack([gx.ravel(), gy.ravel(), np.full(gx.size, z)])
    grid = floor_grid(store, resolution=0.1)
    gi, gj = grid.cell(pts[:, 0], pts[:, 1])
    open_floor = grid.heights[gi, gj] <= z
    counts = np.zeros(len(pts), dtype=int)
    for cam in store.cameras:
        _, ok = project(cam, pts)
        ok &= open_floor
        if occlusion and ok.any():
            idx = np.nonzero(ok)[0]
            ok[idx[_blocked(grid, cam.position(), pts[idx])]] = False
        counts += ok
    return xs, ys, counts.reshape(gx.shape)


def _blocked(grid: FloorGrid, c: np.ndarray, p: np.ndarray, step: float = 0.1) -> np.ndarray:
    """Which sight lines from ``c`` to the points ``p`` pass through a fixture taller than the line."""
    horiz = np.hypot(p[:, 0] - c[0], p[:, 1] - c[1])
    n = max(2, math.ceil(horiz.max() / step) + 1)
    t = np.linspace(0.0, 1.0, n)[None, :]
    keep = t < 1.0 - (step / np.maximum(horiz, step))[:, None]  # stop short of the point itself
    q = c[None, None, :] + t[..., None] * (p[:, None, :] - c[None, None, :])
    i, j = grid.cell(q[..., 0], q[..., 1])
    return np.any((grid.heights[i, j] > q[..., 2]) & keep, axis=1)
