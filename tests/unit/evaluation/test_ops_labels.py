"""The oracle reviewer labels flagged events in the form the server logs them."""

from __future__ import annotations

from walkout.evaluation.ops_labels import OracleLabels
from walkout.fusion.outputs import Hypothesis

from .test_matching import action, event


def test_labels_are_the_matched_units_per_product_of_the_events_own_op() -> None:
    o = OracleLabels(delay_s=60.0)
    o.on_event(event("E1", 9.0, 11.0, {"G1.2.3": -200.0}, review=True))
    o.on_truth(action("a1", 10.0, {"G1.2.3": 100.0}, product="B"))
    o.on_truth(action("a2", 10.2, {"G1.2.3": 100.0}, product="B"))
    assert o.due(50.0) == []  # not a minute yet
    assert o.due(80.0) == [("E1", [("take", "B", 2)], 72.0)]
    assert o.due(1e9) == [] and o.given == 1


def test_events_not_flagged_or_of_no_op_get_no_label_and_a_put_matched_to_a_take_is_nothing() -> (
    None
):
    o = OracleLabels(delay_s=60.0)
    o.on_event(event("E1", 9.0, 11.0, {"G1.2.3": -100.0}))  # decided alone
    none = [Hypothesis(items=[], p=0.9)]
    o.on_event(event("E2", 19.0, 21.0, {"G1.2.3": 1.0}, op="none", hypotheses=none, review=True))
    o.on_event(event("E3", 29.0, 31.0, {"G1.2.3": 100.0}, op="put", review=True))
    o.on_truth(action("a1", 10.0, {"G1.2.3": 100.0}))
    o.on_truth(action("a3", 30.0, {"G1.2.3": 100.0}))  # a take, matched to the put event
    assert o.due(1e9) == [("E3", [], 92.0)]
    assert o.other_op == 1
