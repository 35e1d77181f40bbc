"""The perfect engine scores perfectly; each kind of mistake moves its own metric."""

from __future__ import annotations

import pytest

from tests.unit.evaluation.conftest import Twin
from walkout.evaluation.metrics import evaluate_truth
from walkout.evaluation.result import EvalResult
from walkout.evaluation.runfiles import Run
from walkout.fusion.outputs import Hypothesis, ShelfEvent

PERFECT_ONE = (
    "receipts_exact",
    "receipts_exact_auto",
    "receipts_exact_after_review",
    "item_precision",
    "item_recall",
    "item_f1",
    "mean_session_f1",
    "event_precision",
    "event_recall",
    "item_id_accuracy",
    "attribution_accuracy",
)
PERFECT_ZERO = (
    "review_rate",
    "overcharged_sessions",
    "undercharged_sessions",
    "overcharged_minor",
    "undercharged_minor",
    "overcharged_sessions_after_review",
    "undercharged_sessions_after_review",
    "missing_receipts",
    "unmatched_engine_sessions",
    "none_events_matched",
    "actions_missed_as_none",
    "calibration_ece",
    "event_calibration_ece",
)


def score(run: Run, twin: Twin) -> EvalResult:
    return evaluate_truth(run, twin.truth)


def test_the_twin_run_has_what_the_tests_need(twin: Twin) -> None:
    t = twin.truth
    assert len(t.scored) >= 8 and t.tailgaters and t.staff
    assert any(not a.charged for a in t.actions)
    assert any(len(t.sessions[s].people) > 1 for s in t.scored)


def test_the_oracle_scores_perfectly(oracle_run: Run, twin: Twin) -> None:
    r = score(oracle_run, twin)
    for k in PERFECT_ONE:
        assert getattr(r, k) == 1.0, k
    for k in PERFECT_ZERO:
        assert getattr(r, k) == 0, k
    assert r.sessions == len(twin.truth.scored)
    assert r.tailgater_sessions == len(twin.truth.tailgaters) > 0
    assert r.truth_actions == r.engine_events == len(twin.truth.actions)
    assert r.latency_p50_s == pytest.approx(0.5) and r.latency_p99_s == pytest.approx(0.5)
    assert all(row.receipts_exact_auto == 1.0 for row in r.by_behaviour.sessions)
    assert all(row.detected == 1.0 for row in r.by_behaviour.actions)
    assert {"put_back", "crowded", "restock"} <= {row.behaviour for row in r.by_behaviour.actions}


def _take_event(run: Run, twin: Twin) -> int:
    """Index of an oracle take event of a paying session with a non-empty receipt, whose
    action has no other action on its shelf within 3 s (so nothing else can match it)."""
    acts = twin.truth.actions
    for i, e in enumerate(run.events):
        if e.op != "take" or e.session not in twin.truth.scored:
            continue
        a = next(a for a in acts if f"e-{a.id}" == e.id)
        shelf = {k.rsplit(".", 1)[0] for k in a.plates}
        near = [
            b
            for b in acts
            if b.id != a.id
            and abs(b.t_change - a.t_change) < 3
            and shelf & {k.rsplit(".", 1)[0] for k in b.plates}
        ]
        if not near and twin.truth.receipt(e.session):
            return i
    raise AssertionError("no such event")


def test_a_dropped_event_costs_recall_only(oracle_run: Run, twin: Twin) -> None:
    del oracle_run.events[_take_event(oracle_run, twin)]
    r = score(oracle_run, twin)
    assert r.event_recall == pytest.approx(1 - 1 / len(twin.truth.actions))
    assert r.event_precision == 1.0 and r.receipts_exact_auto == 1.0


def test_a_false_event_costs_precision_only(oracle_run: Run, twin: Twin) -> None:
    e = oracle_run.events[0]
    ghost = e.model_copy(update={"id": "ghost", "t_start": e.t_start - 60, "t_end": e.t_end - 60})
    oracle_run.events.append(ghost)
    r = score(oracle_run, twin)
    assert r.event_precision == pytest.approx(1 - 1 / (len(twin.truth.actions) + 1))
    assert r.event_recall == 1.0
    assert r.event_calibration_ece is not None and r.event_calibration_ece > 0


def test_an_event_called_none_is_a_miss(oracle_run: Run, twin: Twin) -> None:
    i = _take_event(oracle_run, twin)
    oracle_run.events[i] = oracle_run.events[i].model_copy(update={"op": "none"})
    r = score(oracle_run, twin)
    assert r.none_events_matched == 1 and r.actions_missed_as_none == 1
    assert r.event_recall == pytest.approx(1 - 1 / len(twin.truth.actions))
    assert r.event_precision == 1.0
    assert r.engine_events == len(twin.truth.actions) - 1


def _final_receipt(run: Run, twin: Twin) -> int:
    return next(i for i, r in enumerate(run.receipts) if r.session in twin.truth.scored and r.lines)


