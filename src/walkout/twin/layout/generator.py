"""``generate_store``: a whole store file from a kind, an area and a seed.

Each stage draws from its own random stream (spawned from the seed), so a
change in how cameras are placed does not reshuffle the catalogue, and the
same seed always gives a byte-identical store file.
"""

from __future__ import annotations

import numpy as np

from walkout.domain.store import Store
from walkout.twin.layout.cameras import camera_count, place_cameras
from walkout.twin.layout.catalogue import CatalogueMaker
from walkout.twin.layout.fixtures import place_fixtures
from walkout.twin.layout.floorplan import plan_floor, rfid_readers
from walkout.twin.layout.kinds import kind_spec
from walkout.twin.layout.planogram import fill


def generate_store(kind: str, area: float | None = None, seed: int = 1) -> Store:
    """A valid store of ``kind`` (corner-shop, convenience, supermarket), ``area`` m^2."""
    spec = kind_spec(kind)
    area = spec.default_area if area is None else float(area)
    if not spec.min_area <= area <= spec.max_area:
        raise ValueError(f"a {kind} has {spec.min_area:g} to {spec.max_area:g} m², not {area:g}")
    # the first stream is kept for the floor plan, which the kind and area fix for now
    _, catalogue_rng, planogram_rng, camera_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence([seed, _kind_key(kind)]).spawn(4)
    )
    plan = plan_floor(spec, area)
    placements = place_fixtures(spec, plan)
    maker = CatalogueMaker(catalogue_rng, market="US" if spec.currency == "USD" else "DE")
    facings, products = fill(spec, placements, maker, planogram_rng)
    readers = rfid_readers(plan.gates) if any(p.rfid for p in products) else []
    fields = dict(
        id=f"{kind}-{round(area)}-s{seed}",
        name=f"{spec.label} ({area:g} m², seed {seed})",
        currency=spec.currency,
        locale=spec.locale,
        timezone=spec.timezone,
        tax=spec.tax,
        floor=plan.floor,
        gates=plan.gates,
        fixtures=[p.fixture for p in placements],
        planogram=facings,
        rfid_readers=readers,
        catalogue=sorted(products, key=lambda p: p.sku),
    )
    bare = Store(**fields)  # type: ignore[arg-type]
    cameras = place_cameras(
        bare,
        camera_count(spec, plan.area),
        seed=int(camera_rng.integers(2**31)),
        size=spec.camera_size,
        hfov=spec.camera_hfov,
    )
    return Store(**fields, cameras=cameras)  # type: ignore[arg-type]


def _kind_key(kind: str) -> int:
    return sum((i + 1) * ord(c) for i, c in enumerate(kind))
