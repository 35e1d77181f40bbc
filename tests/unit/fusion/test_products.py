"""Weight decomposition (fusion.products.rank): which units of which products
explain an event's grams, spread over its plates, given the live planogram.

The mini store's catalogue has look-alikes by weight: P001 150.2 g (G1.1.1-2),
P007 150.0 g (G1.3.1-2) and P008 152.0 g (G1.3.3-4); P002 355 g (G1.1.3-4) and
P003 361 g (G1.1.5-6). P004 is 435.2 g (G1.2.1-2), P005 472.8 g (G1.2.3-4).
"""

from __future__ import annotations

import pytest

from tests.fixtures.shared_plates import shared_plate_store
from walkout.domain.layout import Layout
from walkout.domain.store import Store
from walkout.fusion.config import EngineConfig
from walkout.fusion.planogram import LivePlanogram
from walkout.fusion.products import UNKNOWN, rank, units_logprior

Ranked = list[tuple[tuple[tuple[str, int], ...], float]]


def ranked(
    mass: dict[str, float],
    store: Store,
    plan: LivePlanogram,
    cfg: EngineConfig | None = None,
    candidates: set[str] | None = None,
    **kw: object,
) -> Ranked:
    """Rank an event whose plates moved by ``mass`` (grams, positive), as the engine
    does for a take: candidates are what stands on and beside those plates."""
    cfg = cfg or EngineConfig()
    cands = candidates if candidates is not None else plan.candidates(list(mass))
    return rank(sum(mass.values()), mass, cands, store.products, plan, cfg, **kw)  # type: ignore[arg-type]


def top(r: Ranked) -> dict[str, int]:
    return dict(r[0][0])


def test_probabilities_are_ranked_and_add_up_to_at_most_one(
    store: Store, plan: LivePlanogram
) -> None:
    r = ranked({"G1.2.1": 200.0, "G1.2.2": 235.2}, store, plan)
    ps = [p for _, p in r]
    assert ps == sorted(ps, reverse=True)
    assert 0.99 < sum(ps) <= 1.0 + 1e-9
    assert any(items == ((UNKNOWN, 1),) for items, _ in r)


def test_a_single_unit(store: Store, plan: LivePlanogram) -> None:
    r = ranked({"G1.2.1": 200.0, "G1.2.2": 235.2}, store, plan)
    assert top(r) == {"P004": 1} and r[0][1] > 0.99


@pytest.mark.parametrize(
    ("mass", "want"),
    [
        ({"G1.2.1": 430.0, "G1.2.2": 440.4}, {"P004": 2}),
        ({"G2.1.3": 100.0, "G2.1.4": 143.6}, {"P014": 3}),  # 3 x 81.2 g
        ({"G1.4.5": 611.8 * 2}, {"P012": 2}),
    ],
)
def test_several_units_of_one_product(
    mass: dict[str, float], want: dict[str, int], store: Store, plan: LivePlanogram
) -> None:
    r = ranked(mass, store, plan)
    assert top(r) == want and r[0][1] > 0.99


def test_two_products_in_one_event(store: Store, plan: LivePlanogram) -> None:
    """150.2 g of P001 off its plate and 355 g of P002 off its own, together: no
    single product's units make 505 g, so it is the two."""
    r = ranked({"G1.1.2": 150.2, "G1.1.3": 355.0}, store, plan)
    assert top(r) == {"P001": 1, "P002": 1}
    assert r[0][1] > 0.9


def test_two_neighbouring_products_in_one_event(store: Store, plan: LivePlanogram) -> None:
    r = ranked({"G1.2.2": 435.2, "G1.2.3": 472.8}, store, plan)
    assert top(r) == {"P004": 1, "P005": 1}


@pytest.mark.parametrize(
    ("plate", "grams", "want"),
    [
        ("G1.1.1", 150.5, "P001"),
        ("G1.3.1", 150.5, "P007"),
        ("G1.3.3", 150.5, "P008"),
        ("G1.1.3", 358.0, "P002"),
        ("G1.1.5", 358.0, "P003"),
        ("G1.1.4", 358.0, "P002"),  # next to P003's facing, still P002's plate
    ],
)
def test_confusable_products_are_told_apart_by_where_the_weight_moved(
    plate: str, grams: float, want: str, store: Store, plan: LivePlanogram
) -> None:
    r = ranked({plate: grams}, store, plan)
    assert top(r) == {want: 1} and r[0][1] > 0.99
    # weight alone cannot tell them apart
    weight_only = ranked(
        {plate: grams},
        store,
        plan,
        cfg=EngineConfig(use_layout=False),
        candidates=set(store.products),
    )
    assert weight_only[0][1] < 0.6
    assert want in {s for items, _ in weight_only[:3] for s, _ in items}


