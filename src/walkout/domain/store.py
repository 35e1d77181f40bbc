"""The store file's model: layout, sensors, planogram and catalogue.

A store is a tree of frames: fixtures stand on the floor, shelves sit in
fixtures, plates (one load cell each) lie on shelves. The planogram says which
product stands on which plates. Plate ids are ``FIXTURE.SHELF.PLATE`` (for
example ``G1.5.11``), the same address the AiFi NanoStore uses.

Cross-references are checked here, so that a store that validates can be used
by the twin, the engine and the server without defensive code.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Literal

import numpy as np
from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from walkout.domain.catalogue import Product, Sku
from walkout.domain.geometry import Pose, Positive, Vec2, Vec3, point_in_polygon

STORE_FORMAT = "walkout-store/1"
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Problem(_Model):
    """One thing wrong with a store, addressed by its path in the file."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class StoreProblems(ValueError):
    """Raised by ``Store`` validation; carries every problem, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class Plate(_Model):
    """One load cell under a strip of shelf, posed in its shelf's frame."""

    index: int = Field(ge=1)
    pose: Pose = Pose()
    size: tuple[Positive, Positive] = Field(description="width along the shelf, depth (m)")


class Shelf(_Model):
    """A shelf in its fixture's frame; ``pose.at[2]`` is the height of its surface.

    ``plates`` is either a count (the shelf is cut into that many equal strips,
    as the NanoStore's twelve 4-inch plates per 1.2 m shelf) or an explicit list.
    """

    index: int = Field(ge=1, description="1 is the lowest shelf")
    pose: Pose
    size: tuple[Positive, Positive] = Field(description="length, depth (m)")
    plates: int | list[Plate] = Field(default=1)

    @field_validator("plates")
    @classmethod
    def _some_plates(cls, v: int | list[Plate]) -> int | list[Plate]:
        if isinstance(v, int) and v < 1:
            raise ValueError("a shelf needs at least one plate")
        if isinstance(v, list) and not v:
            raise ValueError("a shelf needs at least one plate")
        return v

    def plate_list(self) -> list[Plate]:
        if isinstance(self.plates, list):
            return self.plates
        width = self.size[0] / self.plates
        return [
            Plate(index=i + 1, pose=Pose(at=(i * width, 0.0, 0.0)), size=(width, self.size[1]))
            for i in range(self.plates)
        ]


FixtureKind = Literal["gondola", "wall", "cooler", "freezer", "table", "obstacle"]


class Fixture(_Model):
    """A shelving unit (or an obstacle) standing on the floor.

    Its frame: origin at the front-left-bottom corner, x along the front,
    y into the fixture (shoppers stand at negative y), z up.
    """

    id: Ident
    kind: FixtureKind = "gondola"
    pose: Pose
    size: tuple[Positive, Positive, Positive] = Field(description="length, depth, height (m)")
    shelves: list[Shelf] = Field(default_factory=list)
    controller: Ident | None = Field(
        default=None, description="device id of the shelf controller that reports its plates"
    )

    @property
    def device(self) -> str:
        return self.controller or self.id


class Gate(_Model):
    """A doorway between posts ``a`` and ``b``; the store's inside is to the left of a->b."""

    id: Ident
    kind: Literal["entry", "exit", "both"]
    a: Vec2
    b: Vec2

    def midpoint(self) -> np.ndarray:
        return (np.asarray(self.a, dtype=float) + np.asarray(self.b, dtype=float)) / 2

    def inward(self) -> np.ndarray:
        d = np.asarray(self.b, dtype=float) - np.asarray(self.a, dtype=float)
        n = np.array([-d[1], d[0]])
        return n / np.linalg.norm(n)


class Intrinsics(_Model):
    """Pinhole intrinsics in pixels with OpenCV distortion (k1, k2, p1, p2[, k3...])."""

    width: int = Field(gt=0)
    height: int = Field(gt=0)
    fx: Positive
    fy: Positive
    cx: float
    cy: float
    distortion: list[float] = Field(default_factory=list, max_length=14)

    def matrix(self) -> np.ndarray:
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])


class Extrinsics(_Model):
    """World-to-camera transform in OpenCV's convention (x right, y down, z forward):
    ``p_cam = R(rvec) @ p_world + tvec``, so it feeds ``cv2.projectPoints`` as is."""

    rvec: Vec3
    tvec: Vec3


