"""Walking routes on the sales floor: along aisles, never through fixtures.

The floor is rasterised once into a grid of free cells (fixtures grown by a
body's radius). Routes come from Dijkstra trees rooted at destinations (shelf
fronts and gates are few and reused by every shopper), cached, then pulled
tight into straight segments so people walk like people, not like rooks.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from walkout.domain.layout import Layout

_SQRT2 = float(np.sqrt(2.0))
_NONE = 255  # no way on from this cell


class NavGrid:
    def __init__(
        self,
        layout: Layout,
        resolution: float = 0.2,
        clearance: float = 0.28,
        cache_mb: float = 64.0,
    ):
        self.res = resolution
        x0, y0, x1, y1 = layout.bounds()
        self.origin = np.array([x0, y0])
        self.nx = int(np.ceil((x1 - x0) / resolution))
        self.ny = int(np.ceil((y1 - y0) / resolution))
        self.free = self._rasterise(layout, clearance)
        self._graph = self._build_graph()
        self._trees: OrderedDict[int, np.ndarray] = OrderedDict()
        # trees cost one byte a cell; keep as many as fit in ``cache_mb``
        self._cache = max(16, int(cache_mb * 1e6 / max(self.nx * self.ny, 1)))
        nx = self.nx
        self._offsets = (1, -1, nx, -nx, nx + 1, nx - 1, -nx + 1, -nx - 1)

    # -- grid ------------------------------------------------------------------

    def _centres(self) -> tuple[np.ndarray, np.ndarray]:
        xs = self.origin[0] + (np.arange(self.nx) + 0.5) * self.res
        ys = self.origin[1] + (np.arange(self.ny) + 0.5) * self.res
        return np.meshgrid(xs, ys)

    def _rasterise(self, layout: Layout, clearance: float) -> np.ndarray:
        gx, gy = self._centres()
        free = _inside_polygon(gx, gy, np.asarray(layout.store.floor.outline, dtype=float))
        # keep a body's width off the walls as well
        wall = ~free
        free &= ~_dilate(wall, max(1, round(clearance / self.res)))
        for f in layout.fixtures:
            fp = f.footprint
            c = fp.mean(axis=0)
            u = fp[1] - fp[0]
            v = fp[3] - fp[0]
            lu, lv = np.linalg.norm(u), np.linalg.norm(v)
            u, v = u / lu, v / lv
            dx, dy = gx - c[0], gy - c[1]
            a = np.abs(dx * u[0] + dy * u[1]) <= lu / 2 + clearance
            b = np.abs(dx * v[0] + dy * v[1]) <= lv / 2 + clearance
            free &= ~(a & b)
        return free

    def _build_graph(self) -> coo_matrix:
        idx = np.arange(self.nx * self.ny).reshape(self.ny, self.nx)
        rows, cols, w = [], [], []
        f = self.free
        for dy, dx, cost in ((0, 1, 1.0), (1, 0, 1.0), (1, 1, _SQRT2), (1, -1, _SQRT2)):
            ys = slice(0, self.ny - dy)
            xs = slice(max(0, -dx), self.nx - max(0, dx))
            ys2 = slice(dy, self.ny)
            xs2 = slice(max(0, dx), self.nx - max(0, -dx) if dx < 0 else self.nx)
            ok = f[ys, xs] & f[ys2, xs2]
            if dx and dy:  # no cutting corners past a fixture
                ok &= f[ys, xs2] & f[ys2, xs]
            a = idx[ys, xs][ok]
            b = idx[ys2, xs2][ok]
            rows += [a, b]
            cols += [b, a]
            w += [np.full(a.size, cost), np.full(a.size, cost)]
        n = self.nx * self.ny
        return coo_matrix(
            (np.concatenate(w), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
        ).tocsr()

    def cell(self, xy: np.ndarray) -> tuple[int, int]:
        c = np.floor((np.asarray(xy, dtype=float) - self.origin) / self.res).astype(int)
        return int(np.clip(c[1], 0, self.ny - 1)), int(np.clip(c[0], 0, self.nx - 1))

    def centre(self, iy: int, ix: int) -> np.ndarray:
        return self.origin + (np.array([ix, iy]) + 0.5) * self.res

    def is_free(self, xy: np.ndarray) -> bool:
        iy, ix = self.cell(xy)
        return bool(self.free[iy, ix])

    def standable(self, layout: Layout, clearance: float = 0.12):  # type: ignore[no-untyped-def]
        """A test for "a body can be here", looser than walking routes (bodies may
        brush past a shelf; routes keep a body's width off it)."""
        tight = self._rasterise(layout, clearance).tolist()
        ox, oy, res = float(self.origin[0]), float(self.origin[1]), self.res
        nx, ny = self.nx - 1, self.ny - 1

        def ok(xy: np.ndarray) -> bool:  # plain floats: called once a frame per side-step
            x, y = float(xy[0]), float(xy[1])
            if x != x or y != y:
                return True
            ix = min(max(math.floor((x - ox) / res), 0), nx)
            iy = min(max(math.floor((y - oy) / res), 0), ny)
            return bool(tight[iy][ix])

        return ok

    def nearest_free(self, xy: np.ndarray, max_m: float = 3.0) -> np.ndarray:
        """The free cell centre closest to ``xy`` (itself if free)."""
        iy, ix = self.cell(xy)
        if self.free[iy, ix]:
            return np.asarray(xy, dtype=float)
        r = int(np.ceil(max_m / self.res))
        y0, y1 = max(0, iy - r), min(self.ny, iy + r + 1)
        x0, x1 = max(0, ix - r), min(self.nx, ix + r + 1)
        sub = self.free[y0:y1, x0:x1]
        ys, xs = np.nonzero(sub)
        if ys.size == 0:
            raise ValueError(f"no free floor within {max_m} m of {tuple(np.round(xy, 2))}")
        d = (ys + y0 - iy) ** 2 + (xs + x0 - ix) ** 2
        k = int(np.argmin(d))
        return self.centre(int(ys[k] + y0), int(xs[k] + x0))

    # -- routes ----------------------------------------------------------------

    def _tree(self, target: int) -> np.ndarray:
        """Shortest-path tree towards ``target``, one byte a cell: which neighbour is next."""
        tree = self._trees.get(target)
        if tree is not None:
            self._trees.move_to_end(target)
            return tree
        _, pred = dijkstra(self._graph, directed=False, indices=target, return_predecessors=True)
        idx = np.arange(pred.size)
        step = np.where(pred >= 0, pred - idx, 0)
        tree = np.full(pred.size, _NONE, dtype=np.uint8)
        for code, off in enumerate(self._offsets):
            tree[step == off] = code
        tree[pred < 0] = _NONE
        self._trees[target] = tree
        if len(self._trees) > self._cache:
            self._trees.popitem(last=False)
        return tree

    def route(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Waypoints from ``a`` to ``b`` (both included), straight where the floor allows."""
        a = self.nearest_free(a)
        b = self.nearest_free(b)
        ia, ib = self.cell(a), self.cell(b)
        sa, sb = ia[0] * self.nx + ia[1], ib[0] * self.nx + ib[1]
        if sa == sb:
            return np.array([a, b])
        tree = self._tree(sb)
        cells = [sa]
        node = sa
        while node != sb:
            code = int(tree[node])
            if code == _NONE:
                raise ValueError(
                    f"no walkable route from {tuple(np.round(a, 2))} to {tuple(np.round(b, 2))}"
                )
            node += self._offsets[code]
            cells.append(node)
        pts = np.array([self.centre(c // self.nx, c % self.nx) for c in cells])
        pts[0], pts[-1] = a, b
        return self._pull_tight(pts)

    def visible(self, p: np.ndarray, q: np.ndarray) -> bool:
        n = max(2, int(np.ceil(np.linalg.norm(q - p) / (self.res * 0.5))))
        s = p + (q - p) * np.linspace(0, 1, n)[:, None]
        c = np.floor((s - self.origin) / self.res).astype(int)
        c[:, 0] = np.clip(c[:, 0], 0, self.nx - 1)
        c[:, 1] = np.clip(c[:, 1], 0, self.ny - 1)
        return bool(self.free[c[:, 1], c[:, 0]].all())

    def _pull_tight(self, pts: np.ndarray) -> np.ndarray:
        out = [pts[0]]
        i = 0
        n = len(pts)
        while i < n - 1:
            j = n - 1
            while j > i + 1 and not self.visible(pts[i], pts[j]):
                # binary-ish back-off keeps this near-linear on long corridors
                j = i + 1 + (j - i - 1) // 2 if j - i > 8 else j - 1
            out.append(pts[j])
            i = j
        return np.array(out)


def _inside_polygon(gx: np.ndarray, gy: np.ndarray, poly: np.ndarray) -> np.ndarray:
    inside = np.zeros(gx.shape, dtype=bool)
    n = len(poly)
    j = n - 1
    for i in range(n):
        xi, yi = poly[i]
        xj, yj = poly[j]
        cross = (yi > gy) != (yj > gy)
        with np.errstate(divide="ignore", invalid="ignore"):
            xint = (xj - xi) * (gy - yi) / (yj - yi) + xi
        inside ^= cross & (gx < xint)
        j = i
    return inside


def _dilate(mask: np.ndarray, r: int) -> np.ndarray:
    """Grow ``mask`` by ``r`` cells; beyond the grid's edge counts as set (a wall)."""
    p = np.pad(mask, r, constant_values=True)
    out = p.copy()
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if dx * dx + dy * dy > r * r:
                continue
            out[r : p.shape[0] - r, r : p.shape[1] - r] |= p[
                r + dy : p.shape[0] - r + dy, r + dx : p.shape[1] - r + dx
            ]
    return out[r : p.shape[0] - r, r : p.shape[1] - r]
