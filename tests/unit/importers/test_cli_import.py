"""``walkout import``: files out, exit 2 with a message on bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from walkout.cli.main import app
from walkout.eventlog import PlateBatch, read_header, read_log
from walkout.storefile import load_store

runner = CliRunner()


def test_import_aifi_writes_log_and_store(
    benchmark1: Path, store_meta: Path, tmp_path: Path
) -> None:
    log, store = tmp_path / "b1.wlog", tmp_path / "nano.yaml"
    result = runner.invoke(
        app,
        [
            "import",
            "aifi",
            str(benchmark1),
            "--out",
            str(log),
            "--store-out",
            str(store),
            "--layout",
            str(store_meta),
        ],
    )
    assert result.exit_code == 0, result.output
    assert read_header(log).store == "nanostore"
    assert "071142008582" in load_store(store).products
    assert "tracks records" in result.output and "344" in result.output
    csv_dir = tmp_path / "csv"
    result = runner.invoke(
        app, ["import", "aifi-csv-export", str(log), "--out", str(csv_dir), "--store", str(store)]
    )
    assert result.exit_code == 0, result.output
    assert (csv_dir / "gondola_1_shelf_5_plate_11.csv").is_file()


def test_bad_input_exits_2(tmp_path: Path, store_meta: Path) -> None:
    (tmp_path / "plate_data.jsonl").write_text("{not json\n")
    result = runner.invoke(
        app,
        [
            "import",
            "aifi",
            str(tmp_path),
            "--out",
            str(tmp_path / "x.jsonl"),
            "--layout",
            str(store_meta),
        ],
    )
    assert result.exit_code == 2
    assert _flat("plate_data.jsonl:1: not JSON") in _flat(result.output)
    assert not (tmp_path / "x.jsonl").exists()
    result = runner.invoke(
        app, ["import", "aifi", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x.jsonl")]
    )
    assert result.exit_code == 2 and _flat("no such directory") in _flat(result.output)
    result = runner.invoke(app, ["import", "aifi", str(tmp_path), "--out", str(tmp_path / "x.txt")])
    assert result.exit_code == 2 and _flat("unknown log encoding") in _flat(result.output)


def _flat(output: str) -> str:
    """Rich wraps long messages at the terminal width: compare without spaces."""
    return "".join(output.split())


def test_binary_log_equals_json_lines(benchmark1: Path, store_meta: Path, tmp_path: Path) -> None:
    for suffix in (".jsonl", ".wlog"):
        args = ["import", "aifi", str(benchmark1), "--out", str(tmp_path / f"b1{suffix}")]
        assert runner.invoke(app, [*args, "--layout", str(store_meta)]).exit_code == 0
    a, b = list(read_log(tmp_path / "b1.jsonl")), list(read_log(tmp_path / "b1.wlog"))
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if isinstance(x, PlateBatch):
            assert isinstance(y, PlateBatch) and x.plates == y.plates
            assert np.array_equal(x.grams, y.grams, equal_nan=True)
