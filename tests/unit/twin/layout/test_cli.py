"""``walkout store new | show | validate`` through the real command line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from walkout.cli.main import app
from walkout.storefile import load_store

runner = CliRunner()


def test_new_show_validate(tmp_path: Path) -> None:
    out = tmp_path / "shop.yaml"
    r = runner.invoke(
        app, ["store", "new", "--kind", "corner-shop", "--seed", "3", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert "near-weight adjacent pairs" in r.output and load_store(out).id == "corner-shop-40-s3"
    png = tmp_path / "plan.png"
    r = runner.invoke(app, ["store", "show", str(out), "--out", str(png)])
    assert r.exit_code == 0, r.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = runner.invoke(
        app, ["store", "show", "corner-shop", "--out", str(tmp_path / "b.png"), "--no-coverage"]
    )
    assert r.exit_code == 0 and (tmp_path / "b.png").stat().st_size > 10_000
    r = runner.invoke(app, ["store", "validate", str(out)])
    assert r.exit_code == 0 and "OK" in r.output


def test_broken_store_names_the_field(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    assert runner.invoke(app, ["store", "new", "-k", "corner-shop", "-o", str(good)]).exit_code == 0
    text = good.read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("size: [1.2, 0.45]", "size: [1.2, -0.45]", 1), encoding="utf-8")
    r = runner.invoke(app, ["store", "validate", str(bad)])
    assert r.exit_code == 2
    assert "fixtures[0] (G01).shelves[0].size" in r.output and "greater than 0" in r.output


def test_bad_kind_and_area(tmp_path: Path) -> None:
    r = runner.invoke(app, ["store", "new", "-k", "mall", "-o", str(tmp_path / "x.yaml")])
    assert r.exit_code == 2 and "no store kind" in r.output
    r = runner.invoke(
        app, ["store", "new", "-k", "supermarket", "--area", "50", "-o", str(tmp_path / "x.yaml")]
    )
    assert r.exit_code == 2 and "600" in r.output
