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


def test_a_part_of_an_action_the_engine_split_in_two_is_labelled_with_its_share() -> None:
    """One take of three units seen as two events (200 g then 100 g): the part the
    matching gave no action to moved units too, by its weight, not nothing."""
    evs = [
        event("E1", 9.0, 10.2, {"G1.2.3": -200.0}, review=True),
        event("E2", 10.3, 11.0, {"G1.2.4": -100.0}, review=True),
    ]
    act = action("a1", 10.0, {"G1.2.3": 200.0, "G1.2.4": 100.0}, product="B", qty=3)
    labels = {}
    for share in (True, False):  # False: the matching alone
        o = OracleLabels(delay_s=60.0, share_splits=share)
        for e in evs:
            o.on_event(e)
        o.on_truth(act)
        labels[share] = {eid: moves for eid, moves, _ in o.due(1e9)}
        assert o.shared == int(share)
    assert labels[True] == {"E1": [("take", "B", 2)], "E2": [("take", "B", 1)]}
    assert labels[False] == {"E1": [("take", "B", 3)], "E2": []}


def test_a_phantom_event_far_from_any_action_is_still_nothing() -> None:
    o = OracleLabels(delay_s=60.0)
    o.on_event(event("E1", 9.0, 10.2, {"G1.2.3": -200.0}))
    o.on_event(event("E2", 30.0, 31.0, {"G1.2.3": -100.0}, review=True))  # 20 s later
    o.on_truth(action("a1", 10.0, {"G1.2.3": 200.0}, product="B", qty=2))
    assert o.due(1e9) == [("E2", [], 92.0)] and o.shared == 0
