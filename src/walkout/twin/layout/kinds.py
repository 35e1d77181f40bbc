"""The three kinds of store the generator makes, as numbers a reviewer can argue with.

Each kind is a floor shape, aisle widths, fixture types and a merchandising
plan; the generator scales the floor with the area asked for and lets the
fixture, plate and product counts follow from the geometry, so a bigger store
is more of the same store rather than a different one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from walkout.domain.store import Tax

SEGMENT = 1.2  # m: one fixture per 1.2 m segment, each with its own shelf controller


@dataclass(frozen=True)
class FixtureType:
    """A shelving unit as bought: the generator only chooses where it stands."""

    kind: str  # the store file's fixture kind
    where: str  # which products it holds: "ambient", "cooler" or "freezer"
    depth: float  # footprint depth (m)
    height: float  # upright height (m); also what blocks a camera's view
    shelf_heights: tuple[float, ...]  # shelf surfaces, lowest first (m)
    shelf_depth: float
    plates: int  # load cells per 1.2 m shelf
    shelf_inset: float = 0.0  # shelf front behind the fixture front (glass doors)

    def clear_height(self, level: int) -> float:
        """Room above shelf ``level`` (0-based) for a unit, under the next shelf's 3 cm board."""
        hs = self.shelf_heights
        top = hs[level + 1] - 0.03 if level + 1 < len(hs) else self.height + 0.1
        return top - hs[level]


def _ambient(
    kind: str, depth: float, height: float, heights: tuple[float, ...], plates: int
) -> FixtureType:
    return FixtureType(kind, "ambient", depth, height, heights, round(depth - 0.05, 2), plates)


ISLAND_5 = (0.15, 0.48, 0.81, 1.14, 1.47)
WALL_6 = (0.15, 0.48, 0.81, 1.14, 1.47, 1.80)
COOLER_5 = (0.20, 0.58, 0.96, 1.34, 1.72)
FREEZER_5 = (0.15, 0.54, 0.93, 1.32, 1.71)


def cooler(plates: int) -> FixtureType:
    return FixtureType("cooler", "cooler", 0.85, 2.1, COOLER_5, 0.6, plates, shelf_inset=0.06)


def freezer(plates: int) -> FixtureType:
    return FixtureType("freezer", "freezer", 0.85, 2.1, FREEZER_5, 0.55, plates, shelf_inset=0.06)


def produce_table(depth: float, plates: int) -> FixtureType:
    """Half of a produce island: one display deck at 0.75 m, fruit heaped up to 0.25 m."""
    return FixtureType("table", "produce", depth, 0.9, (0.75,), round(depth - 0.05, 2), plates)


@dataclass(frozen=True)
class KindSpec:
    name: str
    default_area: float
    min_area: float
    max_area: float
    aspect: float  # floor width (along the front wall) over depth
    ceiling: float
    aisle: float  # between islands; never less than the brief's minimum
    perimeter_aisle: float  # in front of the wall runs
    front_zone: float  # clear band behind the front wall, where the gates are
    cross_aisle: float
    block_segments: int  # island segments between cross aisles
    entries: int
    exits: int
    island: FixtureType
    wall: FixtureType
    cooler: FixtureType
    freezer: FixtureType
    right_freezers: float  # share of the right wall that is freezers (the rest coolers)
    # Shelves per m^2 of floor; None fills the floor with gondola islands. With a
    # budget, the floor it leaves is a fresh hall (aisles ``fresh_aisle``) whose
    # islands are service counters (``service_share`` of them) and produce tables.
    shelf_density: float | None
    fresh_aisle: float
    service_share: float
    merch: dict[str, tuple[tuple[str, float], ...]]  # fixture role -> (category, share)
    facing_width: float  # what a product's facing aims at (m); the plate counts follow
    currency: str
    locale: str
    timezone: str
    tax: Tax
    camera_size: tuple[int, int]
    camera_hfov: float  # degrees
    camera_overlap: float  # cameras seeing an average floor point (sets the count)
    label: str = field(default="")


# California: food for home consumption (soft drinks and candy included) is
# exempt; everything else pays the statewide base rate of 7.25 % (local
# district add-ons omitted, alcohol and tobacco excise being in the shelf price).
FOOD = ("dairy", "frozen", "snacks", "candy", "canned", "grocery", "bakery", "produce")
US_TAX = Tax(default=Decimal("0.0725"), categories={c: Decimal(0) for c in ("drinks", *FOOD)})
# Germany: VAT is in the shelf price; 7 % on food (milk included), 19 % on
# everything else, soft drinks, water and juice included.
DE_TAX = Tax(default=Decimal("0.19"), categories={c: Decimal("0.07") for c in FOOD}, included=True)

