"""Where a person can stand and walk: a floor grid that keeps a body's radius off fixtures and walls.

Shoppers are discs of radius ~0.3 m. A cell is walkable when its centre is
at least that far from every fixture footprint and from outside the floor;
walkable cells connected to the entry are the reachable floor. The layout
tests use it to prove every plate can be reached, and the camera placer to
hang cameras over aisles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from walkout.domain.layout import Layout
from walkout.domain.store import Store

BODY_RADIUS = 0.3  # m
STANDOFF = 0.45  # m from a shelf front to where a shopper stands to reach it


@dataclass(frozen=True)
class FloorGrid:
    """Cell (i, j) has its centre at (x0 + (j + 0.5) r, y0 + (i + 0.5) r)."""

    x0: float
    y0: float
    resolution: float
    inside: np.ndarray  # (ny, nx) bool: on the floor, not under a fixture
    walkable: np.ndarray  # (ny, nx) bool: a body of the given radius fits
    heights: np.ndarray  # (ny, nx) float: tallest fixture over the cell, 0 on open floor

    def cell(self, x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        j = np.floor((np.asarray(x) - self.x0) / self.resolution).astype(int)
        i = np.floor((np.asarray(y) - self.y0) / self.resolution).astype(int)
        ny, nx = self.walkable.shape
        return np.clip(i, 0, ny - 1), np.clip(j, 0, nx - 1)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        ny, nx = self.walkable.shape
        xs = self.x0 + (np.arange(nx) + 0.5) * self.resolution
        ys = self.y0 + (np.arange(ny) + 0.5) * self.resolution
        return xs, ys


def floor_grid(store: Store, radius: float = BODY_RADIUS, resolution: float = 0.05) -> FloorGrid:
    outline = np.asarray(store.floor.outline, dtype=float)
    x0, y0 = outline.min(axis=0)
    x1, y1 = outline.max(axis=0)
    nx = int(np.ceil((x1 - x0) / resolution))
    ny = int(np.ceil((y1 - y0) / resolution))
    xs = x0 + (np.arange(nx) + 0.5) * resolution
    ys = y0 + (np.arange(ny) + 0.5) * resolution
    gx, gy = np.meshgrid(xs, ys)
    on_floor = points_in_polygon(gx, gy, outline)
    heights = np.zeros((ny, nx))
    for f, fp in zip(store.fixtures, footprints(store), strict=True):
        lo = np.floor((fp.min(axis=0) - (x0, y0)) / resolution).astype(int)
        hi = np.ceil((fp.max(axis=0) - (x0, y0)) / resolution).astype(int)
        sj, si = slice(max(lo[0], 0), min(hi[0], nx)), slice(max(lo[1], 0), min(hi[1], ny))
        inside = _in_convex(gx[si, sj], gy[si, sj], fp)
        heights[si, sj] = np.where(inside, np.maximum(heights[si, sj], f.size[2]), heights[si, sj])
    inside = on_floor & (heights == 0)
    clearance = ndimage.distance_transform_edt(inside) * resolution
    return FloorGrid(float(x0), float(y0), resolution, inside, clearance >= radius, heights)


@dataclass(frozen=True)
class Reachability:
    unreachable_plates: list[str]
    unreachable_exits: list[str]

    @property
    def ok(self) -> bool:
        return not self.unreachable_plates and not self.unreachable_exits


def reachability(
    store: Store, radius: float = BODY_RADIUS, standoff: float = STANDOFF, resolution: float = 0.05
) -> Reachability:
    """Which plates a person walking in through an entry cannot stand in front of, and which exits they cannot reach."""
    grid = floor_grid(store, radius, resolution)
    labels, _ = ndimage.label(grid.walkable)
    reached: set[int] = set()
    for g in store.gates_of_kind("entry"):
        p = g.midpoint() + standoff * g.inward()
        i, j = grid.cell(p[0], p[1])
        if labels[i, j]:
            reached.add(int(labels[i, j]))
    lay = Layout.of(store)
    stand = np.array([p.front[:2] + standoff * p.outward[:2] for p in lay.plates]).reshape(-1, 2)
    i, j = grid.cell(stand[:, 0], stand[:, 1])
    ok = np.isin(labels[i, j], list(reached)) if reached else np.zeros(len(stand), bool)
    exits = []
    for g in store.gates_of_kind("exit"):
        p = g.midpoint() + standoff * g.inward()
        ei, ej = grid.cell(p[0], p[1])
        if int(labels[ei, ej]) not in reached or not labels[ei, ej]:
            exits.append(g.id)
    return Reachability([p.id for p, good in zip(lay.plates, ok, strict=True) if not good], exits)


def footprints(store: Store) -> list[np.ndarray]:
    """Each fixture's floor corners (4, 2): front-left, front-right, back-right, back-left."""
    out = []
    for f in store.fixtures:
        m = f.pose.matrix()
        length, depth, _ = f.size
        local = np.array(
            [[0, 0, 0], [length, 0, 0], [length, depth, 0], [0, depth, 0]], dtype=float
        )
        out.append((local @ m[:3, :3].T + m[:3, 3])[:, :2])
    return out


def points_in_polygon(x: np.ndarray, y: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd rule on arrays of points, as ``walkout.domain.geometry.point_in_polygon``."""
    inside = np.zeros(np.shape(x), dtype=bool)
    p = np.asarray(polygon, dtype=float)
    for k in range(len(p)):
        xi, yi = p[k]
        xj, yj = p[k - 1]
        if yi == yj:
            continue
        cross = ((yi > y) != (yj > y)) & (x < (xj - xi) * (y - yi) / (yj - yi) + xi)
        inside ^= cross
    return inside


def _in_convex(x: np.ndarray, y: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Inside a convex polygon given in either winding."""
    signs = []
    for k in range(len(poly)):
        ax, ay = poly[k - 1]
        bx, by = poly[k]
        signs.append((bx - ax) * (y - ay) - (by - ay) * (x - ax))
    s = np.stack(signs)
    return np.all(s >= 0, axis=0) | np.all(s <= 0, axis=0)
