"""The review console's arithmetic: choices ranked with the engine's pick first,
the receipt a pick gives, and agreement counted per reviewer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from walkout.web.review_data import Choice, choices, line_counts, lines_after

EV = {
    "op": "take",
    "session": "S2",
    "p": 0.7,
    "hypotheses": [{"items": [["A", 1]], "p": 0.8}, {"items": [["B", 1]], "p": 0.2}],
    "attribution": [{"session": "S2", "p": 0.7}, {"session": "S1", "p": 0.3}],
}


def test_the_engines_pick_comes_first_then_the_rest_by_odds() -> None:
    cs = choices(EV)
    assert (cs[0].items, cs[0].session, cs[0].p) == ((("A", 1),), "S2", 0.7)
    ps = [c.p for c in cs[1:]]
    assert ps == sorted(ps, reverse=True)
    assert {(c.items, c.session) for c in cs} == {
        ((("A", 1),), "S2"),
        ((("A", 1),), "S1"),
        ((("B", 1),), "S2"),
        ((("B", 1),), "S1"),
    }
    assert abs(cs[1].p - 0.8 * 0.3) < 1e-9


def test_a_pick_replaces_the_engines_contribution_on_this_receipt() -> None:
    current = {"A": 2, "C": 1}  # the engine put one A from this event on S2's receipt
    ev = {"E1": EV}
    keep = lines_after("S2", current, ev, {"E1": Choice((("A", 1),), "S2", 0.7)})
    assert keep == {"A": 2, "C": 1}
    other_product = lines_after("S2", current, ev, {"E1": Choice((("B", 1),), "S2", 0.1)})
    assert other_product == {"A": 1, "B": 1, "C": 1}
    someone_else = lines_after("S2", current, ev, {"E1": Choice((("A", 1),), "S1", 0.2)})
    assert someone_else == {"A": 1, "C": 1}
    # an event the engine gave to S1, settled as S2's, lands on S2's receipt
    theirs = {"E1": dict(EV, session="S1")}
    assert lines_after("S2", {"C": 1}, theirs, {"E1": Choice((("A", 2),), "S2", 0.1)}) == {
        "A": 2,
        "C": 1,
    }


def test_a_put_back_counts_the_other_way_and_unknown_products_never_bill() -> None:
    put = {"E1": dict(EV, op="put")}
    assert lines_after("S2", {"A": 1}, put, {"E1": Choice((("A", 1),), "S2", 0.7)}) == {"A": 1}
    assert lines_after("S2", {"A": 1}, put, {"E1": Choice((("A", 1),), "S1", 0.3)}) == {"A": 2}
    assert lines_after("S2", {}, {"E1": EV}, {"E1": Choice((("?", 1),), "S2", 0.1)}) == {}


@given(st.dictionaries(st.sampled_from("ABCD"), st.integers(1, 5)))
def test_accepting_the_engines_pick_keeps_the_receipt(current: dict[str, int]) -> None:
    current = {**current, "A": current.get("A", 0) + 1}
    pick = choices(EV)[0]
    assert lines_after("S2", current, {"E1": EV}, {"E1": pick}) == dict(sorted(current.items()))


def test_line_counts_adds_up_repeated_skus() -> None:
    assert line_counts(
        [{"sku": "A", "qty": 1}, {"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}]
    ) == {
        "A": 3,
        "B": 1,
    }
