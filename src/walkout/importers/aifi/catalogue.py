"""Catalogue and planogram from a session's products.jsonl and planogram.jsonl.

AiFi's quirks, and what is done with each:

* products.jsonl lists most products twice (identical rows): kept once.
* ``price`` is in dollars (mostly a placeholder 1): converted to cents.
* Some products lack a weight or a price, and two have ids holding two UPCs
  ("037000850069 037000850052"). Those on no plate are skipped and listed in
  the report; one on a plate is an error, since the engine could not use it.
* AiFi gives no unit-weight spread; ``weight_sd_g`` defaults to 2 % of the
  mean (``WEIGHT_SD_FRACTION``), about what the competition data show (a
  621.7 g bottle measured as 636.6 g).
* ``sku`` is AiFi's UPC string as given; ``gtin`` only when it has a valid
  check digit (some ids are 2- or 6-digit house codes).
* One planogram entry has an empty product id (a whole shelf, G3.6, without a
  product): skipped with a warning.
* No capacity is published: each plate is taken as one lane of
  ``UNITS_PER_LANE`` units (a 4-inch plate, 16 inches deep).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby
from pathlib import Path
from typing import Any

from walkout.domain.catalogue import Product, gtin_check_digit_ok
from walkout.domain.store import Facing
from walkout.importers.aifi.layout import Address, plate_address_id
from walkout.importers.report import ImportReport
from walkout.importers.sources import SourceError, at, dig, iter_json_lines, number

WEIGHT_SD_FRACTION = 0.02
UNITS_PER_LANE = 5


@dataclass(frozen=True)
class RawProduct:
    sku: str
    name: str
    price: float | None  # dollars
    weight_g: float | None
    image: str | None
    where: str


def read_products(path: Path, report: ImportReport) -> dict[str, RawProduct]:
    out: dict[str, RawProduct] = {}
    duplicates = 0
    for lineno, doc in iter_json_lines(path):
        where = at(path, lineno)
        sku = str(dig(doc, "product_id.id", where)).strip()
        if not sku:
            raise SourceError(f"{where}: product_id.id is empty")
        meta = dig(doc, "metadata", where)
        price = meta.get("price")
        weight = meta.get("weight")
        raw = RawProduct(
            sku=sku,
            name=str(meta.get("name") or "").strip() or sku,
            price=None if price is None else number(price, "metadata.price", where),
            weight_g=None if weight is None else number(weight, "metadata.weight", where),
            image=meta.get("thumbnail") or None,
            where=where,
        )
        if sku in out:
            duplicates += 1
            old = out[sku]
            if (old.name, old.price, old.weight_g) != (raw.name, raw.price, raw.weight_g):
                report.warn(
                    f"{where}: product {sku} repeats {old.where} with other values; kept the first"
                )
            continue
        out[sku] = raw
    if duplicates:
        report.warn(f"{path.name}: {duplicates} repeated product rows ignored")
    return out


def read_planogram(path: Path, report: ImportReport) -> list[tuple[str, list[Address], str]]:
    """``(sku, plate addresses, where)`` per facing, in file order."""
    out = []
    for lineno, doc in iter_json_lines(path):
        where = at(path, lineno)
        plates: list[Address] = []
        for j, p in enumerate(dig(doc, "plate_ids", where)):
            f = f"plate_ids[{j}]"
            plates.append(
                (
                    int(number(dig(p, "shelf_id.gondola_id.id", where), f, where)),
                    int(number(dig(p, "shelf_id.shelf_index", where), f, where)),
                    int(number(dig(p, "plate_index", where), f, where)),
                )
            )
        sku = str(dig(doc, "planogram_product_id.id", where, "")).strip()
        if not sku:
            span = _span(plates)
            report.warn(f"{where}: planogram entry without a product (over {span}); skipped")
            continue
        if not plates:
            report.warn(f"{where}: planogram entry for {sku} names no plates; skipped")
            continue
        out.append((sku, plates, where))
    return out


def _span(plates: list[Address]) -> str:
    if not plates:
        return "no plates"
    ids = sorted(plates)
    first, last = ids[0], ids[-1]
    if first[:2] == last[:2]:
        return f"{plate_address_id(*first)}-{last[2]}"
    return ", ".join(plate_address_id(*p) for p in ids)


def cents(dollars: float) -> int:
    return int((Decimal(str(dollars)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def build_catalogue(
    products: dict[str, RawProduct],
    placements: list[tuple[str, list[Address], str]],
    has_plate: Callable[[Address], bool],
    report: ImportReport,
    *,
    warn_split: bool = True,
) -> tuple[list[Product], list[Facing]]:
    """Products (sorted by SKU) and facings (in planogram order)."""
    placed = {sku for sku, _, _ in placements}
    catalogue: list[Product] = []
    skipped: list[str] = []
    for sku in sorted(products):
        raw = products[sku]
        lacks = [
            w for w, v in (("weight", raw.weight_g), ("price", raw.price)) if v is None or v < 0
        ]
        if raw.weight_g is not None and raw.weight_g <= 0:
            lacks.append("weight")
        if any(c.isspace() for c in sku) or len(sku) > 64:
            lacks.append("usable id (it holds spaces or is too long)")
        if lacks:
            if sku in placed:
                raise SourceError(
                    f"{raw.where}: product {sku} ({raw.name}) is on the planogram but has no {lacks[0]}"
                )
            skipped.append(repr(sku) if " " in sku else sku)
            continue
        assert raw.weight_g is not None and raw.price is not None
        catalogue.append(
            Product(
                sku=sku,
                gtin=sku if gtin_check_digit_ok(sku) else None,
                name=raw.name,
                price=cents(raw.price),
                weight_g=round(raw.weight_g, 2),
                weight_sd_g=round(raw.weight_g * WEIGHT_SD_FRACTION, 2),
                image=raw.image,
            )
        )
    if skipped:
        report.warn(
            f"{len(skipped)} products on no plate lack a weight, a price or a usable id and were left out: "
            f"{', '.join(skipped)}"
        )
    facings = facings_from(placements, products, has_plate, report, warn_split=warn_split)
    report.products = len(catalogue)
    report.facings = len(facings)
    return catalogue, facings


def facings_from(
    placements: list[tuple[str, list[Address], str]],
    products: dict[str, Any],
    has_plate: Callable[[Address], bool],
    report: ImportReport,
    *,
    warn_split: bool = True,
) -> list[Facing]:
    """One facing per run of adjacent plates on one shelf; an entry that spans
    shelves or has gaps is split (and reported if ``warn_split``: a planogram
    entry should be one run, a products CSV lists plates, not facings)."""
    out: list[Facing] = []
    for sku, plates, where in placements:
        if sku not in products:
            raise SourceError(f"{where}: product {sku} is not in the catalogue")
        known = sorted(set(p for p in plates if has_plate(p)))
        missing = sorted(set(plates) - set(known))
        if missing:
            report.warn(
                f"{where}: plates {', '.join(plate_address_id(*p) for p in missing)} are not in the layout; left out"
            )
        runs = [list(g) for _, g in groupby(known, key=lambda p: (p[0], p[1]))]
        split = []
        for run in runs:
            cur = [run[0]]
            for p in run[1:]:
                if p[2] == cur[-1][2] + 1:
                    cur.append(p)
                else:
                    split.append(cur)
                    cur = [p]
            split.append(cur)
        if len(split) > 1 and warn_split:
            report.warn(
                f"{where}: {sku}'s plates are not one adjacent run; made {len(split)} facings"
            )
        for run in split:
            out.append(
                Facing(
                    product=sku,
                    plates=[plate_address_id(*p) for p in run],
                    facings=len(run),
                    capacity=UNITS_PER_LANE * len(run),
                )
            )
    return out
