"""Where the fixtures stand: wall runs, coolers and freezers, and double-sided islands.

The floor is cut the way most stores are: a clear front zone with the gates,
coolers along the back wall, a run of wall gondolas on the left, coolers and
freezers on the right, and islands in parallel aisles between them, broken
by cross aisles in big stores, whose leftmost islands are produce tables and
service counters. Runs stop an aisle short of the back corners so
that the last plate of a side run can still be reached by a person.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from walkout.domain.geometry import Pose
from walkout.domain.store import Fixture, Shelf
from walkout.twin.layout.floorplan import FloorPlan
from walkout.twin.layout.kinds import SEGMENT, FixtureType, KindSpec, produce_table

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1
# Deli, bakery and butcher counters: staff serve over them, so they carry no load cells.
SERVICE = FixtureType("obstacle", "none", 1.0, 1.1, (), 0.1, 1)


@dataclass(frozen=True)
class Placement:
    """A fixture with the role whose merchandise it carries."""

    fixture: Fixture
    ftype: FixtureType
    role: str  # "service", "table", "island", "wall", "cooler" or "freezer": whose merchandise plan applies


def make_fixture(fid: str, ftype: FixtureType, rect: Rect, front: str) -> Fixture:
    """A fixture filling ``rect`` whose front (where shoppers stand) faces ``front``.

    ``front`` is the world direction from the fixture to the shopper: ``-x``,
    ``+x``, ``-y`` or ``+y``. The origin goes to the front-left corner as seen
    by the shopper, so local x runs along the front and local y into the unit.
    """
    x0, y0, x1, y1 = rect
    origin, yaw = {
        "-y": ((x0, y0), 0.0),
        "+y": ((x1, y1), 180.0),
        "-x": ((x0, y1), -90.0),
        "+x": ((x1, y0), 90.0),
    }[front]
    length, depth = (x1 - x0, y1 - y0) if front in ("-y", "+y") else (y1 - y0, x1 - x0)
    shelves = [
        Shelf(
            index=i + 1,
            pose=Pose(at=(0.0, ftype.shelf_inset, h)),
            size=(round(length, 3), ftype.shelf_depth),
            plates=ftype.plates,
        )
        for i, h in enumerate(ftype.shelf_heights)
    ]
    return Fixture(
        id=fid,
        kind=ftype.kind,  # type: ignore[arg-type]
        pose=Pose(at=(round(origin[0], 3), round(origin[1], 3), 0.0), yaw=yaw),
        size=(round(length, 3), round(depth, 3), ftype.height),
        shelves=shelves,
    )


def place_fixtures(spec: KindSpec, plan: FloorPlan) -> list[Placement]:
    """Every fixture, in merchandising order within each role (see module doc)."""
    w, d = plan.width, plan.depth
    ld = spec.wall.depth
    rd = max(spec.cooler.depth, spec.freezer.depth)
    bd = spec.cooler.depth
    pa = spec.perimeter_aisle
    fz = spec.front_zone
    side_end = d - bd - pa
    n_side = max(0, math.floor((side_end - fz) / SEGMENT + 1e-9))
    n_back = max(0, math.floor((w - ld - rd) / SEGMENT + 1e-9))

    roles: dict[str, list[tuple[FixtureType, Rect, str]]] = {
        r: [] for r in ("service", "table", "island", "wall", "cooler", "freezer")
    }
    y_side = fz + (side_end - fz - n_side * SEGMENT) / 2  # spare length split between the ends
    for i in range(n_side):  # left wall, front to back, facing +x
        y = y_side + i * SEGMENT
        roles["wall"].append((spec.wall, (0.0, y, ld, y + SEGMENT), "+x"))
    x_back = ld + (w - ld - rd - n_back * SEGMENT) / 2
    for i in range(n_back):  # back wall, left to right, facing -y
        x = x_back + i * SEGMENT
        roles["cooler"].append((spec.cooler, (x, d - bd, x + SEGMENT, d), "-y"))
    n_freezer = round(n_side * spec.right_freezers)
    for i in reversed(range(n_side)):  # right wall, back to front: coolers, then freezers
        y = y_side + i * SEGMENT
        ftype, role = (spec.freezer, "freezer") if i < n_freezer else (spec.cooler, "cooler")
        roles[role].append((ftype, (w - ftype.depth, y, w, y + SEGMENT), "-x"))
    budget = None
    if spec.shelf_density is not None:
        shelves = [
            (spec.wall, n_side),
            (spec.cooler, n_back + n_side - n_freezer),
            (spec.freezer, n_freezer),
        ]
        budget = spec.shelf_density * plan.area - sum(len(t.shelf_heights) * n for t, n in shelves)
    for ftype, rect, front in _islands(spec, ld + pa, w - rd - pa, fz, side_end, budget):
        roles[{"table": "table", "obstacle": "service"}.get(ftype.kind, "island")].append(
            (ftype, rect, front)
        )

    out: list[Placement] = []
    for role, prefix in (
        ("service", "S"),
        ("table", "T"),
        ("island", "G"),
        ("wall", "W"),
        ("cooler", "C"),
        ("freezer", "F"),
    ):
        items = roles[role]
        digits = max(2, len(str(len(items))))
        for k, (ftype, rect, front) in enumerate(items):
            fx = make_fixture(f"{prefix}{k + 1:0{digits}d}", ftype, rect, front)
            out.append(Placement(fx, ftype, role))
    return out


def _islands(
    spec: KindSpec, x0: float, x1: float, y0: float, y1: float, budget: float | None
) -> list[tuple[FixtureType, Rect, str]]:
    """Back-to-back pairs in parallel aisles, listed aisle by aisle so a category fills an aisle.

    With a shelf ``budget`` only as many gondola islands as it pays for stand on
    the right, at the narrowest aisle; the floor left of them becomes a fresh
    hall of service counters and produce tables with wider aisles.
    """
    half = spec.island.depth
    width = 2 * half
    blocks = _blocks(spec, y1 - y0)
    n_max = math.floor((x1 - x0 + spec.aisle) / (width + spec.aisle) + 1e-9)
    if n_max <= 0 or not blocks:
        return []
    starts: list[tuple[float, int]] = []  # each block's near end and its segments, front to back
    y = y0 + (y1 - y0 - sum(blocks) * SEGMENT - (len(blocks) - 1) * spec.cross_aisle) / 2
    for b in blocks:
        starts.append((y, b))
        y += b * SEGMENT + spec.cross_aisle
    segs = [y + j * SEGMENT for y, b in starts for j in range(b)]
    n_g = n_max
    if budget is not None:
        per_island = 2 * len(segs) * len(spec.island.shelf_heights)
        n_g = min(n_max, max(1, round(budget / per_island)))
    lefts = _spread(x0, x1, n_g, width, spec.aisle, flush_right=n_g < n_max)
    kinds = [spec.island] * n_g
    if n_g < n_max:  # the fresh hall: counters by the left wall, then produce
        a_f = max(spec.aisle, spec.fresh_aisle)
        n_f = math.floor((lefts[0] - spec.aisle - x0 + a_f) / (width + a_f) + 1e-9)
        fresh = _spread(x0, lefts[0] - spec.aisle, n_f, width, a_f, flush_right=False)
        n_serv = round(n_f * spec.service_share)
        table = produce_table(half, spec.island.plates)
        lefts = fresh + lefts
        kinds = [SERVICE] * n_serv + [table] * (n_f - n_serv) + kinds
    out: list[tuple[FixtureType, Rect, str]] = []
    shelved: list[int] = []
    for k, kind in enumerate(kinds):
        if kind is SERVICE:  # one counter per block, no load cells
            out.extend(
                (SERVICE, (lefts[k], y, lefts[k] + width, y + b * SEGMENT), "-x") for y, b in starts
            )
        else:
            shelved.append(k)
    for a, k in enumerate(
        shelved
    ):  # aisle by aisle: the right half of the island before, the left of this
        if a > 0:
            xl = lefts[shelved[a - 1]] + half
            out.extend((kinds[shelved[a - 1]], (xl, s, xl + half, s + SEGMENT), "+x") for s in segs)
        xl = lefts[k]
        out.extend((kinds[k], (xl, s, xl + half, s + SEGMENT), "-x") for s in segs)
    if shelved:
        xl = lefts[shelved[-1]] + half
        out.extend((kinds[shelved[-1]], (xl, s, xl + half, s + SEGMENT), "+x") for s in segs)
    return out


def _spread(
    x0: float, x1: float, n: int, width: float, aisle: float, flush_right: bool
) -> list[float]:
    """Left edges of ``n`` islands in ``[x0, x1]``: spare room shared by the aisles, or all of it
    left of the islands when they stand flush against the right end (a perimeter aisle)."""
    if n <= 0:
        return []
    spare = x1 - x0 - n * width - (n - 1) * aisle
    if flush_right:
        return [x0 + spare + k * (width + aisle) for k in range(n)]
    gap = spare / (n + 1)
    return [x0 + gap * (k + 1) + k * (width + aisle) for k in range(n)]


def _blocks(spec: KindSpec, length: float) -> list[int]:
    """Segments per island block, as many as fit with cross aisles between blocks."""
    n = math.floor(length / SEGMENT + 1e-9)
    while n > 0:
        b = math.ceil(n / spec.block_segments)
        if n * SEGMENT + (b - 1) * spec.cross_aisle <= length + 1e-9:
            return [n // b + (1 if i < n % b else 0) for i in range(b)]
        n -= 1
    return []
