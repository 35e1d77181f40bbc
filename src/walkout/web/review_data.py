"""What the review console computes from the server's rows: the queue in order
of urgency, each event's choices (product, quantity, shopper) with their
probabilities, the receipt a choice gives, and each reviewer's statistics.
Pure functions of rows and dicts, so they are tested without a browser."""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from walkout.server.db.payments import DisputeRow
from walkout.server.db.queues import ReviewDecisionRow, ReviewTaskRow
from walkout.server.db.system import TokenRow
from walkout.server.db.visits import CredentialRow, ReceiptRow


@dataclass(frozen=True)
class QueueTask:
    id: str
    session: str | None
    t: float
    reason: str
    events: list[str]
    claimed_by: str | None


@dataclass(frozen=True)
class QueueItem:
    task: QueueTask
    shopper_waiting: bool
    receipt_total: int | None


def queue(db: Session, store: str) -> list[QueueItem]:
    """Open tasks, most urgent first: a shopper (an account) waiting for a receipt
    in review comes before anything else; then the oldest first."""
    rows = list(
        db.scalars(
            select(ReviewTaskRow).where(
                ReviewTaskRow.store_id == store, ReviewTaskRow.status == "open"
            )
        )
    )
    out = []
    for r in rows:
        rec = db.get(ReceiptRow, (store, r.session)) if r.session else None
        waiting = bool(
            rec is not None
            and rec.status == "review"
            and rec.token
            and db.get(CredentialRow, rec.token) is not None
        )
        task = QueueTask(r.id, r.session, r.t, r.reason, list(r.events), r.claimed_by)
        out.append(QueueItem(task, waiting, rec.total if rec is not None else None))
    out.sort(key=lambda q: (not q.shopper_waiting, q.task.t, q.task.id))
    return out


@dataclass(frozen=True)
class Choice:
    items: tuple[tuple[str, int], ...]
    session: str | None
    p: float


def choices(event: dict[str, Any], n: int = 9) -> list[Choice]:
    """The event's explanations: each hypothesis of what moved with each candidate
    of who did it, ranked by the product of their probabilities."""
    hyps = event.get("hypotheses") or [{"items": [], "p": 1.0}]
    attr = event.get("attribution") or [{"session": event.get("session"), "p": 1.0}]
    seen: dict[tuple[Any, ...], Choice] = {}
    for h in hyps[:5]:
        for a in attr[:4]:
            key = (tuple((s, int(k)) for s, k in h["items"]), a.get("session"))
            p = float(h["p"]) * float(a["p"])
            if key not in seen or seen[key].p < p:
                seen[key] = Choice(key[0], key[1], p)
    ranked = sorted(seen.values(), key=lambda c: -c.p)
    top = Choice(
        tuple((s, int(k)) for s, k in hyps[0]["items"]), event.get("session"), float(event["p"])
    )
    # the engine's own pick first (what the receipt holds now), then the rest by odds
    return ([top] + [c for c in ranked if (c.items, c.session) != (top.items, top.session)])[:n]


def lines_after(
    session: str | None,
    current: dict[str, int],
    events: dict[str, dict[str, Any]],
    picked: dict[str, Choice],
) -> dict[str, int]:
    """The receipt of ``session`` once each event is settled as picked: the engine's
    contribution of the event (its top hypothesis, if it gave the event to this
    session) is replaced by the picked one's (if the pick is this session)."""
    out = dict(current)
    for eid, ev in events.items():
        sign = {"take": 1, "put": -1}.get(ev.get("op", ""), 0)
        hyps = ev.get("hypotheses") or []
        if ev.get("session") == session and hyps:
            for sku, k in hyps[0]["items"]:
                out[sku] = out.get(sku, 0) - sign * int(k)
        c = picked.get(eid)
        if c is not None and c.session == session:
            for sku, k in c.items:
                out[sku] = out.get(sku, 0) + sign * int(k)
    return {s: q for s, q in sorted(out.items()) if q > 0 and s != "?"}


@dataclass(frozen=True)
class ReviewerStats:
    reviewer: str
    name: str
    decisions: int
    per_hour: float | None
    median_gap_s: float | None
    agree_engine: float | None
    refunded_after: int


def reviewer_stats(db: Session, store: str) -> list[ReviewerStats]:
    """Per reviewer: decisions, throughput (decisions an hour over their active
    span, and the median time between consecutive decisions), agreement with
    the engine (the share of decisions that kept the engine's lines), and how
    many of their receipts a shopper's dispute later had refunded."""
    rows = list(
        db.scalars(
            select(ReviewDecisionRow)
            .where(ReviewDecisionRow.store_id == store)
            .order_by(ReviewDecisionRow.decided_at)
        )
    )
    refunded = set(
        db.scalars(
            select(DisputeRow.session).where(
                DisputeRow.store_id == store, DisputeRow.status.in_(("refunded", "refunding"))
            )
        )
    )
    by: dict[str, list[ReviewDecisionRow]] = {}
    for r in rows:
        by.setdefault(r.reviewer, []).append(r)
    out = []
    for who, rs in sorted(by.items()):
        tok = db.get(TokenRow, who)
        times = [r.decided_at.timestamp() for r in rs]
        gaps = [b - a for a, b in itertools.pairwise(times) if b - a < 1800]
        span_h = (times[-1] - times[0]) / 3600 if len(times) > 1 else 0.0
        agree = [
            line_counts(r.lines) == line_counts(r.engine_lines)
            for r in rs
            if r.engine_lines or r.lines
        ]
        out.append(
            ReviewerStats(
                reviewer=who,
                name=(tok.name if tok and tok.name else who),
                decisions=len(rs),
                per_hour=len(rs) / span_h if span_h > 0 else None,
                median_gap_s=statistics.median(gaps) if gaps else None,
                agree_engine=sum(agree) / len(agree) if agree else None,
                refunded_after=sum(r.session in refunded for r in rs if r.session),
            )
        )
    return out


def line_counts(lines: list[dict[str, Any]]) -> dict[str, int]:
    """{sku: units} of [{sku, qty}] lines (a sku may repeat)."""
    out: dict[str, int] = {}
    for ln in lines:
        out[ln["sku"]] = out.get(ln["sku"], 0) + int(ln["qty"])
    return out
