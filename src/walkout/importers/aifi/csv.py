"""The per-plate CSV layout competition teams published, into Walkout records.

One file per plate, ``gondola_G_shelf_S_plate_P.csv``, rows
``epoch_seconds,grams`` without a header, in one directory per session, plus
a products CSV (see ``csv_products``). Confirmed from the files of
YZthu/Autocheckout_Competition (``csv/test1/...``, written by its
``extract_weight.py`` and read by ``cvs_data_read.py``): each row's time is
the Mongo message's ``timestamp`` plus i/60, so inside a message the step is
exactly 1/60 s and between messages it jitters; a channel that was all NaN in
a message has no rows for it.

Import: a gondola's files are merged on their timestamps (to 1 us; a plate
without a row at a time is NaN), cut into batches at every 12th sample or
where the step breaks from the rate, the rate being inferred from the median
step. Channels are classified as for Mongo exports (``channels``). There is no
arrival clock: ``rx`` is left out and records are in ``t`` order.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from walkout.domain.store import Store
from walkout.eventlog.records import AnyRecord, Header, PlateBatch
from walkout.importers.aifi.cameras import read_calibration
from walkout.importers.aifi.catalogue import build_catalogue
from walkout.importers.aifi.channels import ChannelPlan, ChannelSurvey, plan
from walkout.importers.aifi.csv_products import find_products_csv, read_products_csv
from walkout.importers.aifi.layout import fixture_id, layout_addresses, read_store_meta
from walkout.importers.aifi.mongo import default_layout
from walkout.importers.aifi.store import STORE_ID, assemble
from walkout.importers.ordering import merge
from walkout.importers.report import ImportReport
from walkout.importers.sources import SourceError, at

PLATE_FILE = re.compile(r"^gondola_(\d+)_shelf_(\d+)_plate_(\d+)\.csv$")
BATCH = 12
CHUNK = 240
Row = tuple[float, dict[tuple[int, int], float]]


def plate_files(directory: Path) -> dict[int, dict[tuple[int, int], Path]]:
    out: dict[int, dict[tuple[int, int], Path]] = {}
    for p in sorted(directory.iterdir()):
        m = PLATE_FILE.match(p.name)
        if m:
            g, s, q = (int(x) for x in m.groups())
            out.setdefault(g, {})[(s, q)] = p
    return out


def iter_rows(path: Path) -> Iterator[tuple[float, float]]:
    """``(t, grams)`` per line; NaN for ``nan`` or an empty value."""
    last = -np.inf
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            line = line.strip()
            if not line:
                continue
            parts = line.split(",")
            if len(parts) != 2:
                raise SourceError(
                    f"{at(path, lineno)}: {len(parts)} values, expected epoch_seconds,grams"
                )
            if lineno == 1 and not any(_is_number(x) for x in parts):
                continue  # a header line, as pandas' to_csv writes
            t = _value(parts[0], "epoch_seconds", path, lineno)
            g = (
                np.nan
                if parts[1].strip() in ("", "nan", "NaN")
                else _value(parts[1], "grams", path, lineno)
            )
            if np.isnan(t) or np.isinf(g):
                raise SourceError(f"{at(path, lineno)}: {line!r} is not a time and a weight")
            if t < last:
                raise SourceError(f"{at(path, lineno)}: time {t} goes back from {last}")
            last = t
            yield t, g


def _is_number(x: str) -> bool:
    try:
        float(x)
    except ValueError:
        return False
    return True


def _value(x: str, what: str, path: Path, lineno: int) -> float:
    try:
        return float(x)
    except ValueError:
        raise SourceError(f"{at(path, lineno)}: {what} {x.strip()!r} is not a number") from None


def gondola_rows(files: dict[tuple[int, int], Path]) -> Iterator[Row]:
    """One row per distinct timestamp (to 1 us) across a gondola's files."""
    streams = [_keyed(sp, path) for sp, path in sorted(files.items())]
    key, t0, row = None, 0.0, {}
    for k, t, sp, g in heapq.merge(*streams):
        if k != key:
            if key is not None:
                yield t0, row
            key, t0, row = k, t, {}
        row[sp] = g
    if key is not None:
        yield t0, row


def _keyed(sp: tuple[int, int], path: Path) -> Iterator[tuple[int, float, tuple[int, int], float]]:
    for t, g in iter_rows(path):
        yield round(t * 1e6), t, sp, g


