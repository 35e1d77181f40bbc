"""walkout simulate, demo and log from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from walkout.cli.main import app

runner = CliRunner()


def test_simulate_writes_a_run_and_is_deterministic(tmp_path: Path) -> None:
    outs = []
    for name in ("a", "b"):
        r = runner.invoke(
            app,
            [
                "simulate",
                "--store",
                "corner-shop",
                "--hours",
                "0.03",
                "--seed",
                "3",
                "--out",
                str(tmp_path / name),
            ],
        )
        assert r.exit_code == 0, r.output
        assert "shopper sessions" in r.output
        outs.append(tmp_path / name)
    for f in ("log.jsonl", "truth.jsonl"):
        assert (outs[0] / f).read_bytes() == (outs[1] / f).read_bytes()
    summary = json.loads((outs[0] / "summary.json").read_text())
    assert summary["records"]["plates"] > 0
    r = runner.invoke(app, ["log", "info", str(outs[0] / "log.jsonl")])
    assert r.exit_code == 0 and "plates" in r.output
    r = runner.invoke(app, ["log", "convert", str(outs[0] / "log.jsonl"), str(tmp_path / "x.wlog")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["log", "head", str(tmp_path / "x.wlog"), "-n", "2", "--kind", "tracks"])
    assert r.exit_code == 0 and r.output.count('"kind":"tracks"') == 2


def test_scenario_file_overrides_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "busy.yaml"
    good.write_text("preset: easy\narrivals: {peak_per_hour: 400}\n")
    r = runner.invoke(
        app,
        [
            "simulate",
            "--store",
            "corner-shop",
            "--scenario",
            str(good),
            "--hours",
            "0.02",
            "--out",
            str(tmp_path / "r"),
        ],
    )
    assert r.exit_code == 0, r.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("preset: realistic\nbehaviours: {put_back: 2}\n")
    r = runner.invoke(
        app,
        [
            "simulate",
            "--store",
            "corner-shop",
            "--scenario",
            str(bad),
            "--out",
            str(tmp_path / "r2"),
        ],
    )
    assert r.exit_code == 2
    assert "behaviours.put_back" in "".join(r.output.split())


def test_bad_store_is_exit_2_not_a_traceback(tmp_path: Path) -> None:
    r = runner.invoke(
        app, ["simulate", "--store", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "r")]
    )
    assert r.exit_code == 2
    assert "Traceback" not in r.output


def test_demo_prints_receipts(tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        [
            "demo",
            "--store",
            "corner-shop",
            "--minutes",
            "3",
            "--speed",
            "0",
            "--out",
            str(tmp_path / "d"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "The store server runs at http://127.0.0.1:" in r.output
    assert "$" in r.output and "shopper sessions" in r.output
    assert (tmp_path / "d" / "log.wlog").is_file()
    # the receipts are the engine's, checked against the twin's truth and scored
    assert (tmp_path / "d" / "run" / "receipts.jsonl").read_text().count('"receipt"') >= 1
    assert "✓" in r.output or "✗" in r.output
    assert "receipts charged at once that were exactly right" in r.output


def test_run_on_a_missing_log_is_exit_2_not_a_traceback(tmp_path: Path) -> None:
    r = runner.invoke(app, ["run", str(tmp_path / "nope.wlog"), "--out", str(tmp_path / "r")])
    assert r.exit_code == 2, r.output
    said = r.output.replace("\n", "")  # the console wraps long paths
    assert "nope.wlog" in said and "no such log file" in said
    assert "Traceback" not in r.output
