"""The products CSV competition teams published beside their per-plate files.

Header ``Name,Gondola,Shelf,Plate,Weight,Price,Image``, one row per product
and plate, ``-1`` in Gondola/Shelf/Plate for a product on no shelf, Price in
dollars, Weight 0.0 when unknown (seen in YZthu/Autocheckout_Competition's
``csv/cps-test-4-all-product.csv``). There is no barcode column; Walkout's
exporter adds an optional trailing ``Barcode`` so a round trip keeps SKUs, and
without it the SKU is made from the name.
"""

from __future__ import annotations

import csv
from pathlib import Path

from walkout.importers.aifi.catalogue import RawProduct
from walkout.importers.aifi.layout import Address
from walkout.importers.report import ImportReport
from walkout.importers.sources import SourceError, at, require_file, sku_from_name

COLUMNS = ("Name", "Gondola", "Shelf", "Plate", "Weight", "Price", "Image")
BARCODE_COLUMNS = ("Barcode", "UPC", "GTIN", "SKU")


def find_products_csv(directory: Path) -> Path | None:
    found = sorted(p for p in directory.glob("*.csv") if "product" in p.name.lower())
    if len(found) > 1:
        raise SourceError(
            f"{directory}: several products CSVs ({', '.join(p.name for p in found)}); keep one"
        )
    return found[0] if found else None


def read_products_csv(
    path: Path, report: ImportReport
) -> tuple[dict[str, RawProduct], list[tuple[str, list[Address], str]]]:
    """Products by SKU, and ``(sku, plates, where)`` placements."""
    require_file(path)
    products: dict[str, RawProduct] = {}
    plates: dict[str, list[Address]] = {}
    first_line: dict[str, str] = {}
    by_name: dict[str, str] = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        lower = {h.lower(): h for h in header}
        missing = [c for c in COLUMNS[:6] if c.lower() not in lower]
        if missing:
            raise SourceError(
                f"{at(path, 1)}: header lacks {', '.join(missing)} (expected {','.join(COLUMNS)})"
            )
        barcode_col = next((lower[c.lower()] for c in BARCODE_COLUMNS if c.lower() in lower), None)
        for row in reader:
            where = at(path, reader.line_num)
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            name = row[lower["name"]]
            if not name:
                raise SourceError(f"{where}: Name is empty")
            barcode = row.get(barcode_col, "") if barcode_col else ""
            key = barcode or name
            if key not in by_name:
                sku = barcode or _unique(sku_from_name(name), products)
                by_name[key] = sku
                products[sku] = RawProduct(
                    sku=sku,
                    name=name,
                    price=_optional(row[lower["price"]], "Price", where),
                    weight_g=_weight(row[lower["weight"]], where),
                    image=row.get(lower.get("image", ""), "") or None,
                    where=where,
                )
                first_line[sku] = where
                plates[sku] = []
            sku = by_name[key]
            g, s, p = (_int(row[lower[c.lower()]], c, where) for c in ("Gondola", "Shelf", "Plate"))
            if min(g, s, p) >= 1:
                plates[sku].append((g, s, p))
            elif (g, s, p) != (-1, -1, -1):
                raise SourceError(
                    f"{where}: Gondola/Shelf/Plate {g}/{s}/{p}: use -1/-1/-1 for no plate"
                )
    placements = [(sku, sorted(set(ps)), first_line[sku]) for sku, ps in plates.items() if ps]
    return products, placements


def _unique(sku: str, taken: dict[str, RawProduct]) -> str:
    out, n = sku, 2
    while out in taken:
        out = f"{sku[:60]}-{n}"
        n += 1
    return out


def _int(v: str, column: str, where: str) -> int:
    try:
        return int(float(v))
    except ValueError:
        raise SourceError(f"{where}: {column} {v!r} is not a number") from None


def _optional(v: str, column: str, where: str) -> float | None:
    if v == "":
        return None
    try:
        return float(v)
    except ValueError:
        raise SourceError(f"{where}: {column} {v!r} is not a number") from None


def _weight(v: str, where: str) -> float | None:
    w = _optional(v, "Weight", where)
    return None if w is None or w <= 0 else w  # the teams wrote 0.0 for "unknown"
