"""The NanoStore's shelving from store_meta (Gondolas/Shelves/Plates.json).

AiFi's frames are hierarchical: gondolas in the world, shelves in their
gondola, plates in their shelf, each a translation (metres) and a Rodrigues
rotation. A gondola's origin sits at its backboard and its shelves stand
0.4064 m in front of it (at local y = -0.4064), so shoppers are on the
negative-local-y side, as in Walkout. Walkout puts a fixture's origin at its
front-left-bottom corner, so the origin moves forward to the shelves' front
edge and the shelves move back by the same amount.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from walkout.domain.geometry import Pose
from walkout.domain.store import Fixture, Plate, Shelf
from walkout.importers.sources import SourceError, dig, number, read_json

Address = tuple[int, int, int]  # gondola, shelf, plate (1-based, as AiFi numbers them)


@dataclass
class MetaShelf:
    index: int
    at: np.ndarray  # in its gondola's frame
    rvec: np.ndarray
    size: tuple[float, float]  # length, depth
    plates: dict[int, tuple[np.ndarray, np.ndarray, tuple[float, float]]] = field(
        default_factory=dict
    )


@dataclass
class MetaGondola:
    id: int
    at: np.ndarray  # backboard origin in the world
    rvec: np.ndarray
    size: tuple[float, float, float]  # length, backboard thickness, height
    shelves: dict[int, MetaShelf] = field(default_factory=dict)


def fixture_id(gondola: int) -> str:
    return f"G{gondola}"


def plate_address_id(g: int, s: int, p: int) -> str:
    return f"{fixture_id(g)}.{s}.{p}"


def read_store_meta(directory: Path) -> dict[int, MetaGondola]:
    """Gondolas by id, with their shelves and plates, in AiFi's frames."""
    gondolas: dict[int, MetaGondola] = {}
    path = directory / "Gondolas.json"
    for i, g in enumerate(dig(read_json(path), "gondolas", str(path))):
        where = f"{path}: gondolas[{i}]"
        gid = int(number(dig(g, "id.id", where), "id.id", where))
        at, rvec, dims = _coordinates(g, where)
        gondolas[gid] = MetaGondola(gid, at, rvec, (dims[0], dims[1], dims[2]))
    path = directory / "Shelves.json"
    for i, s in enumerate(dig(read_json(path), "shelves", str(path))):
        where = f"{path}: shelves[{i}]"
        gid = int(number(dig(s, "id.gondola_id.id", where), "id.gondola_id.id", where))
        idx = int(number(dig(s, "id.shelf_index", where), "id.shelf_index", where))
        if gid not in gondolas:
            raise SourceError(f"{where}: gondola {gid} is not in Gondolas.json")
        at, rvec, dims = _coordinates(s, where)
        gondolas[gid].shelves[idx] = MetaShelf(idx, at, rvec, (dims[0], dims[1]))
    path = directory / "Plates.json"
    for i, p in enumerate(dig(read_json(path), "plates", str(path))):
        where = f"{path}: plates[{i}]"
        gid = int(number(dig(p, "id.shelf_id.gondola_id.id", where), "gondola id", where))
        sidx = int(number(dig(p, "id.shelf_id.shelf_index", where), "shelf_index", where))
        pidx = int(number(dig(p, "id.plate_index", where), "plate_index", where))
        shelf = gondolas[gid].shelves.get(sidx) if gid in gondolas else None
        if shelf is None:
            raise SourceError(f"{where}: shelf {gid}.{sidx} is not in Shelves.json")
        at, rvec, dims = _coordinates(p, where)
        shelf.plates[pidx] = (at, rvec, (dims[0], dims[1]))
    return gondolas


def _coordinates(obj: Any, where: str) -> tuple[np.ndarray, np.ndarray, list[float]]:
    c = dig(obj, "coordinates", where)
    tr = dig(c, "transform.translation", where, {})
    rot = dig(c, "transform.rotation", where, {})
    # protobuf JSON leaves zero fields out: a missing x is 0
    at = np.array([number(tr.get(k, 0), f"translation.{k}", where) for k in "xyz"])
    rvec = np.array([number(rot.get(k, 0), f"rotation.{k}", where) for k in "xyz"])
    dims = [number(c.get(f"dim_{k}", 0), f"dim_{k}", where) for k in "xyz"]
    return at, rvec, dims


