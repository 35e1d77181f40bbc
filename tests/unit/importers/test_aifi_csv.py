"""The teams' per-plate CSV layout: import, export, round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from walkout.eventlog import LogWriter, PlateBatch, read_log
from walkout.importers.aifi.csv import CsvSession
from walkout.importers.aifi.csv_export import export_csv
from walkout.importers.aifi.csv_products import read_products_csv
from walkout.importers.report import ImportReport
from walkout.importers.sources import SourceError
from walkout.stores import builtin_store

PRODUCTS = """Name,Gondola,Shelf,Plate,Weight,Price,Image
Arrowhead 28pk,-1,-1,-1,734.6699829101562,1,https://example.com/a.jpg
"Trolli, Sour Brite Eggs",1,2,7,114.0,1,
"Trolli, Sour Brite Eggs",1,2,8,114.0,1,
Roasted Salted Pistachios,-1,-1,-1,0.0,1,
ARRWHD SPRNG WTR,1,5,11,621.67,1.25,
ARRWHD SPRNG WTR,1,5,12,621.67,1.25,
"""


def test_round_trip_keeps_samples_and_times(b1_log: Path, store_meta: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    report = export_csv(b1_log, builtin_store("nanostore"), out)
    assert report.files == 240 and report.batches == 344
    assert (out / "gondola_1_shelf_5_plate_11.csv").read_text().splitlines()[
        0
    ] == "1587531996.859,1811.11"
    session = CsvSession(out, store_meta)
    back = tmp_path / "back.jsonl"
    with LogWriter(back) as w:
        w.write_all(session.records())
    original = {(b.device, round(b.t, 6)): b for b in read_log(b1_log) if isinstance(b, PlateBatch)}
    again = [b for b in read_log(back) if isinstance(b, PlateBatch)]
    assert len(again) == len(original) == 344
    for b in again:
        a = original[(b.device, round(b.t, 6))]
        assert b.t == pytest.approx(a.t, abs=1e-6)
        assert b.rate_hz == a.rate_hz and b.plates == a.plates
        assert np.allclose(b.grams, a.grams, atol=0.005, equal_nan=True)
    assert session.store.products["071142008582"].weight_g == pytest.approx(621.67)
    assert len(session.store.catalogue) == len(builtin_store("nanostore").catalogue)


def test_products_csv_as_the_teams_wrote_it(tmp_path: Path) -> None:
    path = tmp_path / "cps-test-4-all-product.csv"
    path.write_text(PRODUCTS)
    report = ImportReport("t")
    products, placements = read_products_csv(path, report)
    assert set(products) == {
        "arrowhead-28pk",
        "trolli-sour-brite-eggs",
        "roasted-salted-pistachios",
        "arrwhd-sprng-wtr",
    }
    assert products["roasted-salted-pistachios"].weight_g is None  # 0.0 means unknown
    assert dict((s, p) for s, p, _ in placements) == {
        "trolli-sour-brite-eggs": [(1, 2, 7), (1, 2, 8)],
        "arrwhd-sprng-wtr": [(1, 5, 11), (1, 5, 12)],
    }


def test_non_numeric_value_names_file_and_line(store_meta: Path, tmp_path: Path) -> None:
    (tmp_path / "gondola_1_shelf_1_plate_1.csv").write_text(
        "1587531996.859,1811.11\n1587531996.875,abc\n"
    )
    with pytest.raises(
        SourceError, match=r"gondola_1_shelf_1_plate_1\.csv:2: grams 'abc' is not a number"
    ):
        CsvSession(tmp_path, store_meta)


def test_a_header_line_is_skipped_and_time_must_not_go_back(
    store_meta: Path, tmp_path: Path
) -> None:
    rows = "timestamp,reading\n" + "".join(f"{100 + i / 60!r},{5.0 + i}\n" for i in range(24))
    (tmp_path / "gondola_1_shelf_1_plate_1.csv").write_text(rows)
    s = CsvSession(tmp_path, store_meta)
    batches = [r for r in s.records() if isinstance(r, PlateBatch)]
    assert [b.n_samples for b in batches] == [12, 12] and s.rates == {1: 60.0}
    (tmp_path / "gondola_1_shelf_1_plate_1.csv").write_text("10.0,1\n9.0,2\n")
    with pytest.raises(SourceError, match=r"plate_1\.csv:2: time 9\.0 goes back"):
        CsvSession(tmp_path, store_meta)


def test_jittered_messages_and_missing_rows_as_teams_wrote_them(
    store_meta: Path, tmp_path: Path
) -> None:
    """Each message's rows are t_msg + i/60 and messages jitter (0.196-0.2 s);
    a channel that was NaN in a message has no rows for it."""
    starts = [1580250245.19951, 1580250245.395687, 1580250245.596664]
    rows = {1: [], 2: []}
    for k, t0 in enumerate(starts):
        for plate in (1, 2):
            if plate == 2 and k == 1:
                continue
            rows[plate] += [f"{t0 + i / 60!r},{1398.0 + plate + i}\n" for i in range(12)]
    for plate, lines in rows.items():
        (tmp_path / f"gondola_1_shelf_1_plate_{plate}.csv").write_text("".join(lines))
    s = CsvSession(tmp_path, store_meta)
    batches = [r for r in s.records() if isinstance(r, PlateBatch)]
    assert [b.t for b in batches] == pytest.approx(starts, abs=1e-6)
    assert [b.n_samples for b in batches] == [12, 12, 12] and s.rates == {1: 60.0}
    assert batches[0].plates == ["G1.1.1", "G1.1.2"]
    assert np.isnan(batches[1].grams[:, 1]).all() and not np.isnan(batches[1].grams[:, 0]).any()