def test_recognition_tells_look_alikes_apart_when_the_place_cannot(
    store: Store, plan: LivePlanogram
) -> None:
    weight_only = EngineConfig(use_layout=False)
    r = ranked(
        {"G1.3.1": 150.5},
        store,
        plan,
        cfg=weight_only,
        candidates=set(store.products),
        recognition={"P008": 0.9, "P007": 0.05},
    )
    assert top(r) == {"P008": 1}


def test_weight_no_candidate_explains_is_something_else(store: Store, plan: LivePlanogram) -> None:
    r = ranked({"G1.2.1": 700.0}, store, plan)  # P004 is 435 g, two are 870 g
    # a fifth off is in the weight error's far tail: never near enough to charge
    assert top(r) == {UNKNOWN: 1} and all(p < 0.1 for items, p in r[1:])


def test_a_put_of_something_in_hand_may_land_on_a_foreign_shelf(
    store: Store, plan: LivePlanogram
) -> None:
    """435 g put on P012's plate: nothing that lives there weighs that, and a
    shopper holding nothing of that weight put down no product; one holding a
    P004 put that P004."""
    mass = {"G1.4.5": 435.2}
    cands = plan.candidates(list(mass)) | {"P004"}
    assert top(ranked(mass, store, plan, candidates=cands, held={})) == {UNKNOWN: 1}
    r = ranked(mass, store, plan, candidates=cands, held={"P004": 0.99})
    assert top(r) == {"P004": 1} and r[0][1] > 0.95


def test_one_unit_off_each_of_two_look_alikes_side_by_side_is_both(
    store: Store, plan: LivePlanogram
) -> None:
    """150 g left P007's edge plate and 152 g P008's, next to it: two of either would
    leave a whole unit's weight on a plate where that product does not stand."""
    r = ranked({"G1.3.2": 150.0, "G1.3.3": 152.0}, store, plan)
    assert top(r) == {"P007": 1, "P008": 1} and r[0][1] > 0.95


def test_a_unit_overhanging_the_next_plate_is_still_that_unit(
    store: Store, plan: LivePlanogram
) -> None:
    """P004 stands on G1.2.1-2; 4 % of it rests on G1.2.3 (P005's): still P004."""
    r = ranked({"G1.2.2": 418.0, "G1.2.3": 17.2}, store, plan)
    assert top(r) == {"P004": 1} and r[0][1] > 0.95


def test_a_put_measured_a_fifth_heavy_is_still_the_unit_in_hand(
    store: Store, plan: LivePlanogram
) -> None:
    """A shopper holding a P007 (150 g) puts it back; a hand still pressing as the
    plate settles reads 178 g. Weight errors have a heavy tail: still the P007."""
    mass = {"G1.3.1": 178.0}
    cands = plan.candidates(list(mass))
    r = ranked(mass, store, plan, candidates=cands, held={"P007": 0.99})
    assert top(r) == {"P007": 1} and r[0][1] > 0.95


def test_a_swap_explains_a_take_no_unit_fits_and_steals_nothing_from_one_that_fits(
    store: Store, plan: LivePlanogram
) -> None:
    """A P005 (472.8 g) taken while a held P001 (150.2 g) is set down: 322.6 g."""
    cands = plan.candidates(["G1.2.3", "G1.2.4"])
    swap = (True, cands, {"P001": 1.0})
    r = ranked({"G1.2.3": 150.0, "G1.2.4": 172.6}, store, plan, swap=swap)
    assert r[0][0] == (("P005", 1), ("P001", -1)) and r[0][1] > 0.9
    plain = ranked({"G1.2.3": 200.0, "G1.2.4": 272.8}, store, plan, swap=swap)
    assert top(plain) == {"P005": 1} and plain[0][1] > 0.99
    assert not any(q < 0 for items, _ in ranked({"G1.2.3": 322.6}, store, plan) for _, q in items)


# -- lanes: look-alikes that share plates (AIM3S's candy bars) ------------------------


@pytest.mark.parametrize(("plate", "want"), [("G1.3.2", "P007"), ("G1.3.3", "P008")])
def test_the_split_over_shared_plates_tells_look_alikes_apart(plate: str, want: str) -> None:
    """P007 (150 g, G1.3.1-3) and P008 (152 g, G1.3.2-4) both stand on G1.3.2 and
    G1.3.3, and 151 g favours neither; but only P007's lane nearest P008 stands on
    G1.3.2 alone, and only P008's nearest P007 on G1.3.3 alone."""
    store = shared_plate_store()
    plan = LivePlanogram(Layout.of(store))
    r = ranked({plate: 151.0}, store, plan)
    assert top(r) == {want: 1} and r[0][1] > 0.9
    # weight alone, or the plates without the lanes, cannot tell
    flat = ranked({plate: 151.0}, store, plan, EngineConfig(use_layout=False))
    assert max(p for h, p in flat if dict(h) in ({"P007": 1}, {"P008": 1})) < 0.7