def rodrigues(rvec: np.ndarray) -> np.ndarray:
    theta = float(np.linalg.norm(rvec))
    if theta < 1e-12:
        return np.eye(3)
    k = rvec / theta
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(theta) * kx + (1 - math.cos(theta)) * kx @ kx


def pose_of(at: np.ndarray, rot: np.ndarray) -> Pose:
    """A Walkout pose (yaw, pitch, roll in degrees) from a translation and a
    rotation matrix. AiFi wrote -pi/2 as -1.5708, so angles within 0.01 deg of
    a right angle are snapped to it; lengths are rounded to 0.1 mm."""
    yaw = math.degrees(math.atan2(rot[1, 0], rot[0, 0]))
    pitch = math.degrees(math.asin(max(-1.0, min(1.0, -rot[2, 0]))))
    roll = math.degrees(math.atan2(rot[2, 1], rot[2, 2]))
    return Pose(
        at=(_m(at[0]), _m(at[1]), _m(at[2])), yaw=_deg(yaw), pitch=_deg(pitch), roll=_deg(roll)
    )


def _m(x: float) -> float:
    return round(float(x), 4) + 0.0  # + 0.0 turns -0.0 into 0.0


def _deg(a: float) -> float:
    snapped = round(a / 90.0) * 90.0
    out = snapped if abs(a - snapped) < 0.01 else round(a, 4)
    return 0.0 if out == 0 or out == 360 or out == -360 else out


def layout_addresses(gondolas: dict[int, MetaGondola]) -> set[Address]:
    return {
        (g.id, s.index, p) for g in gondolas.values() for s in g.shelves.values() for p in s.plates
    }


def to_fixtures(
    gondolas: dict[int, MetaGondola], extra: frozenset[Address] | set[Address] = frozenset()
) -> list[Fixture]:
    """Walkout fixtures, with ``extra`` plates (seen in the data, absent from
    store_meta) placed by extrapolating their shelf's plate spacing."""
    out = []
    for g in sorted(gondolas.values(), key=lambda g: g.id):
        rg = rodrigues(g.rvec)
        fronts = [s.at[1] for s in g.shelves.values()] or [0.0]
        origin = np.array([0.0, min(min(fronts), 0.0), 0.0])  # front-left-bottom, gondola frame
        depth = -origin[1] + g.size[1]
        shelves = []
        for s in sorted(g.shelves.values(), key=lambda s: s.index):
            mine = sorted(p for (gg, ss, p) in extra if gg == g.id and ss == s.index)
            shelves.append(_shelf(s, s.at - origin, mine))
        out.append(
            Fixture(
                id=fixture_id(g.id),
                kind="gondola",
                pose=pose_of(g.at + rg @ origin, rg),
                size=(_m(g.size[0]), _m(depth), _m(g.size[2])),
                shelves=shelves,
            )
        )
    return out


def _shelf(s: MetaShelf, at: np.ndarray, extra: list[int]) -> Shelf:
    length, depth = _m(s.size[0]), _m(s.size[1])
    plates = {
        i: (_m(a[0]), _m(a[1]), _m(a[2]), _m(d[0]), _m(d[1]), bool(np.any(r)))
        for i, (a, r, d) in s.plates.items()
    }
    n = len(plates)
    width = round(length / n, 4) if n else 0.0
    regular = (
        not extra
        and n > 0
        and all(
            i in plates and plates[i] == (_m((i - 1) * length / n), 0.0, 0.0, width, depth, False)
            for i in range(1, n + 1)
        )
    )
    pose = pose_of(at, rodrigues(s.rvec))
    if regular:
        return Shelf(index=s.index, pose=pose, size=(length, depth), plates=n)
    widths = sorted(v[3] for v in plates.values()) or [0.1016]
    step = widths[len(widths) // 2]
    plate_list = [
        Plate(index=i, pose=pose_of(np.array(v[:3]), rodrigues(s.plates[i][1])), size=(v[3], v[4]))
        for i, v in sorted(plates.items())
    ]
    plate_list += [
        Plate(index=i, pose=Pose(at=(_m((i - 1) * step), 0.0, 0.0)), size=(step, depth))
        for i in extra
        if i not in plates
    ]
    return Shelf(
        index=s.index,
        pose=pose,
        size=(length, depth),
        plates=sorted(plate_list, key=lambda p: p.index),
    )
