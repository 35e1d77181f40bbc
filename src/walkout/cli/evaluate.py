"""``walkout eval``: score a run directory against the truth or official receipts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from walkout.cli.common import console, friendly_errors
from walkout.evaluation.evaluator import evaluate_run
from walkout.evaluation.matching import DEFAULT_TOLERANCE_S
from walkout.evaluation.report import write_report
from walkout.evaluation.result import HEADLINE, EvalResult, show
from walkout.evaluation.tracking import (
    TARGET_POINTS,
    TrackingCost,
    VisionRun,
    compare,
    comparison_rows,
    read_vision,
    vision_rows,
)


def register(app: typer.Typer) -> None:
    app.command("eval")(evaluate)


@friendly_errors
def evaluate(
    run: Path = typer.Argument(..., help="run directory (walkout run LOG --out RUN)"),
    truth: Path = typer.Option(
        ..., "--truth", help="the twin's truth.jsonl, or an AiFi expected_receipt.json"
    ),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object, nothing else"),
    report: Path | None = typer.Option(
        None, "--report", help="where report.md and its PNGs go (default RUN/report)"
    ),
    no_report: bool = typer.Option(False, "--no-report", help="write no report"),
    tolerance: float = typer.Option(
        DEFAULT_TOLERANCE_S,
        min=0.0,
        help="seconds a true weight change may fall outside an engine event",
    ),
    baseline: Path | None = typer.Option(
        None,
        "--baseline",
        help="the same log's run on ground-truth tracks: show what RUN's tracking cost",
    ),
) -> None:
    """Score a run: receipts, money, items, shelf events, attribution, latency, calibration;
    the tracker's scores when RUN has them, and with --baseline what its tracking cost."""
    res = evaluate_run(run, truth, tolerance)
    vision = read_vision(run)
    cost = compare(evaluate_run(baseline, truth, tolerance), res, vision) if baseline else None
    where = None if no_report else write_report(res, report or run / "report")
    if as_json:
        if vision is None and cost is None:
            sys.stdout.write(res.model_dump_json() + "\n")
            return
        extra = cost.model_dump(mode="json") if cost else {"vision": vision.model_dump(mode="json")}  # type: ignore[union-attr]
        sys.stdout.write(json.dumps({**res.model_dump(mode="json"), "tracking": extra}) + "\n")
        return
    print_result(res)
    print_tracking(vision, cost)
    if where is not None:
        console.print(f"report: {where}")


def print_tracking(vision: VisionRun | None, cost: TrackingCost | None) -> None:
    if vision is not None:
        t = Table(title="tracking (walkout.vision against the true joints)")
        t.add_column("metric")
        t.add_column("value", justify="right")
        for label, value in vision_rows(vision):
            t.add_row(label, value)
        console.print(t)
    if cost is not None:
        t = Table(
            title=f"what tracking cost: {cost.run} against ground-truth tracks {cost.baseline}"
        )
        for col in ("measure", "ground-truth tracks", "tracker's tracks", "difference"):
            t.add_column(col, justify="left" if col == "measure" else "right")
        for row in comparison_rows(cost):
            t.add_row(*row)
        console.print(t)
        verdict = "within" if cost.within_target else "[red]NOT within[/]"
        console.print(f"receipts {verdict} {TARGET_POINTS} points of ground-truth tracks")


def print_result(res: EvalResult) -> None:
    t = Table(title=f"{res.run} vs {res.reference} ({res.mode})")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for key, label, kind in HEADLINE:
        t.add_row(label, show(getattr(res, key), kind, res.currency))
    console.print(t)
    if res.by_behaviour.sessions:
        s = Table(title="sessions by behaviour")
        for col in ("behaviour", "sessions", "exact (final)", "exact after review", "review"):
            s.add_column(col, justify="left" if col == "behaviour" else "right")
        for r in res.by_behaviour.sessions:
            s.add_row(
                r.behaviour,
                str(r.sessions),
                show(r.receipts_exact_auto, "rate"),
                show(r.receipts_exact_after_review, "rate"),
                show(r.review_rate, "rate"),
            )
        console.print(s)
    if res.by_behaviour.actions:
        a = Table(title="actions by behaviour")
        for col in ("behaviour", "actions", "detected", "item right", "attributed right"):
            a.add_column(col, justify="left" if col == "behaviour" else "right")
        for r in res.by_behaviour.actions:
            a.add_row(
                r.behaviour,
                str(r.actions),
                show(r.detected, "rate"),
                show(r.item_id_accuracy, "rate"),
                show(r.attribution_accuracy, "rate"),
            )
        console.print(a)