def test_an_extra_unit_overcharges(oracle_run: Run, twin: Twin) -> None:
    i = _final_receipt(oracle_run, twin)
    rc = oracle_run.receipts[i]
    ln = rc.lines[0]
    lines = [ln.model_copy(update={"qty": ln.qty + 1}), *rc.lines[1:]]
    oracle_run.receipts[i] = rc.model_copy(update={"lines": lines})
    r = score(oracle_run, twin)
    n = len(twin.truth.scored)
    assert r.receipts_exact_auto == pytest.approx(1 - 1 / n)
    assert r.overcharged_count == 1 and r.overcharged_minor == ln.unit_price
    assert r.undercharged_count == 0
    assert r.item_precision is not None and r.item_precision < 1.0 and r.item_recall == 1.0
    assert r.mean_session_f1 is not None and r.mean_session_f1 < 1.0
    assert r.calibration_ece is not None and r.calibration_ece > 0
    assert r.overcharged_count_after_review == 1  # a final receipt is charged as it is


def test_a_missing_unit_undercharges(oracle_run: Run, twin: Twin) -> None:
    i = _final_receipt(oracle_run, twin)
    rc = oracle_run.receipts[i]
    oracle_run.receipts[i] = rc.model_copy(update={"lines": rc.lines[1:]})
    r = score(oracle_run, twin)
    ln = rc.lines[0]
    assert r.undercharged_count == 1 and r.undercharged_minor == ln.qty * ln.unit_price
    assert r.overcharged_count == 0
    assert r.item_recall is not None and r.item_recall < 1.0 and r.item_precision == 1.0


def test_review_settles_flagged_events_and_only_those(oracle_run: Run, twin: Twin) -> None:
    i = _final_receipt(oracle_run, twin)
    rc = oracle_run.receipts[i]
    ln = rc.lines[0]
    # the engine doubts the first line: it waits for review, with its events flagged
    lines = [ln.model_copy(update={"review": True}), *rc.lines[1:]]
    oracle_run.receipts[i] = rc.model_copy(
        update={"lines": lines, "status": "review", "t_final": None}
    )
    flagged = set(ln.events)
    assert flagged
    for k, e in enumerate(oracle_run.events):
        if e.id in flagged:
            oracle_run.events[k] = e.model_copy(update={"review": True})
    r = score(oracle_run, twin)
    n = len(twin.truth.scored)
    assert r.review_rate == pytest.approx(1 / n)
    assert r.receipts_exact_auto == 1.0  # of the final ones
    assert r.receipts_exact_after_review == 1.0
    assert r.item_precision == 1.0  # status is ignored for items
    # the same doubt without flagging the events: the reviewer cannot restore the line
    for k, e in enumerate(oracle_run.events):
        if e.id in flagged:
            oracle_run.events[k] = e.model_copy(update={"review": False})
    r = score(oracle_run, twin)
    assert r.receipts_exact_after_review == pytest.approx(1 - 1 / n)
    assert r.undercharged_count_after_review == 1
    assert r.undercharged_count == 0  # nothing was charged before the review


def test_a_wrong_session_costs_attribution(oracle_run: Run, twin: Twin) -> None:
    i = _take_event(oracle_run, twin)
    e = oracle_run.events[i]
    other = next(s for s in twin.truth.scored if s != e.session)
    oracle_run.events[i] = e.model_copy(update={"session": other})
    r = score(oracle_run, twin)
    assert r.attribution_accuracy is not None and r.attribution_accuracy < 1.0
    assert r.item_id_accuracy == 1.0
    assert r.event_calibration_ece is not None and r.event_calibration_ece > 0


def test_a_wrong_product_costs_item_id(oracle_run: Run, twin: Twin) -> None:
    i = _take_event(oracle_run, twin)
    e: ShelfEvent = oracle_run.events[i]
    sku, n = e.hypotheses[0].items[0]
    wrong = next(p.sku for p in twin.store.catalogue if p.sku != sku)
    oracle_run.events[i] = e.model_copy(
        update={"hypotheses": [Hypothesis(items=[(wrong, n)], p=1.0)]}
    )
    r = score(oracle_run, twin)
    assert r.item_id_accuracy is not None and r.item_id_accuracy < 1.0
    assert r.event_recall == 1.0 and r.attribution_accuracy == 1.0


def test_a_missing_session_is_an_empty_final_receipt(oracle_run: Run, twin: Twin) -> None:
    sid = next(s for s in twin.truth.scored if twin.truth.receipt(s))
    oracle_run.sessions = [s for s in oracle_run.sessions if s.id != sid]
    oracle_run.receipts = [r for r in oracle_run.receipts if r.session != sid]
    r = score(oracle_run, twin)
    assert r.missing_receipts == 1 and r.undercharged_count == 1
    assert r.review_rate == 0.0
    assert r.receipts_exact_auto == pytest.approx(1 - 1 / len(twin.truth.scored))


def test_attribution_is_null_without_any(oracle_run: Run, twin: Twin) -> None:
    oracle_run.events = [
        e.model_copy(update={"session": None, "attribution": []}) for e in oracle_run.events
    ]
    r = score(oracle_run, twin)
    assert r.attribution_accuracy is None
    assert all(row.attribution_accuracy is None for row in r.by_behaviour.actions)
    assert r.event_calibration_ece == 0  # p then claims the hypothesis only
    assert r.item_id_accuracy == 1.0
