"""``walkout eval RUN --baseline GT_RUN``: what tracking errors cost in receipts,
and the tracker's own scores when the run carries ``vision.json``."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.unit.evaluation.conftest import Twin
from walkout.cli.main import app
from walkout.evaluation.evaluator import evaluate_run
from walkout.evaluation.tracking import VISION_FILE, VisionRun, compare
from walkout.vision.scores import VisionScores

runner = CliRunner()

SCORES = VisionScores(
    frames=900,
    sessions=12,
    mota=0.91,
    idf1=0.955,
    id_switches=3,
    cross_session_switches=2,
    cross_account_switches=1,
    cross_account_flagged=1,
    cross_account_per_1000_sessions=83.3,
    hand_error_median_m=0.024,
    hand_error_p90_m=0.041,
    hands_matched=1800,
    ambiguity_windows=5,
)


def _tracker_run(twin: Twin, out: Path, to_review: int) -> Path:
    """The oracle's run with ``to_review`` receipts sent to review (as a worse tracker would)."""
    out.mkdir()
    for f in twin.oracle.iterdir():
        if f.is_file():
            (out / f.name).write_bytes(f.read_bytes())
    lines = (out / "receipts.jsonl").read_text().splitlines()
    spoiled = []
    for i, ln in enumerate(lines):
        r = json.loads(ln)
        if i < to_review:
            r["status"] = "review"
        spoiled.append(json.dumps(r))
    (out / "receipts.jsonl").write_text("\n".join(spoiled) + "\n")
    (out / VISION_FILE).write_text(VisionRun(scores=SCORES, cameras=59).model_dump_json())
    return out


def test_the_difference_is_in_points_and_judged_against_the_target(
    twin: Twin, tmp_path: Path
) -> None:
    base = evaluate_run(twin.oracle, twin.truth_path)
    same = compare(base, base)
    assert same.within_target and same.delta_review_rate == 0
    worse = evaluate_run(_tracker_run(twin, tmp_path / "t", 10**6), twin.truth_path)
    c = compare(base, worse)
    assert worse.review_rate == 1.0
    assert c.delta_review_rate == round(1.0 - (base.review_rate or 0.0), 6) > 0
    assert not c.within_target


def test_eval_shows_tracking_and_its_cost(twin: Twin, tmp_path: Path) -> None:
    run = _tracker_run(twin, tmp_path / "t", 10**6)
    args = ["eval", str(run), "--truth", str(twin.truth_path), "--no-report"]
    r = runner.invoke(app, [*args, "--baseline", str(twin.oracle)])
    assert r.exit_code == 0, r.output
    assert "IDF1" in r.output and "0.955" in r.output
    assert "what tracking cost" in r.output and "NOT within" in r.output
    d = json.loads(runner.invoke(app, [*args, "--baseline", str(twin.oracle), "--json"]).stdout)
    assert d["tracking"]["vision"]["scores"]["idf1"] == 0.955
    assert (
        d["tracking"]["delta_review_rate"] > 0
        and d["sessions"] == d["tracking"]["values"]["sessions"][1]
    )
    # without a baseline: the tracker's scores only; a run without vision.json: as before
    r = runner.invoke(app, args)
    assert "IDF1" in r.output and "what tracking cost" not in r.output
    d = json.loads(
        runner.invoke(
            app,
            ["eval", str(twin.oracle), "--truth", str(twin.truth_path), "--no-report", "--json"],
        ).stdout
    )
    assert "tracking" not in d


def test_a_bad_vision_file_is_named(twin: Twin, tmp_path: Path) -> None:
    run = _tracker_run(twin, tmp_path / "t", 0)
    (run / VISION_FILE).write_text("{not json")
    r = runner.invoke(app, ["eval", str(run), "--truth", str(twin.truth_path), "--no-report"])
    assert r.exit_code != 0
    flat = "".join(r.output.split())  # the console may wrap the path anywhere
    assert VISION_FILE in flat and "notatrackerscorefile" in flat and "Traceback" not in flat
