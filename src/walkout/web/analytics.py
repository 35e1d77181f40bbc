"""The store's figures for the analytics page, from the server's rows: sales by
hour of day, top sellers, basket size, visits and repeat visitors, review rate
and receipt latency over time, and accuracy as reviews and disputes measure it."""

from __future__ import annotations

import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from walkout.domain.store import Store
from walkout.server.db.payments import DisputeRow
from walkout.server.db.queues import ReviewDecisionRow
from walkout.server.db.visits import CredentialRow, ReceiptLineRow, ReceiptRow, SessionRow
from walkout.web.review_data import line_counts

Point = tuple[float, float]


@dataclass
class Figures:
    receipts: int = 0
    revenue: int = 0
    sales_by_hour: list[tuple[str, float]] = field(default_factory=list)
    top_sellers: list[tuple[str, float]] = field(default_factory=list)
    basket_sizes: list[tuple[str, float]] = field(default_factory=list)
    mean_basket: float | None = None
    visits: int = 0
    visits_over_time: list[Point] = field(default_factory=list)
    visitors: int = 0
    repeat_visitors: int = 0
    review_rate: float | None = None
    review_rate_over_time: list[Point] = field(default_factory=list)
    latency_engine: list[Point] = field(default_factory=list)
    latency_review: list[Point] = field(default_factory=list)
    latency_p50_s: float | None = None
    reviewed: int = 0
    review_changed: int = 0
    disputes: int = 0
    disputes_refunded: int = 0
    accuracy: float | None = None
    bucket_s: float = 600.0


def _bucket(span_s: float) -> float:
    """About a dozen buckets over the span, in round minutes."""
    for b in (60, 120, 300, 600, 900, 1800, 3600):
        if span_s / b <= 16:
            return float(b)
    return 3600.0


def figures(db: Session, st: Store) -> Figures:
    f = Figures()
    tz = zoneinfo.ZoneInfo(st.timezone)
    recs = list(db.scalars(select(ReceiptRow).where(ReceiptRow.store_id == st.id)))
    final = [r for r in recs if r.status == "final"]
    f.receipts, f.revenue = len(final), sum(r.total for r in final)
    by_hour = Counter({h: 0.0 for h in range(24)})
    for r in final:
        by_hour[datetime.fromtimestamp(r.t_exit, tz).hour] += r.total / 100
    hours = [h for h in range(24) if by_hour[h]] or [12]
    lo, hi = max(0, min(hours) - 1), min(23, max(hours) + 1)
    f.sales_by_hour = [(f"{h:02d}", by_hour[h]) for h in range(lo, hi + 1)]

    names = {p.sku: p.name for p in st.catalogue}
    final_ids = {r.session for r in final}
    units: Counter[str] = Counter()
    basket: Counter[str] = Counter()
    for ln in db.scalars(select(ReceiptLineRow).where(ReceiptLineRow.store_id == st.id)):
        if ln.session in final_ids:
            units[ln.sku] += ln.qty
            basket[ln.session] += ln.qty
    f.top_sellers = [(names.get(s, s), float(q)) for s, q in units.most_common(10)]
    sizes = Counter(min(basket.get(r.session, 0), 10) for r in final)
    f.basket_sizes = [("10+" if k == 10 else str(k), float(sizes.get(k, 0))) for k in range(11)]
    f.mean_basket = float(np.mean([basket.get(r.session, 0) for r in final])) if final else None

    sessions = [
        s for s in db.scalars(select(SessionRow).where(SessionRow.store_id == st.id)) if not s.staff
    ]
    f.visits = len(sessions)
    times = [s.t_enter for s in sessions] + [r.t_exit for r in recs]
    if times:
        t0, t1 = min(times), max(times)
        f.bucket_s = b = _bucket(t1 - t0)
        start = np.floor(t0 / b) * b
        visits = Counter(int((s.t_enter - start) // b) for s in sessions)
        n_b = int((t1 - start) // b) + 1
        f.visits_over_time = [(start + k * b, float(visits.get(k, 0))) for k in range(n_b)]
        issued: Counter[int] = Counter()
        to_review: Counter[int] = Counter()
        for r in recs:
            k = int((r.t_exit - start) // b)
            issued[k] += 1
            to_review[k] += (r.engine or {}).get("status") == "review"
        f.review_rate_over_time = [
            (start + k * b, to_review[k] / issued[k]) for k in range(n_b) if issued[k]
        ]
    accounts: Counter[str] = Counter()
    for s in sessions:
        cred = db.get(CredentialRow, s.token) if s.token else None
        if cred is not None:
            accounts[cred.account_id] += 1
    f.visitors, f.repeat_visitors = len(accounts), sum(1 for n in accounts.values() if n > 1)

    engine_review = [r for r in recs if (r.engine or {}).get("status") == "review"]
    f.review_rate = len(engine_review) / len(recs) if recs else None
    lat = []
    for r in final:
        if r.t_final is None:
            continue
        d = max(0.0, r.t_final - r.t_exit)
        lat.append(d)
        (f.latency_review if r.decided_by else f.latency_engine).append((r.t_exit, d))
    f.latency_p50_s = float(np.median(lat)) if lat else None

    decisions = list(
        db.scalars(select(ReviewDecisionRow).where(ReviewDecisionRow.store_id == st.id))
    )
    f.reviewed = len(decisions)
    f.review_changed = sum(
        line_counts(d.lines) != line_counts(d.engine_lines) for d in decisions if d.session
    )
    ds = list(db.scalars(select(DisputeRow).where(DisputeRow.store_id == st.id)))
    f.disputes = len(ds)
    f.disputes_refunded = sum(d.status in ("refunded", "refunding") for d in ds)
    if recs:
        wrong = f.review_changed + f.disputes_refunded
        f.accuracy = max(0.0, 1 - wrong / len(recs))
    return f
