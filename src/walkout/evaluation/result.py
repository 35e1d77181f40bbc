"""What ``walkout eval`` reports, as one JSON object (definitions: docs/evaluation.md).

Rates are fractions in [0, 1]; money is in minor units of the run's currency.
A metric is null when the reference cannot tell (event metrics against an
official receipt file, attribution on a log without tracks) or when nothing
was there to count.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from walkout.domain.money import to_decimal


class _R(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CalibrationBin(_R):
    lo: float
    hi: float
    count: int
    mean_p: float | None
    accuracy: float | None


class Calibration(_R):
    """A reliability curve: predictions grouped by stated probability."""

    what: str
    count: int
    ece: float | None = Field(description="expected calibration error: sum n_b/N |acc_b - p_b|")
    bins: list[CalibrationBin]


class SessionBehaviourRow(_R):
    behaviour: str
    sessions: int
    receipts_exact_auto: float | None
    receipts_exact_after_review: float | None
    review_rate: float | None


class ActionBehaviourRow(_R):
    behaviour: str
    actions: int
    detected: float | None
    item_id_accuracy: float | None
    attribution_accuracy: float | None


class ByBehaviour(_R):
    sessions: list[SessionBehaviourRow] = Field(default_factory=list)
    actions: list[ActionBehaviourRow] = Field(default_factory=list)


class EvalResult(_R):
    mode: Literal["truth", "official"]
    run: str
    reference: str
    tolerance_s: float
    currency: str | None = None
    # sessions
    sessions: int = Field(description="scored sessions: not staff, with an account")
    tailgater_sessions: int | None = None
    staff_sessions: int | None = None
    engine_sessions: int = 0
    unmatched_engine_sessions: int = 0
    missing_receipts: int = Field(0, description="scored sessions with no engine receipt")
    # receipts
    receipts_exact: float | None = None
    receipts_exact_auto: float | None = None
    receipts_exact_after_review: float | None = None
    review_rate: float | None = None
    review_tasks: int = Field(0, description="review tasks the engine raised")
    overcharged_sessions: float | None = None
    undercharged_sessions: float | None = None
    overcharged_count: int | None = None
    undercharged_count: int | None = None
    overcharged_minor: int | None = None
    undercharged_minor: int | None = None
    overcharged_sessions_after_review: float | None = None
    undercharged_sessions_after_review: float | None = None
    overcharged_count_after_review: int | None = None
    undercharged_count_after_review: int | None = None
    overcharged_minor_after_review: int | None = None
    undercharged_minor_after_review: int | None = None
    # items
    item_precision: float | None = None
    item_recall: float | None = None
    item_f1: float | None = None
    mean_session_f1: float | None = None
    # shelf events
    truth_actions: int | None = None
    engine_events: int = Field(0, description="engine shelf events with op take or put")
    none_events: int = Field(0, description="engine shelf events with op none")
    event_precision: float | None = None
    event_recall: float | None = None
    none_events_matched: int | None = None
    actions_missed_as_none: int | None = None
    item_id_accuracy: float | None = None
    attribution_accuracy: float | None = None
    # timing
    latency_p50_s: float | None = None
    latency_p99_s: float | None = None
    latencies_s: list[float] = Field(default_factory=list, exclude=True)
    # calibration
    calibration_ece: float | None = Field(None, description="receipt lines")
    event_calibration_ece: float | None = None
    calibration: list[Calibration] = Field(default_factory=list)
    by_behaviour: ByBehaviour = Field(default_factory=ByBehaviour)


def ratio(num: float, den: float) -> float | None:
    """num / den, or None when there was nothing to count."""
    return num / den if den else None


#: The headline, in reading order: (key, label, kind); kind is rate, count, number, money or seconds.
HEADLINE: tuple[tuple[str, str, str], ...] = (
    ("sessions", "sessions scored", "count"),
    ("tailgater_sessions", "tailgater sessions (not scored)", "count"),
    ("missing_receipts", "scored sessions without an engine receipt", "count"),
    ("unmatched_engine_sessions", "engine sessions matching no true one", "count"),
    ("receipts_exact_auto", "receipts exact, of final ones", "rate"),
    ("receipts_exact_after_review", "receipts exact after review", "rate"),
    ("receipts_exact", "receipt lines exact, any status", "rate"),
    ("review_rate", "sessions sent to review", "rate"),
    ("review_tasks", "review tasks raised", "count"),
    ("overcharged_sessions", "overcharged (final)", "rate"),
    ("overcharged_minor", "overcharged amount (final)", "money"),
    ("undercharged_sessions", "undercharged (final)", "rate"),
    ("undercharged_minor", "undercharged amount (final)", "money"),
    ("overcharged_sessions_after_review", "overcharged after review", "rate"),
    ("undercharged_sessions_after_review", "undercharged after review", "rate"),
    ("item_precision", "item precision", "rate"),
    ("item_recall", "item recall", "rate"),
    ("item_f1", "item F1", "rate"),
    ("mean_session_f1", "mean session F1 (AiFi score)", "rate"),
    ("engine_events", "engine shelf events (take/put)", "count"),
    ("event_precision", "event precision", "rate"),
    ("event_recall", "event recall", "rate"),
    ("actions_missed_as_none", "actions the engine called 'none'", "count"),
    ("item_id_accuracy", "item identification accuracy", "rate"),
    ("attribution_accuracy", "attribution accuracy", "rate"),
    ("latency_p50_s", "receipt latency p50", "seconds"),
    ("latency_p99_s", "receipt latency p99", "seconds"),
    ("calibration_ece", "expected calibration error, receipt lines", "number"),
    ("event_calibration_ece", "expected calibration error, shelf events", "number"),
)


def show(value: object, kind: str, currency: str | None = None) -> str:
    """A value as a person reads it: 97.3 %, 1,204, 0.042, USD 12.34, 0.50 s, n/a."""
    if value is None:
        return "n/a"
    if kind == "rate":
        return f"{100 * float(value):.1f} %"  # type: ignore[arg-type]
    if kind == "number":
        return f"{float(value):.3f}"  # type: ignore[arg-type]
    if kind == "seconds":
        return f"{float(value):.2f} s"  # type: ignore[arg-type]
    if kind == "money":
        if not currency:
            return f"{value:,} (minor units)"
        return f"{currency} {to_decimal(int(value), currency):,}"  # type: ignore[call-overload]
    return f"{value:,}"
