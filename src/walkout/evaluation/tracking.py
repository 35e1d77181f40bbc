"""What tracking errors cost in receipts: one run on the tracker's tracks scored
beside the same log's run on ground-truth tracks (issue 4).

A run made on ``walkout.vision`` tracks may carry ``vision.json`` (the tracker's
MOTA, IDF1, identity switches and hand error against the twin's true joints,
written by ``benchmarks/vision_receipts.py``); ``walkout eval RUN --baseline
GT_RUN`` shows those next to the receipt scores, and the receipt scores of both
runs with their difference in percentage points.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from walkout.evaluation.result import EvalResult
from walkout.vision.scores import VisionScores

VISION_FILE = "vision.json"
TARGET_POINTS = 0.3  # issue 4: receipts within 0.3 percentage points of ground-truth tracks


class VisionRun(BaseModel):
    """How the tracker did on the run whose tracks it made (``RUN/vision.json``)."""

    scores: VisionScores
    tracker_stats: dict[str, int] = Field(default_factory=dict)
    cameras: int = 0
    span_s: float = 0.0
    tracker_cpu_s: float = 0.0
    real_time_x: float = 0.0
    meta: dict[str, Any] = Field(default_factory=dict)


def read_vision(run_dir: Path) -> VisionRun | None:
    """``RUN/vision.json`` if the run has one; a bad file is an error naming it."""
    path = run_dir / VISION_FILE
    if not path.is_file():
        return None
    try:
        return VisionRun.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise ValueError(f"{path}: not a tracker score file ({e.__class__.__name__})") from e


#: (EvalResult field, label, kind) compared between the two runs
COMPARED: tuple[tuple[str, str, str], ...] = (
    ("sessions", "sessions scored", "count"),
    ("receipts_exact_auto", "receipts exact, of final ones", "rate"),
    ("receipts_exact_after_review", "receipts exact after review", "rate"),
    ("review_rate", "sessions sent to review", "rate"),
    ("overcharged_sessions", "overcharged (final)", "rate"),
    ("undercharged_sessions", "undercharged (final)", "rate"),
    ("attribution_accuracy", "attribution accuracy", "rate"),
    ("unmatched_engine_sessions", "engine sessions matching no true one", "count"),
)


class TrackingCost(BaseModel):
    """The run on the tracker's tracks against the run on ground-truth tracks."""

    baseline: str
    run: str
    values: dict[str, tuple[float | None, float | None]]
    delta_exact_auto: float
    delta_exact_after_review: float
    delta_review_rate: float
    within_target: bool
    vision: VisionRun | None = None


def _num(x: object) -> float | None:
    return None if x is None else float(x)  # type: ignore[arg-type]


def compare(baseline: EvalResult, run: EvalResult, vision: VisionRun | None = None) -> TrackingCost:
    """Receipt scores of ``run`` (tracker tracks) against ``baseline`` (ground truth)."""
    values = {k: (_num(getattr(baseline, k)), _num(getattr(run, k))) for k, _, _ in COMPARED}

    def delta(k: str) -> float:
        a, b = values[k]
        return (b or 0.0) - (a or 0.0)

    d_auto = delta("receipts_exact_auto")
    d_review = delta("receipts_exact_after_review")
    d_rate = delta("review_rate")
    tol = TARGET_POINTS / 100 + 1e-12
    # a tracker that does better than ground truth is within the target too
    ok = d_auto >= -tol and d_review >= -tol and d_rate <= tol
    return TrackingCost(
        baseline=baseline.run,
        run=run.run,
        values=values,
        delta_exact_auto=round(d_auto, 6),
        delta_exact_after_review=round(d_review, 6),
        delta_review_rate=round(d_rate, 6),
        within_target=ok,
        vision=vision,
    )


def _show(v: float | None, kind: str) -> str:
    if v is None:
        return "n/a"
    return f"{100 * v:.2f} %" if kind == "rate" else f"{v:,.0f}"


def comparison_rows(c: TrackingCost) -> list[tuple[str, str, str, str]]:
    """(label, ground-truth tracks, tracker's tracks, difference) for a table."""
    rows = []
    for key, label, kind in COMPARED:
        a, b = c.values[key]
        if a is None or b is None:
            d = "n/a"
        elif kind == "rate":
            d = f"{100 * (b - a):+.2f} points"
        else:
            d = f"{b - a:+,.0f}"
        rows.append((label, _show(a, kind), _show(b, kind), d))
    return rows


def vision_rows(v: VisionRun) -> list[tuple[str, str]]:
    """(label, value) of the tracker's own scores."""
    s = v.scores
    return [
        ("cameras", str(v.cameras)),
        ("MOTA", f"{s.mota:.3f}"),
        ("IDF1", f"{s.idf1:.3f}"),
        ("identity switches (py-motmetrics)", str(s.id_switches)),
        (
            "track moved to another account",
            f"{s.cross_account_switches} ({s.cross_account_per_1000_sessions:.1f} per 1,000 "
            f"sessions; {s.cross_account_flagged} in an ambiguity window)",
        ),
        (
            "... matched afresh every frame",
            "n/a"
            if s.cross_account_switches_per_frame is None
            else str(s.cross_account_switches_per_frame),
        ),
        (
            "3-D hand error median / p90",
            f"{100 * s.hand_error_median_m:.1f} / {100 * s.hand_error_p90_m:.1f} cm",
        ),
        ("ambiguity windows sent", str(s.ambiguity_windows)),
        ("tracker speed", f"{v.real_time_x:.1f}x real time, one core"),
    ]