class Camera(_Model):
    id: Ident
    intrinsics: Intrinsics
    extrinsics: Extrinsics
    fps: Positive = 15.0

    def rotation(self) -> np.ndarray:
        """World-to-camera rotation matrix (Rodrigues formula, as cv2.Rodrigues)."""
        r = np.asarray(self.extrinsics.rvec, dtype=float)
        theta = float(np.linalg.norm(r))
        if theta < 1e-12:
            return np.eye(3)
        k = r / theta
        kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
        return np.eye(3) + np.sin(theta) * kx + (1 - np.cos(theta)) * kx @ kx

    def position(self) -> np.ndarray:
        """The camera centre in the world frame."""
        return -self.rotation().T @ np.asarray(self.extrinsics.tvec, dtype=float)


class RfidReader(_Model):
    id: Ident
    gate: Ident = Field(description="the exit gate whose doorway it covers")
    at: Vec3
    range_m: Positive = 1.5


class Facing(_Model):
    """Where a product stands: contiguous plates of one shelf, in lanes side by side."""

    product: Sku
    plates: list[str] = Field(min_length=1)
    facings: int = Field(default=1, ge=1, description="lanes of units side by side")
    capacity: int = Field(ge=1, description="most units the facing holds")
    stock: int | None = Field(default=None, ge=0, description="units at opening; default capacity")

    @property
    def initial_stock(self) -> int:
        return self.capacity if self.stock is None else self.stock


class Tax(_Model):
    """Rates as decimal fractions (0.0725 is 7.25 %), by product category."""

    default: Decimal = Field(default=Decimal(0), ge=0, le=1)
    categories: dict[str, Annotated[Decimal, Field(ge=0, le=1)]] = Field(default_factory=dict)
    included: bool = Field(default=False, description="prices already include tax (VAT style)")

    def rate(self, category: str) -> Decimal:
        return self.categories.get(category, self.default)


class Floor(_Model):
    outline: list[Vec2] = Field(min_length=3, description="polygon of the sales floor (m)")
    height: Positive = Field(default=3.0, description="ceiling height (m)")


class Store(_Model):
    format: Literal["walkout-store/1"] = STORE_FORMAT
    id: Ident
    name: str = Field(min_length=1)
    currency: str = Field(description="ISO 4217 code, e.g. USD")
    locale: str = Field(default="en_US", description="for money and dates, e.g. en_US, de_DE")
    timezone: str = Field(default="UTC", description="IANA name, e.g. America/Los_Angeles")
    tax: Tax = Tax()
    floor: Floor
    gates: list[Gate] = Field(min_length=1)
    fixtures: list[Fixture] = Field(default_factory=list)
    planogram: list[Facing] = Field(default_factory=list)
    cameras: list[Camera] = Field(default_factory=list)
    rfid_readers: list[RfidReader] = Field(default_factory=list)
    catalogue: list[Product] = Field(default_factory=list)

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        if v not in _CURRENCIES:
            raise ValueError(f"{v!r} is not an ISO 4217 currency code")
        return v

    @field_validator("locale")
    @classmethod
    def _locale(cls, v: str) -> str:
        try:
            Locale.parse(v)
        except (UnknownLocaleError, ValueError) as e:
            raise ValueError(f"{v!r} is not a known locale ({e})") from None
        return v

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, v: str) -> str:
        try:
            zoneinfo.ZoneInfo(v)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{v!r} is not an IANA time zone") from None
        return v

    @model_validator(mode="after")
    def _cross_references(self) -> Store:
        problems = _check(self)
        if problems:
            raise StoreProblems(problems)
        return self

    # -- lookups -------------------------------------------------------------

    @cached_property
    def products(self) -> dict[str, Product]:
        return {p.sku: p for p in self.catalogue}

    @cached_property
    def plate_ids(self) -> list[str]:
        return [
            plate_id(f.id, s.index, p.index)
            for f in self.fixtures
            for s in f.shelves
            for p in s.plate_list()
        ]

    def gates_of_kind(self, kind: Literal["entry", "exit"]) -> list[Gate]:
        return [g for g in self.gates if g.kind in (kind, "both")]


_CURRENCIES = frozenset(list_currencies())


def plate_id(fixture: str, shelf: int, plate: int) -> str:
    return f"{fixture}.{shelf}.{plate}"


