"""walkout ops from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from walkout.cli.main import app

runner = CliRunner()


def test_ops_writes_tasks_alerts_and_the_shift_view(tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        [
            "simulate",
            "--store",
            "corner-shop",
            "--hours",
            "0.04",
            "--seed",
            "3",
            "--out",
            str(tmp_path),
        ],
    )
    assert r.exit_code == 0, r.output
    out = tmp_path / "ops"
    r = runner.invoke(
        app, ["ops", str(tmp_path / "log.jsonl"), "--out", str(out), "--age-policy", "block_exit"]
    )
    assert r.exit_code == 0, r.output
    assert "open tasks" in r.output
    view = json.loads((out / "shift.json").read_text())
    assert {"open_tasks", "alerts", "stock_at_risk", "faulty_sensors"} <= set(view)
    tasks = [json.loads(x) for x in (out / "tasks.jsonl").read_text().splitlines()]
    assert all(t["type"] == "task" for t in tasks)
    assert (out / "receipts.jsonl").is_file()


def test_ops_refuses_an_unknown_policy(tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        [
            "simulate",
            "--store",
            "corner-shop",
            "--hours",
            "0.01",
            "--seed",
            "3",
            "--out",
            str(tmp_path),
        ],
    )
    r = runner.invoke(
        app,
        ["ops", str(tmp_path / "log.jsonl"), "--out", str(tmp_path / "o"), "--age-policy", "maybe"],
    )
    assert r.exit_code != 0
