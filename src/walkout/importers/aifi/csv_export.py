"""A Walkout log and store out to the teams' per-plate CSV layout.

So that the CSV importer can be tested on real data (BENCHMARK-1 -> log ->
CSV -> log gives the same samples), and so that tools written for the
competition can read Walkout's twin logs. Rows are written with Python's
shortest round-trip float format; a missing sample is ``nan`` (the teams'
files leave such rows out; the importer reads both). Fixtures named ``G<n>``
keep their number; others are numbered by their place in the store.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from walkout.domain.store import Store, parse_plate_id
from walkout.eventlog.io import read_log
from walkout.eventlog.records import Header, PlateBatch
from walkout.importers.aifi.csv_products import COLUMNS
from walkout.importers.sources import SourceError


@dataclass
class ExportReport:
    files: int = 0
    rows: int = 0
    batches: int = 0
    products_csv: Path | None = None
    skipped_devices: set[str] = field(default_factory=set)


def gondola_numbers(store: Store) -> dict[str, int]:
    out = {}
    for i, f in enumerate(store.fixtures, start=1):
        m = re.fullmatch(r"G(\d+)", f.id)
        out[f.id] = int(m.group(1)) if m else i
    if len(set(out.values())) != len(out):
        raise SourceError(
            f"store {store.id}: fixture numbers collide ({out}); rename fixtures G<n>"
        )
    return out


def export_csv(log: Path, store: Store, out_dir: Path, session: str | None = None) -> ExportReport:
    out_dir.mkdir(parents=True, exist_ok=True)
    numbers = gondola_numbers(store)
    known = set(store.plate_ids)
    report = ExportReport()
    handles: dict[str, IO[str]] = {}
    try:
        for rec in read_log(log):
            if isinstance(rec, Header):
                session = session or str(rec.meta.get("session") or log.stem)
                continue
            if not isinstance(rec, PlateBatch):
                continue
            report.batches += 1
            period = 1.0 / rec.rate_hz
            for j, pid in enumerate(rec.plates):
                if pid not in known:
                    report.skipped_devices.add(rec.device)
                    continue
                fh = handles.get(pid)
                if fh is None:
                    fixture, shelf, plate = parse_plate_id(pid)
                    name = f"gondola_{numbers[fixture]}_shelf_{shelf}_plate_{plate}.csv"
                    fh = handles[pid] = open(out_dir / name, "w", encoding="utf-8")  # noqa: SIM115
                    report.files += 1
                column = rec.grams[:, j]
                fh.writelines(
                    f"{rec.t + i * period!r},{'nan' if math.isnan(g) else repr(float(g))}\n"
                    for i, g in enumerate(column)
                )
                report.rows += len(column)
    finally:
        for fh in handles.values():
            fh.close()
    report.products_csv = write_products_csv(
        store, out_dir / f"{session or 'session'}-all-product.csv", numbers
    )
    return report


def write_products_csv(store: Store, path: Path, numbers: dict[str, int]) -> Path:
    """One row per product and plate (``-1`` for none), prices in dollars."""
    on_plates: dict[str, list[tuple[int, int, int]]] = {}
    for fc in store.planogram:
        for pid in fc.plates:
            fixture, shelf, plate = parse_plate_id(pid)
            on_plates.setdefault(fc.product, []).append((numbers[fixture], shelf, plate))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([*COLUMNS, "Barcode"])
        for p in store.catalogue:
            price = f"{p.price / 100:.2f}"
            for g, s, q in sorted(on_plates.get(p.sku, [(-1, -1, -1)])):
                w.writerow([p.name, g, s, q, repr(p.weight_g), price, p.image or "", p.sku])
    return path
