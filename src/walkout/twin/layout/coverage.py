"""Coverage by camera count: one number per camera budget for a retailer's curve.

``coverage_map`` says how many cameras see each floor point at hand height;
this reduces it to the shares of open floor seen by at least one, two and
three cameras (two is what triangulation needs; three survives one occlusion).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from walkout.domain.store import Camera, Store
from walkout.twin.layout.cameras import HAND_HEIGHT, coverage_map
from walkout.twin.layout.walkable import floor_grid


class Coverage(BaseModel):
    cameras: int
    seen_1: float
    seen_2: float
    seen_3: float
    mean_views: float


def coverage_stats(
    store: Store,
    cameras: list[Camera] | None = None,
    z: float = HAND_HEIGHT,
    resolution: float = 0.25,
) -> Coverage:
    """Shares of the open floor (no fixture above ``z``) seen by >= 1, 2, 3 cameras at height ``z``."""
    if cameras is not None:
        store = store.model_copy(update={"cameras": cameras})
    xs, ys, counts = coverage_map(store, z=z, resolution=resolution)
    grid = floor_grid(store, resolution=0.1)
    gx, gy = np.meshgrid(xs, ys)
    i, j = grid.cell(gx, gy)
    open_floor = grid.inside[i, j] & (grid.heights[i, j] <= z)
    c = counts[open_floor]
    n = max(len(c), 1)
    return Coverage(
        cameras=len(store.cameras),
        seen_1=round(float((c >= 1).sum() / n), 4),
        seen_2=round(float((c >= 2).sum() / n), 4),
        seen_3=round(float((c >= 3).sum() / n), 4),
        mean_views=round(float(c.mean()) if len(c) else 0.0, 2),
    )
