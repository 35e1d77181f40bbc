"""``walkout serve`` refuses bad input with a message and exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from walkout.cli.main import app

runner = CliRunner()


def test_unknown_store_is_exit_2(tmp_path: Path) -> None:
    r = runner.invoke(app, ["serve", "--store", "nosuchstore", "--data-dir", str(tmp_path)])
    assert r.exit_code == 2, r.output
    assert "nosuchstore" in r.output and "Traceback" not in r.output


def test_bad_setting_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALKOUT_RETENTION_DAYS", "-1")
    r = runner.invoke(app, ["serve", "--data-dir", str(tmp_path)])
    assert r.exit_code == 2, r.output
    assert "retention_days" in r.output and "Traceback" not in r.output
