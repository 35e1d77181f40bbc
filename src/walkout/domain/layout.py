"""World geometry of a store, computed once and kept in arrays.

The store file holds poses relative to parents; the twin, the engine and the
plots need plates and fixtures in the world frame, fast. ``Layout`` does that
arithmetic once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from walkout.domain.store import Facing, Fixture, Store, plate_id


@dataclass(frozen=True)
class PlateGeom:
    """A plate in the world frame."""

    id: str
    fixture: str
    shelf: int
    index: int
    device: str
    corners: np.ndarray  # (4, 3): front-left, front-right, back-right, back-left
    center: np.ndarray  # (3,)
    front: np.ndarray  # (3,) middle of the front edge, where hands reach in
    outward: np.ndarray  # (3,) unit vector from the shelf towards the shopper
    width: float
    depth: float


@dataclass(frozen=True)
class FixtureGeom:
    id: str
    kind: str
    footprint: np.ndarray  # (4, 2) floor corners, counter-clockwise from front-left
    height: float
    outward: np.ndarray  # (2,) unit vector the front faces


@dataclass
class Layout:
    store: Store
    plates: list[PlateGeom] = field(default_factory=list)
    fixtures: list[FixtureGeom] = field(default_factory=list)
    plate_index: dict[str, int] = field(default_factory=dict)
    facings_on_plate: dict[str, list[int]] = field(default_factory=dict)
    shelf_z: dict[tuple[str, int], float] = field(default_factory=dict)  # plates' mean height

    @classmethod
    def of(cls, store: Store) -> Layout:
        lay = cls(store=store)
        for f in store.fixtures:
            lay.fixtures.append(_fixture_geom(f))
            fm = f.pose.matrix()
            for s in f.shelves:
                sm = fm @ s.pose.matrix()
                for p in s.plate_list():
                    pm = sm @ p.pose.matrix()
                    w, d = p.size
                    local = np.array([[0, 0, 0], [w, 0, 0], [w, d, 0], [0, d, 0]], dtype=float)
                    corners = local @ pm[:3, :3].T + pm[:3, 3]
                    outward = -pm[:3, 1] / np.linalg.norm(pm[:3, 1])
                    pid = plate_id(f.id, s.index, p.index)
                    lay.plate_index[pid] = len(lay.plates)
                    lay.plates.append(
                        PlateGeom(
                            id=pid,
                            fixture=f.id,
                            shelf=s.index,
                            index=p.index,
                            device=f.device,
                            corners=corners,
                            center=corners.mean(axis=0),
                            front=(corners[0] + corners[1]) / 2,
                            outward=outward,
                            width=w,
                            depth=d,
                        )
                    )
        for i, fc in enumerate(store.planogram):
            for pid in fc.plates:
                lay.facings_on_plate.setdefault(pid, []).append(i)
        zs: dict[tuple[str, int], list[float]] = {}
        for g in lay.plates:
            zs.setdefault((g.fixture, g.shelf), []).append(float(g.center[2]))
        lay.shelf_z = {k: sum(v) / len(v) for k, v in zs.items()}
        return lay

    def plate(self, pid: str) -> PlateGeom:
        return self.plates[self.plate_index[pid]]

    def headroom(self, fixture: str, shelf: int) -> float | None:
        """Height from a shelf's plates to the plates of the shelf above it on the same
        fixture (None for the top shelf): a hand taking from this shelf is below that."""
        here = self.shelf_z.get((fixture, shelf))
        if here is None:
            return None
        above = [z - here for (f, _), z in self.shelf_z.items() if f == fixture and z > here + 0.05]
        return min(above) if above else None

    def facings_at(self, pid: str) -> list[Facing]:
        return [self.store.planogram[i] for i in self.facings_on_plate.get(pid, [])]

    @property
    def centers(self) -> np.ndarray:
        return np.array([p.center for p in self.plates]).reshape(-1, 3)

    def devices(self) -> dict[str, list[str]]:
        """Shelf controller -> the plate ids it reports, in report order."""
        out: dict[str, list[str]] = {}
        for p in self.plates:
            out.setdefault(p.device, []).append(p.id)
        return out

    def bounds(self) -> tuple[float, float, float, float]:
        o = np.asarray(self.store.floor.outline, dtype=float)
        return (
            float(o[:, 0].min()),
            float(o[:, 1].min()),
            float(o[:, 0].max()),
            float(o[:, 1].max()),
        )


def _fixture_geom(f: Fixture) -> FixtureGeom:
    m = f.pose.matrix()
    length, depth, height = f.size
    pts = np.array([[0, 0, 0], [length, 0, 0], [length, depth, 0], [0, depth, 0]], dtype=float)
    w = pts @ m[:3, :3].T + m[:3, 3]
    out = -m[:2, 1] / np.linalg.norm(m[:2, 1])
    return FixtureGeom(id=f.id, kind=f.kind, footprint=w[:, :2], height=height, outward=out)