_AMBIENT_MERCH = {
    "island": (
        ("snacks", 0.3),
        ("candy", 0.2),
        ("grocery", 0.2),
        ("canned", 0.15),
        ("bakery", 0.15),
    ),
    "wall": (
        ("household", 0.3),
        ("personal-care", 0.3),
        ("alcohol", 0.2),
        ("electronics", 0.1),
        ("tobacco", 0.1),
    ),
    "cooler": (("drinks", 0.6), ("dairy", 0.2), ("alcohol", 0.2)),
    "freezer": (("frozen", 1.0),),
}

KINDS: dict[str, KindSpec] = {
    "corner-shop": KindSpec(
        name="corner-shop",
        label="Corner shop",
        default_area=40.0,
        min_area=20.0,
        max_area=150.0,
        aspect=0.9,
        ceiling=2.8,
        aisle=1.2,
        perimeter_aisle=1.2,
        front_zone=1.5,
        cross_aisle=1.2,
        block_segments=8,
        entries=1,
        exits=1,
        island=_ambient("gondola", 0.5, 1.8, ISLAND_5, 6),
        wall=_ambient("wall", 0.55, 2.15, WALL_6, 6),
        cooler=cooler(4),
        freezer=freezer(2),
        right_freezers=0.35,
        shelf_density=None,
        fresh_aisle=0.0,
        service_share=0.0,
        merch={
            "island": (("snacks", 0.35), ("candy", 0.25), ("grocery", 0.25), ("canned", 0.15)),
            "wall": (("household", 0.5), ("personal-care", 0.5)),
            "cooler": (("drinks", 0.6), ("dairy", 0.2), ("alcohol", 0.2)),
            "freezer": (("frozen", 1.0),),
        },
        facing_width=0.55,
        currency="USD",
        locale="en_US",
        timezone="America/Los_Angeles",
        tax=US_TAX,
        camera_size=(1280, 720),
        camera_hfov=100.0,
        camera_overlap=4.0,
    ),
    "convenience": KindSpec(
        name="convenience",
        label="Convenience store",
        default_area=170.0,
        min_area=60.0,
        max_area=800.0,
        aspect=1.35,
        ceiling=3.4,
        aisle=1.5,
        perimeter_aisle=1.5,
        front_zone=3.0,
        cross_aisle=1.5,
        block_segments=6,
        entries=1,
        exits=1,
        island=_ambient("gondola", 0.5, 1.8, ISLAND_5, 6),
        wall=_ambient("wall", 0.55, 2.15, WALL_6, 6),
        cooler=cooler(6),
        freezer=freezer(4),
        right_freezers=0.4,
        shelf_density=None,
        fresh_aisle=0.0,
        service_share=0.0,
        merch=_AMBIENT_MERCH,
        facing_width=0.65,
        currency="USD",
        locale="en_US",
        timezone="America/Los_Angeles",
        tax=US_TAX,
        camera_size=(1920, 1080),
        camera_hfov=100.0,
        camera_overlap=5.3,
    ),
    "supermarket": KindSpec(
        name="supermarket",
        label="Supermarket",
        default_area=2500.0,
        min_area=600.0,
        max_area=10_000.0,
        aspect=1.45,
        ceiling=4.5,
        aisle=2.4,
        perimeter_aisle=2.6,
        front_zone=5.0,
        cross_aisle=3.0,
        block_segments=12,
        entries=2,
        exits=2,
        island=_ambient("gondola", 0.55, 1.8, ISLAND_5, 6),
        wall=_ambient("wall", 0.6, 2.15, WALL_6, 6),
        cooler=cooler(6),
        freezer=freezer(4),
        right_freezers=1.0,
        shelf_density=0.72,
        fresh_aisle=8.0,
        service_share=0.4,
        merch={
            **_AMBIENT_MERCH,
            "table": (("produce", 1.0),),
            "island": (
                ("grocery", 0.25),
                ("snacks", 0.2),
                ("canned", 0.15),
                ("candy", 0.1),
                ("bakery", 0.1),
                ("household", 0.1),
                ("personal-care", 0.1),
            ),
        },
        facing_width=0.8,
        currency="EUR",
        locale="de_DE",
        timezone="Europe/Berlin",
        tax=DE_TAX,
        camera_size=(1920, 1080),
        camera_hfov=100.0,
        camera_overlap=4.0,
    ),
}


def kind_spec(kind: str) -> KindSpec:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"no store kind {kind!r}; choose one of {', '.join(KINDS)}") from None
