"""The AIM3S 7-Eleven shelf replica (Ruiz et al., BuildSys 2019) as a store.

product_info.json holds 81 products, each with its shelf and plates and
repeated measurements of its unit weight. What the data say, and what is done:

* Two shelving units, not one: products 1-33 (household goods) stand on a
  5-shelf unit and 34-81 (candy) on an 8-shelf unit; both use shelf numbers
  1-5, so in one gondola napkins and Snickers would share plates. AIM3S's own
  loader (loadProductModels.m) treats them as separate arrangements. Walkout
  makes them two fixtures side by side in one store: ``household`` and
  ``candy``, 12 plates a shelf (weight_calibration.json: 8 shelves x 12
  plates, the candy unit's).
* Unit weights: mean and sample standard deviation of the measurements, the
  deviation floored at ``SD_FLOOR_G`` (one measurement, or identical ones,
  say nothing about spread). Measurements more than ``OUTLIER`` from the
  median of three or more are dropped (63.5 g among 84 g readings) and
  reported. Two products were never weighed (0.0): their weight is the
  median of their shelf's products, with a 10 % spread, and reported.
* Products straddle plates: neighbours share a plate (napkins on 2-3,
  cutlery on 3-4); facings may overlap.
* Barcodes: ``-`` for none, some 8-digit UPC-E, some without a valid check
  digit. The SKU is the barcode when there is one, else made from the name;
  ``gtin`` only with a valid check digit.
* No prices, sizes or shelf geometry are published: prices are plausible
  convenience-store prices by kind and weight, shelves 1.2 m x 0.4 m.
* Similarity groups: products of one brand and kind (candy bars; bags,
  foil, cleaners ...) whose mean weights are within
  ``SIMILAR_G`` or ``SIMILAR_FRACTION`` of each other (by single linkage),
  the confusions AIM3S reports (candy bars of 83-94 g).
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from walkout.domain.catalogue import Product, gtin_check_digit_ok
from walkout.domain.geometry import Pose
from walkout.domain.store import Facing, Fixture, Floor, Gate, Shelf, Store
from walkout.importers.report import ImportReport
from walkout.importers.sources import SourceError, dig, number, read_json, sku_from_name

SD_FLOOR_G = 0.5
OUTLIER = 0.20
SIMILAR_G = 3.0
SIMILAR_FRACTION = 0.05
PLATE_W, DEPTH, HEIGHT = 0.1, 0.4, 2.1
UNITS_PER_PLATE = 6
UNITS = {  # fixture id, products, shelves, shelf heights (m), x of its front-left corner
    "household": (range(1, 34), 5, (0.15, 0.55, 0.95, 1.35, 1.75), 0.4),
    "candy": (range(34, 82), 8, tuple(round(0.15 + 0.24 * i, 2) for i in range(8)), 1.8),
}
BRANDS = {
    "reeses": ("reese", "reece"),
    "snickers": ("snickers",),
    "kitkat": ("kit kat",),
    "mms": ("m&m",),
    "7select": ("7 select", "7e ", "7eleven", "7-eleven"),
}
KINDS = ("bag", "bolsa", "towel", "foil", "wrap", "clean", "liquid", "spray", "napkin", "glove")
PRICES = (  # first keyword found in the name decides (cents)
    ("napkin", 299),
    ("cut", 349),
    ("foil", 499),
    ("wrap", 449),
    ("trash", 899),
    ("lawn", 999),
    ("kitchen bags", 899),
    ("sandwich", 349),
    ("freezer", 449),
    ("towel", 399),
    ("glove", 999),
    ("windex", 499),
    ("spounge", 199),
    ("sponge", 199),
    ("dish", 399),
    ("febreeze", 599),
    ("candel", 549),
    ("glade", 449),
    ("spray", 699),
    ("plumr", 799),
)


def build_aim3s_store(product_info: Path, weight_calibration: Path | None = None) -> Store:
    store, _ = aim3s_with_report(product_info, weight_calibration)
    return store


def aim3s_with_report(
    product_info: Path, weight_calibration: Path | None = None
) -> tuple[Store, ImportReport]:
    report = ImportReport(source="aim3s", layout=str(product_info))
    plates_per_shelf = _plates_per_shelf(weight_calibration) if weight_calibration else 12
    items = dig(read_json(product_info), "products", str(product_info))
    if not isinstance(items, list) or not items:
        raise SourceError(f"{product_info}: products must be a non-empty list")
    unit_of = {pid: unit for unit, (ids, *_rest) in UNITS.items() for pid in ids}
    raw = [
        _read_item(x, f"{product_info}: products[{i}]", unit_of, plates_per_shelf)
        for i, x in enumerate(items)
    ]
    weights = _unit_weights(raw, report)
    skus = _skus(raw)
    groups = _similar_groups(raw, weights, skus)
    catalogue: list[Product] = []
    planogram: list[Facing] = []
    for r in raw:
        mean, sd = weights[r["id"]]
        sku = skus[r["id"]]
        catalogue.append(
            Product(
                sku=sku,
                gtin=r["barcode"] if gtin_check_digit_ok(r["barcode"]) else None,
                name=r["name"],
                price=_price(r["name"], r["unit"], mean),
                weight_g=mean,
                weight_sd_g=sd,
                category=r["unit"],
                similar=groups.get(r["id"]),
            )
        )
        for shelf, plates in r["arrangement"]:
            planogram.append(
                Facing(
                    product=sku,
                    plates=[f"{r['unit']}.{shelf}.{p}" for p in plates],
                    facings=len(plates),
                    capacity=UNITS_PER_PLATE * len(plates),
                )
            )
    report.products, report.facings = len(catalogue), len(planogram)
    store = Store(
        id="aim3s",
        name="AIM3S 7-Eleven shelf replica",
        currency="USD",
        locale="en_US",
        timezone="America/Los_Angeles",
        floor=Floor(outline=[(0.0, -2.5), (3.6, -2.5), (3.6, 0.8), (0.0, 0.8)], height=3.0),
        gates=[
            Gate(id="entry", kind="entry", a=(2.6, -2.5), b=(3.4, -2.5)),
            Gate(id="exit", kind="exit", a=(0.2, -2.5), b=(1.0, -2.5)),
        ],
        fixtures=[_fixture(unit, plates_per_shelf) for unit in UNITS],
        planogram=planogram,
        catalogue=sorted(catalogue, key=lambda p: p.sku),
    )
    return store, report


def _plates_per_shelf(path: Path) -> int:
    shelves = dig(read_json(path), "shelves", str(path))
    counts = {len(dig(s, "plates", f"{path}: shelves[{i}]")) for i, s in enumerate(shelves)}
    if len(shelves) != UNITS["candy"][1] or len(counts) != 1:
        raise SourceError(
            f"{path}: expected {UNITS['candy'][1]} shelves of equal plate counts, got {len(shelves)}"
        )
    return counts.pop()


def _read_item(
    x: Any, where: str, unit_of: dict[int, str], plates_per_shelf: int
) -> dict[str, Any]:
    pid = int(number(dig(x, "id", where), "id", where))
    if pid not in unit_of:
        raise SourceError(f"{where}: product id {pid} belongs to no known shelving unit (1-81)")
    unit = unit_of[pid]
    arrangement = []
    for j, a in enumerate(dig(x, "arrangement", where)):
        shelf = int(number(dig(a, "shelf_id", where), "shelf_id", where))
        plates = sorted(int(number(p, "plate_ids", where)) for p in dig(a, "plate_ids", where))
        if (
            not 1 <= shelf <= UNITS[unit][1]
            or not plates
            or plates[0] < 1
            or plates[-1] > plates_per_shelf
        ):
            raise SourceError(
                f"{where}: arrangement[{j}] shelf {shelf} plates {plates} is off the {unit} unit"
            )
        if plates != list(range(plates[0], plates[-1] + 1)):
            raise SourceError(f"{where}: arrangement[{j}] plates {plates} are not adjacent")
        arrangement.append((shelf, plates))
    weights = [number(w, "weights", where) for w in dig(x, "weights", where)]
    barcode = str(x.get("barcode") or "").strip()
    return {
        "id": pid,
        "name": str(dig(x, "name", where)).strip(),
        "brand_text": f"{x.get('name', '')} {x.get('training_name', '')}".lower(),
        "barcode": "" if barcode == "-" else barcode,
        "unit": unit,
        "arrangement": arrangement,
        "weights": weights,
        "where": where,
    }


def _unit_weights(
    raw: list[dict[str, Any]], report: ImportReport
) -> dict[int, tuple[float, float]]:
    out: dict[int, tuple[float, float]] = {}
    unweighed = []
    for r in raw:
        w = [x for x in r["weights"] if x > 0]
        if len(w) >= 3:
            med = statistics.median(w)
            keep = [x for x in w if abs(x - med) <= OUTLIER * med]
            if len(keep) < len(w):
                report.warn(
                    f"{r['where']} ({r['name']}): dropped outlying weights {sorted(set(w) - set(keep))}"
                )
            w = keep
        if not w:
            unweighed.append(r)
            continue
        sd = statistics.stdev(w) if len(w) > 1 else 0.0
        out[r["id"]] = (round(statistics.fmean(w), 2), round(max(sd, SD_FLOOR_G), 2))
    for r in unweighed:
        shelves = {s for s, _ in r["arrangement"]}
        peers = [
            out[o["id"]][0]
            for o in raw
            if o["id"] in out
            and o["unit"] == r["unit"]
            and shelves & {s for s, _ in o["arrangement"]}
        ]
        if not peers:
            raise SourceError(
                f"{r['where']} ({r['name']}): no weight measured and no shelf neighbours to impute from"
            )
        mean = round(statistics.median(peers), 2)
        out[r["id"]] = (mean, round(0.1 * mean, 2))
        report.warn(
            f"{r['where']} ({r['name']}): never weighed; took its shelf's median {mean} g +- 10 %"
        )
    return out


def _skus(raw: list[dict[str, Any]]) -> dict[int, str]:
    seen: dict[str, int] = {}
    for r in raw:
        if r["barcode"]:
            seen[r["barcode"]] = seen.get(r["barcode"], 0) + 1
    out: dict[int, str] = {}
    taken: set[str] = set()
    for r in raw:
        sku = r["barcode"] if r["barcode"] and seen[r["barcode"]] == 1 else sku_from_name(r["name"])
        base, n = sku, 2
        while sku in taken:
            sku, n = f"{base}-{n}", n + 1
        taken.add(sku)
        out[r["id"]] = sku
    return out


def _brand(r: dict[str, Any]) -> str:
    for brand, keys in BRANDS.items():
        if any(k in r["brand_text"] for k in keys):
            return brand
    words = [w for w in r["name"].lower().split() if not w.isdigit()]
    return sku_from_name(words[0] if words else r["name"])


def _kind(r: dict[str, Any]) -> str:
    """Candy bars are one kind; household goods by what they are (bags, foil)."""
    if r["unit"] == "candy":
        return "candy"
    return next((k for k in KINDS if k in r["brand_text"]), r["name"].lower())


def _similar_groups(
    raw: list[dict[str, Any]], weights: dict[int, tuple[float, float]], skus: dict[int, str]
) -> dict[int, str]:
    by_brand: dict[tuple[str, str, str], list[int]] = {}
    for r in raw:
        by_brand.setdefault((r["unit"], _brand(r), _kind(r)), []).append(r["id"])
    out: dict[int, str] = {}
    for (_, brand, _), ids in sorted(by_brand.items()):
        ids = sorted(ids, key=lambda i: (weights[i][0], i))
        cluster = [ids[0]]
        for i in [*ids[1:], None]:
            if i is not None:
                a, b = weights[cluster[-1]][0], weights[i][0]
                if b - a <= max(SIMILAR_G, SIMILAR_FRACTION * a):
                    cluster.append(i)
                    continue
            if len(cluster) > 1:
                label = f"{brand}-{round(statistics.fmean(weights[c][0] for c in cluster))}g"
                out.update({c: label for c in cluster})
            if i is not None:
                cluster = [i]
    return out


def _price(name: str, unit: str, mean_g: float) -> int:
    if unit == "candy":
        return 249 if mean_g >= 70 else 159  # king-size and twin packs, single bars
    low = name.lower()
    return next((cents for key, cents in PRICES if key in low), 499)


def _fixture(unit: str, plates_per_shelf: int) -> Fixture:
    _, n_shelves, heights, x0 = UNITS[unit]
    length = round(plates_per_shelf * PLATE_W, 4)
    return Fixture(
        id=unit,
        kind="gondola",
        pose=Pose(at=(x0, 0.1, 0.0)),
        size=(length, DEPTH + 0.03, HEIGHT),
        shelves=[
            Shelf(
                index=i + 1,
                pose=Pose(at=(0.0, 0.0, heights[i])),
                size=(length, DEPTH),
                plates=plates_per_shelf,
            )
            for i in range(n_shelves)
        ],
    )
