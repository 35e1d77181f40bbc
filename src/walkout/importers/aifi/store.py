"""The AiFi NanoStore as a Walkout store.

Layout from store_meta, cameras and floor from calibration.json, catalogue and
planogram from a session (products.jsonl, planogram.jsonl), and any plates the
session's data have that store_meta lacks (see ``channels``).

Gates: AiFi publishes none. The floor is calibration's ``world_ltrb`` box
(7.4 m x 4.2 m); the gondolas stand along its far side (y > 0.09 m) and the
shop front is the near side, y = -2.79 m. Both doors are put in that wall,
0.9 m wide, straight in front of where BENCHMARK-1's shopper is first seen
(x = 3.35 m: entry) and last seen (x = 0.5 m: exit), so a shopper walks from
the entry into the aisle and leaves the way the recorded one went.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from walkout.domain.catalogue import Product
from walkout.domain.store import Facing, Floor, Gate, Store
from walkout.importers.aifi.cameras import Calibration, read_calibration
from walkout.importers.aifi.catalogue import build_catalogue, read_planogram, read_products
from walkout.importers.aifi.channels import ChannelPlan, ChannelSurvey, plan
from walkout.importers.aifi.layout import (
    Address,
    MetaGondola,
    layout_addresses,
    read_store_meta,
    to_fixtures,
)
from walkout.importers.aifi.plates import iter_plate_messages
from walkout.importers.report import ImportReport

STORE_ID = "nanostore"
STORE_NAME = "AiFi NanoStore (Campbell, CA)"
GATE_WIDTH = 0.9
ENTRY_X = 3.35  # where BENCHMARK-1's shopper is first seen
EXIT_X = 0.5  # ... and last seen


def build_nanostore(store_meta_dir: Path, session_dir: Path | None = None) -> Store:
    """The NanoStore; with ``session_dir``, also its catalogue, planogram and
    any plates its load-cell data add. Deterministic: the same files give the
    same store."""
    store, _ = nanostore_with_report(store_meta_dir, session_dir)
    return store


def nanostore_with_report(
    store_meta_dir: Path,
    session_dir: Path | None = None,
    *,
    keep_all_channels: bool = False,
    include_overhead_cameras: bool = False,
    report: ImportReport | None = None,
) -> tuple[Store, ChannelPlan | None]:
    """The store, and the channel plan its plate data gave (None without data)."""
    report = report or ImportReport(source="aifi", layout=str(store_meta_dir))
    gondolas = read_store_meta(store_meta_dir)
    calibration = read_calibration(store_meta_dir / "calibration.json", include_overhead_cameras)
    for note in calibration.notes:
        report.warn(note)
    channel_plan = None
    extra: set[Address] = set()
    if session_dir is not None and (session_dir / "plate_data.jsonl").is_file():
        channel_plan = survey_mongo_channels(
            session_dir / "plate_data.jsonl", gondolas, keep_all_channels
        )
        extra = channel_plan.added
        for w in channel_plan.warnings:
            report.warn(w)
    catalogue: list[Product] = []
    facings: list[Facing] = []
    if session_dir is not None:
        products = read_products(session_dir / "products.jsonl", report)
        placements = read_planogram(session_dir / "planogram.jsonl", report)
        known = layout_addresses(gondolas) | extra
        catalogue, facings = build_catalogue(products, placements, known.__contains__, report)
    store = assemble(gondolas, calibration, catalogue, facings, extra)
    return store, channel_plan


def survey_mongo_channels(
    path: Path, gondolas: dict[int, MetaGondola], keep_all: bool
) -> ChannelPlan:
    survey = ChannelSurvey(layout=layout_addresses(gondolas))
    for msg in iter_plate_messages(path):
        survey.feed(msg.gondola, msg.data)
    return plan(survey, keep_all)


def assemble(
    gondolas: dict[int, MetaGondola],
    calibration: Calibration,
    catalogue: list[Product],
    planogram: list[Facing],
    extra: Iterable[Address] = (),
) -> Store:
    left, top, right, bottom = calibration.world_ltrb_m
    outline = [(left, top), (right, top), (right, bottom), (left, bottom)]
    return Store(
        id=STORE_ID,
        name=STORE_NAME,
        currency="USD",
        locale="en_US",
        timezone="America/Los_Angeles",
        floor=Floor(outline=outline, height=3.0),
        gates=front_gates(left, top, right),
        fixtures=to_fixtures(gondolas, set(extra)),
        planogram=planogram,
        cameras=calibration.cameras,
        catalogue=catalogue,
    )


def front_gates(left: float, front_y: float, right: float) -> list[Gate]:
    """Entry and exit doors in the front wall; inside (+y) is left of a->b."""

    def door(gid: str, kind: str, centre: float) -> Gate:
        c = min(max(centre, left + GATE_WIDTH / 2), right - GATE_WIDTH / 2)
        return Gate(
            id=gid,
            kind=kind,  # type: ignore[arg-type]
            a=(round(c - GATE_WIDTH / 2, 4), front_y),
            b=(round(c + GATE_WIDTH / 2, 4), front_y),
        )

    return [door("entry", "entry", ENTRY_X), door("exit", "exit", EXIT_X)]