def parse_plate_id(pid: str) -> tuple[str, int, int]:
    """``'G1.5.11' -> ('G1', 5, 11)``; raises ValueError on anything else."""
    parts = pid.rsplit(".", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit() or not parts[0]:
        raise ValueError(f"{pid!r} is not a plate id FIXTURE.SHELF.PLATE")
    return parts[0], int(parts[1]), int(parts[2])


def _dupes(items: list[str]) -> list[str]:
    return sorted(k for k, n in Counter(items).items() if n > 1)


def _check(store: Store) -> list[Problem]:
    """Every cross-reference problem, each addressed by its path in the file."""
    out: list[Problem] = []
    for what, ids in (
        ("fixtures", [f.id for f in store.fixtures]),
        ("gates", [g.id for g in store.gates]),
        ("cameras", [c.id for c in store.cameras]),
        ("rfid_readers", [r.id for r in store.rfid_readers]),
        ("catalogue", [p.sku for p in store.catalogue]),
    ):
        for d in _dupes(ids):
            out.append(Problem(path=what, message=f"id {d!r} is used more than once"))

    if not store.gates_of_kind("entry"):
        out.append(Problem(path="gates", message="the store needs an entry gate"))
    if not store.gates_of_kind("exit"):
        out.append(Problem(path="gates", message="the store needs an exit gate"))
    outline = store.floor.outline
    for i, g in enumerate(store.gates):
        inside = g.midpoint() + 0.3 * g.inward()
        if not point_in_polygon(float(inside[0]), float(inside[1]), outline):
            out.append(
                Problem(
                    path=f"gates[{i}] ({g.id})",
                    message="the left of a->b must be the store's inside; swap a and b",
                )
            )

    plates: dict[str, tuple[str, int]] = {}
    for fi, f in enumerate(store.fixtures):
        for d in _dupes([str(s.index) for s in f.shelves]):
            out.append(
                Problem(path=f"fixtures[{fi}] ({f.id}).shelves", message=f"shelf index {d} repeats")
            )
        for si, s in enumerate(f.shelves):
            if isinstance(s.plates, list):
                for d in _dupes([str(p.index) for p in s.plates]):
                    out.append(
                        Problem(
                            path=f"fixtures[{fi}] ({f.id}).shelves[{si}].plates",
                            message=f"plate index {d} repeats",
                        )
                    )
            for p in s.plate_list():
                plates[plate_id(f.id, s.index, p.index)] = (f.id, s.index)
        corners = _footprint(f)
        for x, y in corners:
            if not point_in_polygon(x, y, outline):
                out.append(
                    Problem(
                        path=f"fixtures[{fi}] ({f.id}).pose",
                        message=f"corner ({x:.2f}, {y:.2f}) lies outside the floor outline",
                    )
                )
                break

    gate_ids = {g.id for g in store.gates}
    for i, r in enumerate(store.rfid_readers):
        if r.gate not in gate_ids:
            out.append(
                Problem(path=f"rfid_readers[{i}] ({r.id}).gate", message=f"no gate {r.gate!r}")
            )

    skus = {p.sku for p in store.catalogue}
    for i, fc in enumerate(store.planogram):
        where = f"planogram[{i}] ({fc.product})"
        if fc.product not in skus:
            out.append(Problem(path=f"{where}.product", message="not in the catalogue"))
        shelves = set()
        for j, pid in enumerate(fc.plates):
            if pid not in plates:
                out.append(
                    Problem(path=f"{where}.plates[{j}]", message=f"no plate {pid!r} in the layout")
                )
            else:
                shelves.add(plates[pid])
        if len(shelves) > 1:
            out.append(
                Problem(path=f"{where}.plates", message="a facing's plates must share one shelf")
            )
        elif shelves and all(pid in plates for pid in fc.plates):
            idx = sorted(parse_plate_id(p)[2] for p in fc.plates)
            if idx != list(range(idx[0], idx[0] + len(idx))):
                out.append(
                    Problem(path=f"{where}.plates", message="a facing's plates must be adjacent")
                )
        if fc.stock is not None and fc.stock > fc.capacity:
            out.append(
                Problem(path=f"{where}.stock", message=f"{fc.stock} exceeds capacity {fc.capacity}")
            )
    return out


def _footprint(f: Fixture) -> list[tuple[float, float]]:
    m = f.pose.matrix()
    length, depth, _ = f.size
    pts = np.array([[0, 0, 0], [length, 0, 0], [length, depth, 0], [0, depth, 0]], dtype=float)
    w = (pts @ m[:3, :3].T + m[:3, 3])[:, :2]
    # 1 cm inward, so a fixture flush against a wall is not "outside" by rounding.
    c = w.mean(axis=0)
    w = w + 0.01 * (c - w) / np.maximum(np.linalg.norm(c - w, axis=1, keepdims=True), 1e-9)
    return [(float(x), float(y)) for x, y in w]
