"""Poses and boxes in a right-handed store frame: x, y on the floor, z up, metres.

Every placed thing (fixture, shelf, plate) has a pose in its parent's frame,
so a gondola can be moved or turned without touching its shelves.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

Vec2 = tuple[float, float]
Vec3 = tuple[float, float, float]
NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]


class Pose(BaseModel):
    """A frame placed in its parent: translate by ``at``, then turn.

    Angles are in degrees and compose as yaw (about z), then pitch (about the
    new y), then roll (about the new x), the usual aerospace order; almost
    every fixture needs only ``yaw``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: Vec3 = (0.0, 0.0, 0.0)
    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0

    def rotation(self) -> np.ndarray:
        return rotation_matrix(self.yaw, self.pitch, self.roll)

    def matrix(self) -> np.ndarray:
        """4x4 homogeneous transform from this frame to the parent's."""
        m = np.eye(4)
        m[:3, :3] = self.rotation()
        m[:3, 3] = self.at
        return m


def rotation_matrix(yaw: float, pitch: float = 0.0, roll: float = 0.0) -> np.ndarray:
    """R = Rz(yaw) @ Ry(pitch) @ Rx(roll), angles in degrees."""
    cy, sy = math.cos(math.radians(yaw)), math.sin(math.radians(yaw))
    cp, sp = math.cos(math.radians(pitch)), math.sin(math.radians(pitch))
    cr, sr = math.cos(math.radians(roll)), math.sin(math.radians(roll))
    rz = np.array([[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]])
    ry = np.array([[cp, 0.0, sp], [0.0, 1.0, 0.0], [-sp, 0.0, cp]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cr, -sr], [0.0, sr, cr]])
    return rz @ ry @ rx


def transform_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 4x4 transform to an (N, 3) array of points."""
    pts = np.asarray(points, dtype=float)
    return pts @ matrix[:3, :3].T + matrix[:3, 3]


def box_corners(size: Vec3) -> np.ndarray:
    """The 8 corners of an axis-aligned box from its origin corner, (8, 3)."""
    sx, sy, sz = size
    return np.array(
        [[x, y, z] for x in (0.0, sx) for y in (0.0, sy) for z in (0.0, sz)], dtype=float
    )


def polygon_area(points: list[Vec2] | np.ndarray) -> float:
    """Shoelace area of a simple polygon, always positive."""
    p = np.asarray(points, dtype=float)
    x, y = p[:, 0], p[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def point_in_polygon(x: float, y: float, polygon: list[Vec2] | np.ndarray) -> bool:
    """Even-odd rule; points on an edge may fall either way."""
    p = np.asarray(polygon, dtype=float)
    inside = False
    n = len(p)
    j = n - 1
    for i in range(n):
        xi, yi = p[i]
        xj, yj = p[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside
