"""``walkout eval`` end to end: the twin's truth, the real AiFi receipt, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.unit.evaluation.conftest import Twin
from walkout.cli.main import app
from walkout.evaluation.runfiles import RunInfo, RunWriter
from walkout.fusion.outputs import Hypothesis, Receipt, ReceiptLine, Session, ShelfEvent

runner = CliRunner()

KEYS = (
    "sessions",
    "receipts_exact_auto",
    "receipts_exact_after_review",
    "review_rate",
    "overcharged_sessions",
    "undercharged_sessions",
    "item_precision",
    "item_recall",
    "item_f1",
    "mean_session_f1",
    "event_precision",
    "event_recall",
    "item_id_accuracy",
    "attribution_accuracy",
    "latency_p50_s",
    "latency_p99_s",
)

TARGET = "3325379692103139202"
WATER = "071142008582"


def test_json_on_the_oracle(twin: Twin, tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        [
            "eval",
            str(twin.oracle),
            "--truth",
            str(twin.truth_path),
            "--json",
            "--report",
            str(tmp_path / "rep"),
        ],
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert set(KEYS) <= set(d)
    assert d["mode"] == "truth" and d["sessions"] == len(twin.truth.scored)
    assert d["receipts_exact_auto"] == 1.0 and d["event_recall"] == 1.0
    assert d["by_behaviour"]["actions"] and d["calibration_ece"] == 0
    assert "latencies_s" not in d
    for f in ("report.md", "reliability.png", "latency.png", "behaviours.png"):
        assert (tmp_path / "rep" / f).stat().st_size > 0
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "receipts exact after review" in md and "## Actions by behaviour" in md


def test_tables_and_default_report(twin: Twin, tmp_path: Path) -> None:
    run = tmp_path / "run"
    for f in twin.oracle.iterdir():
        if f.is_file():
            (run / f.name).parent.mkdir(exist_ok=True)
            (run / f.name).write_bytes(f.read_bytes())
    r = runner.invoke(app, ["eval", str(run), "--truth", str(twin.truth_path)])
    assert r.exit_code == 0, r.output
    assert "item F1" in r.output and "sessions by behaviour" in r.output
    assert (run / "report" / "report.md").is_file()


def aifi_run(out: Path, lines: list[tuple[str, int]], status: str = "final") -> Path:
    w = RunWriter(out)
    t0 = 1_600_000_000.0
    w.write(
        ShelfEvent(
            id="ev1",
            t_start=t0 + 5,
            t_end=t0 + 6,
            fixture="1",
            shelf=1,
            plates={"1.1.1": -621.7},
            delta_g=-621.7,
            op="take",
            hypotheses=[Hypothesis(items=[(WATER, 1)], p=0.97)],
            p=0.97,
            t_decided=t0 + 7,
        )
    )
    w.write(
        Session(
            id="s1",
            token=None,
            credential=None,
            admits=1,
            tracks=[TARGET],
            t_enter=t0,
            t_exit=t0 + 30,
            status="closed",
        )
    )
    w.write(
        Receipt(
            session="s1",
            token=None,
            tracks=[TARGET],
            t_exit=t0 + 30,
            t_final=None if status == "review" else t0 + 31,
            status=status,  # type: ignore[arg-type]
            lines=[ReceiptLine(sku=s, qty=q, unit_price=199, p=0.97) for s, q in lines],
            total=199 * sum(q for _, q in lines),
            currency="USD",
        )
    )
    w.close(RunInfo(store="nanostore", log="BENCHMARK-1"))
    return out


def test_official_aifi_receipt(benchmark1: Path, tmp_path: Path) -> None:
    official = benchmark1 / "expected_receipt.json"
    run = aifi_run(tmp_path / "ok", [(WATER, 1)])
    r = runner.invoke(app, ["eval", str(run), "--truth", str(official), "--json", "--no-report"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["mode"] == "official" and d["sessions"] == 1
    assert d["receipts_exact_auto"] == d["receipts_exact"] == d["mean_session_f1"] == 1.0
    assert d["item_f1"] == 1.0 and d["engine_events"] == 1
    for k in (
        "event_precision",
        "event_recall",
        "attribution_accuracy",
        "item_id_accuracy",
        "receipts_exact_after_review",
        "overcharged_sessions",
    ):
        assert d[k] is None, k
    assert d["latency_p50_s"] == pytest.approx(1.0)
    wrong = aifi_run(tmp_path / "wrong", [(WATER, 2), ("012345678905", 1)], status="review")
    d = json.loads(
        runner.invoke(
            app, ["eval", str(wrong), "--truth", str(official), "--json", "--no-report"]
        ).stdout
    )
    assert d["receipts_exact_auto"] is None and d["review_rate"] == 1.0
    assert d["item_precision"] == pytest.approx(1 / 3) and d["item_recall"] == 1.0
    assert d["mean_session_f1"] == pytest.approx(0.5)
    r = runner.invoke(
        app, ["eval", str(wrong), "--truth", str(official), "--report", str(tmp_path / "rep")]
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "rep" / "report.md").is_file()


def test_a_target_the_engine_never_saw_is_an_empty_receipt(
    benchmark1: Path, tmp_path: Path
) -> None:
    run = aifi_run(tmp_path / "run", [(WATER, 1)])
    (run / "sessions.jsonl").write_text("")
    (run / "receipts.jsonl").write_text("")
    r = runner.invoke(
        app,
        [
            "eval",
            str(run),
            "--truth",
            str(benchmark1 / "expected_receipt.json"),
            "--json",
            "--no-report",
        ],
    )
    d = json.loads(r.stdout)
    assert d["missing_receipts"] == 1 and d["receipts_exact_auto"] == 0.0
    assert d["mean_session_f1"] == 0.0 and d["item_recall"] == 0.0


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda d: d / "nowhere", "nowhere"),
        (lambda d: (d / "empty").mkdir() or d / "empty", "run.json"),
    ],
)
def test_bad_run_directory(make, needle: str, twin: Twin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = runner.invoke(app, ["eval", str(make(tmp_path)), "--truth", str(twin.truth_path)])
    assert r.exit_code == 2
    said = "".join(r.output.split())  # rich wraps long messages, even inside a path
    assert needle in said and "Traceback" not in said


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "no such file"),
        ("", "empty"),
        ("not json\n", "bad truth record"),
        ('{"receipts": [{"products": []}]}', "bad official receipt file"),
        ('{\n  "store": "x"\n}\n', "neither a truth.jsonl nor an official receipt file"),
    ],
)
def test_bad_reference(content: str | None, needle: str, twin: Twin, tmp_path: Path) -> None:
    ref = tmp_path / "ref.json"
    if content is not None:
        ref.write_text(content)
    r = runner.invoke(app, ["eval", str(twin.oracle), "--truth", str(ref), "--no-report"])
    assert r.exit_code == 2, r.output
    flat = "".join(r.output.split())  # the console folds a long path even inside a word
    assert "ref.json" in flat and needle.replace(" ", "") in flat