class CsvSession:
    """Like ``MongoSession``: ``store`` at once, ``records()`` streams."""

    def __init__(
        self,
        directory: Path,
        layout_dir: Path | None = None,
        *,
        keep_all_channels: bool = False,
        include_overhead_cameras: bool = False,
    ) -> None:
        self.dir = Path(directory)
        self.files = plate_files(self.dir)
        if not self.files:
            raise SourceError(f"{self.dir}: no gondola_G_shelf_S_plate_P.csv files")
        self.layout_dir = Path(layout_dir) if layout_dir else default_layout(self.dir)
        self.report = ImportReport(source="aifi-csv", layout=str(self.layout_dir))
        gondolas = read_store_meta(self.layout_dir)
        survey = ChannelSurvey(layout=layout_addresses(gondolas))
        self.rates: dict[int, float] = {}
        rows = 0
        for g, files in sorted(self.files.items()):
            steps: list[float] = []
            for times, block in self._blocks(g, files):
                survey.feed(g, block)
                steps.extend(np.diff(times))
                rows += len(times)
            self.rates[g] = _rate(steps, files)
        self.plan: ChannelPlan = plan(survey, keep_all_channels)
        for w in self.plan.warnings:
            self.report.warn(w)
        calibration = read_calibration(
            self.layout_dir / "calibration.json", include_overhead_cameras
        )
        for note in calibration.notes:
            self.report.warn(note)
        products_csv = find_products_csv(self.dir)
        catalogue, facings = [], []
        if products_csv is None:
            self.report.warn(f"{self.dir}: no products CSV; the store has no catalogue")
        else:
            products, placements = read_products_csv(products_csv, self.report)
            known = layout_addresses(gondolas) | self.plan.added
            catalogue, facings = build_catalogue(
                products, placements, known.__contains__, self.report, warn_split=False
            )
        self.store: Store = assemble(gondolas, calibration, catalogue, facings, self.plan.added)
        self.report.plates = [pid for g in sorted(self.plan.keep) for pid in self.plan.plate_ids(g)]
        self.expected_records = 1 + rows // BATCH

    def _blocks(
        self, g: int, files: dict[tuple[int, int], Path]
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        shelves = max(s for s, _ in files) + 1
        plates = max(p for _, p in files) + 1
        times: list[float] = []
        block = np.full((CHUNK, shelves, plates), np.nan)
        for t, row in gondola_rows(files):
            i = len(times)
            for (s, p), v in row.items():
                block[i, s, p] = v
            times.append(t)
            if len(times) == CHUNK:
                yield np.asarray(times), block
                times, block = [], np.full((CHUNK, shelves, plates), np.nan)
        if times:
            yield np.asarray(times), block[: len(times)]

    def records(self) -> Iterator[AnyRecord]:
        streams = [
            self._batches(g, files)
            for g, files in sorted(self.files.items())
            if self.plan.keep.get(g)
        ]
        merged = merge(streams, key=lambda b: b.t)
        first = next(merged, None)
        if first is None:
            raise SourceError(f"{self.dir}: the plate files hold no samples")
        yield Header(
            store=STORE_ID,
            source="aifi",
            start=round(first.t, 6),
            meta={
                "session": self.dir.name,
                "importer": "walkout.importers.aifi.csv",
                "layout": self.layout_dir.name,
            },
        )
        self.report.records["header"] += 1
        for r in itertools.chain([first], merged):
            self.report.saw(r.kind, r.t)
            self.report.samples += int(r.grams.size)
            yield r

    def _batches(self, g: int, files: dict[tuple[int, int], Path]) -> Iterator[PlateBatch]:
        rate = self.rates[g]
        cols = self.plan.keep[g]
        ids = self.plan.plate_ids(g)
        period = 1.0 / rate
        seq = 0
        skewed = 0
        times: list[float] = []
        rows: list[dict[tuple[int, int], float]] = []

        def flush() -> PlateBatch:
            nonlocal seq, skewed
            grams = np.array([[r.get(c, np.nan) for c in cols] for r in rows])
            ideal = times[0] + np.arange(len(times)) * period
            skewed += int(np.any(np.abs(np.asarray(times) - ideal) > 1e-3))
            seq += 1
            return PlateBatch(
                device=fixture_id(g), t=times[0], seq=seq - 1, rate_hz=rate, plates=ids, grams=grams
            )

        for t, row in gondola_rows(files):
            if times and (len(times) == BATCH or abs(t - times[-1] - period) > 0.25 * period):
                yield flush()
                times, rows = [], []
            times.append(t)
            rows.append(row)
        if times:
            yield flush()
        if skewed:
            self.report.warn(
                f"{fixture_id(g)}: {skewed} batches have samples more than 1 ms off t + i/rate"
            )


def _rate(steps: list[float], files: dict[tuple[int, int], Path]) -> float:
    good = np.asarray([s for s in steps if s > 0])
    if good.size == 0:
        raise SourceError(f"{next(iter(files.values()))}: too few samples to infer a rate")
    return round(1.0 / float(np.median(good)), 2)
