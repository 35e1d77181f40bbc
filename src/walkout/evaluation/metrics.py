"""Scoring a run against the twin's ground truth: every headline metric in one pass.

Scored sessions are the truth's paying ones (not staff, with an account). Each
takes the last receipt of the engine session matched to it; no engine session
or no receipt counts as an empty receipt that is final (the shopper walked out
and was charged nothing).
"""

from __future__ import annotations

import numpy as np

from walkout.evaluation.behaviours import SessionOutcome, action_rows, session_rows
from walkout.evaluation.calibration import reliability
from walkout.evaluation.events import event_right, score_events
from walkout.evaluation.matching import DEFAULT_TOLERANCE_S, match_events, match_sessions
from walkout.evaluation.receipts import Money, bag, item_scores, prices_of, same
from walkout.evaluation.result import ByBehaviour, EvalResult, ratio
from walkout.evaluation.review import settle
from walkout.evaluation.run_index import RunIndex, index_run
from walkout.evaluation.runfiles import Run
from walkout.evaluation.truth_index import TruthIndex
from walkout.fusion.outputs import Receipt


def latencies(ri: RunIndex) -> list[float]:
    """Seconds from exit to a final receipt, over the run's final receipts."""
    return [
        r.t_final - r.t_exit
        for r in ri.receipts.values()
        if r.status == "final" and r.t_final is not None
    ]


def percentile(xs: list[float], q: float) -> float | None:
    return float(np.percentile(np.asarray(xs), q)) if xs else None


def currency_of(ri: RunIndex) -> str | None:
    return next((r.currency for r in ri.receipts.values()), None)


def evaluate_truth(
    run: Run,
    truth: TruthIndex,
    *,
    run_path: str = "",
    tol: float = DEFAULT_TOLERANCE_S,
) -> EvalResult:
    ri = index_run(run)
    sm = match_sessions(ri.sessions.values(), truth.sessions.values())
    em = match_events(ri.events.values(), truth.actions, tol, sm)
    with_attr = ri.has_attribution
    scored = truth.scored
    receipts: dict[str, Receipt | None] = {}
    for sid in scored:
        eid = sm.truth_to_engine.get(sid)
        receipts[sid] = ri.receipts.get(eid) if eid is not None else None
    settled = settle(receipts, ri.events.values(), em)
    engine_prices = prices_of(ri.receipts.values())
    auto, reviewed = Money(), Money()
    outcomes: dict[str, SessionOutcome] = {}
    line_cal: list[tuple[float, bool]] = []
    for sid in scored:
        r = receipts[sid]
        true = truth.receipt(sid)
        pred = bag(r.lines) if r is not None else {}
        final = r is None or r.status == "final"
        outcomes[sid] = SessionOutcome(
            final=final,
            exact_auto=same(pred, true),
            exact_after_review=same(settled[sid], true),
            pred=pred,
            true=true,
            settled=settled[sid],
        )
        auto.add(pred if final else None, true, engine_prices, truth.prices)
        reviewed.add(settled[sid], true, engine_prices, truth.prices)
        if r is not None:
            line_cal.extend((ln.p, pred[ln.sku] == true.get(ln.sku, 0)) for ln in r.lines)
    n = len(scored)
    finals = [o for o in outcomes.values() if o.final]
    items = item_scores([(o.pred, o.true) for o in outcomes.values()])
    ev = score_events(ri.events, truth, em, sm, with_attr)
    event_cal = [
        (e.p, event_right(e, em.actions_of.get(e.id, []), truth, sm, with_attr)) for e in ri.moves
    ]
    lat = latencies(ri)
    lines = reliability("receipt lines: qty equals the true qty for the sku", line_cal)
    events = reliability("shelf events: top hypothesis and session both right", event_cal)
    return EvalResult(
        mode="truth",
        run=run_path,
        reference=str(truth.path),
        tolerance_s=tol,
        currency=currency_of(ri),
        sessions=n,
        tailgater_sessions=len(truth.tailgaters),
        staff_sessions=len(truth.staff),
        engine_sessions=len(ri.sessions),
        unmatched_engine_sessions=sum(1 for k in ri.sessions if k not in sm.engine_to_truth),
        missing_receipts=sum(1 for r in receipts.values() if r is None),
        receipts_exact=ratio(sum(same(o.pred, o.true) for o in outcomes.values()), n),
        receipts_exact_auto=ratio(sum(o.exact_auto for o in finals), len(finals)),
        receipts_exact_after_review=ratio(sum(o.exact_after_review for o in outcomes.values()), n),
        review_rate=ratio(n - len(finals), n),
        review_tasks=len({t.id for t in run.reviews}),
        overcharged_sessions=ratio(auto.over, n),
        undercharged_sessions=ratio(auto.under, n),
        overcharged_count=auto.over,
        undercharged_count=auto.under,
        overcharged_minor=auto.over_minor,
        undercharged_minor=auto.under_minor,
        overcharged_sessions_after_review=ratio(reviewed.over, n),
        undercharged_sessions_after_review=ratio(reviewed.under, n),
        overcharged_count_after_review=reviewed.over,
        undercharged_count_after_review=reviewed.under,
        overcharged_minor_after_review=reviewed.over_minor,
        undercharged_minor_after_review=reviewed.under_minor,
        item_precision=items.precision,
        item_recall=items.recall,
        item_f1=items.f1,
        mean_session_f1=items.mean_session_f1,
        truth_actions=ev.truth_actions,
        engine_events=ev.engine_events,
        none_events=ev.none_events,
        event_precision=ev.precision,
        event_recall=ev.recall,
        none_events_matched=ev.none_events_matched,
        actions_missed_as_none=ev.actions_missed_as_none,
        item_id_accuracy=ev.item_id_accuracy,
        attribution_accuracy=ev.attribution_accuracy,
        latency_p50_s=percentile(lat, 50),
        latency_p99_s=percentile(lat, 99),
        latencies_s=lat,
        calibration_ece=lines.ece,
        event_calibration_ece=events.ece,
        calibration=[lines, events],
        by_behaviour=ByBehaviour(
            sessions=session_rows(truth, outcomes), actions=action_rows(truth, ev.outcomes)
        ),
    )