def test_a_unit_put_back_crooked_is_still_its_product() -> None:
    """Halfway between two of P008's lanes fits none of them: the lanes only doubt
    it, and the weight still decides against a product on other plates."""
    store = shared_plate_store()
    plan = LivePlanogram(Layout.of(store))
    r = ranked({"G1.3.3": 76.0, "G1.3.4": 76.0}, store, plan)
    assert top(r) == {"P008": 1}


def test_a_misplaced_unit_is_not_judged_by_its_lanes(store: Store) -> None:
    """A unit put back on the wrong shelf stands wherever it was set down."""
    plan = LivePlanogram(Layout.of(store))
    assert plan.put("P004", 1, ["G1.4.1"])  # P004 (435.2 g) belongs on G1.2.1-2
    r = ranked({"G1.4.1": 300.0, "G1.4.2": 135.2}, store, plan)
    assert top(r) == {"P004": 1}


# -- staff restocking --------------------------------------------------------------------


@pytest.mark.parametrize("low", ["P007", "P008"])
def test_staff_set_down_what_runs_low(low: str) -> None:
    """Halfway between P007's and P008's lanes, 151 g: the weight and the plates
    cannot tell; from staff restocking, the product whose shelves run low is likelier."""
    store = shared_plate_store()
    plan = LivePlanogram(Layout.of(store))
    plan.took(low, 6, [])
    mass = {"G1.3.2": 75.5, "G1.3.3": 75.5}
    r = ranked(mass, store, plan, candidates={"P007", "P008"}, restock=True)
    assert top(r) == {low: 1} and r[0][1] > 0.65
    shopper = ranked(mass, store, plan, candidates={"P007", "P008"})
    assert max(p for h, p in shopper if dict(h) == {low: 1}) < 0.55


def test_staff_set_down_a_few_units_at_a_time(cfg: EngineConfig) -> None:
    assert units_logprior(3, cfg, restock=True) == 0.0
    assert units_logprior(3, cfg) < units_logprior(2, cfg) < 0.0
    assert units_logprior(5, cfg, restock=True) == units_logprior(5, cfg)


def test_lanes_can_be_turned_off_for_shelves_without_them() -> None:
    store = shared_plate_store()
    plan = LivePlanogram(Layout.of(store))
    r = ranked({"G1.3.2": 151.0}, store, plan, EngineConfig(use_lanes=False))
    assert max(p for _, p in r) < 0.7


# -- the units a shopper holds, as their plates weighed them ---------------------------------


def test_a_put_back_is_the_held_unit_its_plate_weighed(store: Store, plan: LivePlanogram) -> None:
    """P002 (355 g) and P003 (361 g) are look-alikes, 1 % spread each. The shopper
    holds one of each: the P002 weighed 358.2 g coming off G1.1.3, the P003 357.9 g
    off G1.1.5. 358.1 g set back on G1.1.3 reads what the P002 read there (the same
    unit on the same scale); by the products' weights alone it could as well be the
    P003 (on another scale the P003's own reading is no better than its spread)."""
    held = {"P002": 1.0, "P003": 1.0}
    units = {
        "P002": [(358.2, frozenset({"G1.1.3"}))],
        "P003": [(357.9, frozenset({"G1.1.5"}))],
    }
    mass = {"G1.1.3": 358.1}
    cands = {"P002", "P003"}
    r = ranked(mass, store, plan, candidates=cands, held=held, units=units)
    assert top(r) == {"P002": 1} and r[0][1] > 0.96
    plain = ranked(mass, store, plan, candidates=cands, held=held)
    assert max(p for h, p in plain if dict(h) == {"P002": 1}) < r[0][1] - 0.01
    # set down on the P003's own plate, weighing what the P003 did: the P003
    r = ranked({"G1.1.5": 357.8}, store, plan, candidates=cands, held=held, units=units)
    assert top(r) == {"P003": 1}


def test_a_cart_forgets_the_unit_set_back() -> None:
    from walkout.fusion.carts import Cart

    cart = Cart(session="S1")
    cart.took_unit("P002", 358.2, frozenset({"G1.1.3"}))
    cart.took_unit("P002", 352.0, frozenset({"G1.1.4"}))
    cart.put_unit("P002", 352.3)
    assert cart.units["P002"] == [(358.2, frozenset({"G1.1.3"}))]
