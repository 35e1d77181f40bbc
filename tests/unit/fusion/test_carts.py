"""Carts (fusion.carts): what a session holds, line by line, how sure we are,
and why a put-back undoes its take."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fixtures.mini_store import mini_store
from walkout.domain.store import Store
from walkout.fusion.carts import Cart, Contribution, Doubt

SKUS = ["P001", "P004", "P007", "P014"]


def take(
    event: str, sku: str, qty: int = 1, p: float = 0.999, review: bool = False
) -> Contribution:
    return Contribution(event=event, sku=sku, qty=qty, p=p, review=review)


def test_a_lines_probability_is_the_product_of_its_events_and_doubts(store: Store) -> None:
    cart = Cart("S1", items=[take("E1", "P004", p=0.99), take("E2", "P004", p=0.98)])
    cart.doubts.append(Doubt(event="E9", sku="P004", qty=1, p_here=0.01))
    (ln,), review = cart.lines(store.products, 0.95)
    assert (ln.sku, ln.qty, ln.unit_price) == ("P004", 2, store.products["P004"].price)
    assert ln.p == round(0.99 * 0.98 * 0.99, 6) and ln.events == ["E1", "E2"]
    assert not ln.review and review == []


def test_a_doubt_about_someone_elses_take_makes_an_empty_line_doubtful(store: Store) -> None:
    """Another session was charged E9, but it may have been this one: no line, yet
    the receipt cannot be final until someone looks at E9."""
    cart = Cart("S1", doubts=[Doubt(event="E9", sku="P004", qty=1, p_here=0.4)])
    lines, review = cart.lines(store.products, 0.95)
    assert lines == [] and review == ["E9"]


def test_an_event_flagged_for_review_flags_its_line(store: Store) -> None:
    cart = Cart("S1", items=[take("E1", "P004", p=0.999, review=True), take("E2", "P001")])
    lines, review = cart.lines(store.products, 0.95)
    assert {ln.sku: ln.review for ln in lines} == {"P001": False, "P004": True}
    assert review == ["E1"]


def test_a_put_back_removes_the_line(store: Store) -> None:
    cart = Cart("S1", items=[take("E1", "P004", 2), take("E2", "P001")])
    cart.items.append(take("E3", "P004", -2))
    assert cart.held() == {"P001": 1}
    lines, _ = cart.lines(store.products, 0.95)
    assert [ln.sku for ln in lines] == ["P001"]


PRODUCTS = mini_store().products


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str, int, float]]:
    """Takes, and put-backs of no more than is held, in some order."""
    out: list[tuple[str, int, float]] = []
    held: dict[str, int] = {}
    for _ in range(draw(st.integers(0, 10))):
        sku = draw(st.sampled_from(SKUS))
        p = draw(st.floats(0.96, 1.0))
        if held.get(sku, 0) and draw(st.booleans()):
            q = draw(st.integers(1, held[sku]))
            out.append((sku, -q, p))
            held[sku] -= q
        else:
            q = draw(st.integers(1, 3))
            out.append((sku, q, p))
            held[sku] = held.get(sku, 0) + q
    return out


@settings(max_examples=60, deadline=None)
@given(
    before=histories(),
    sku=st.sampled_from(SKUS),
    qty=st.integers(1, 4),
    p_take=st.floats(0.96, 1.0),
    p_put=st.floats(0.96, 1.0),
)
def test_a_put_back_of_the_same_units_undoes_their_take(
    before: list[tuple[str, int, float]],
    sku: str,
    qty: int,
    p_take: float,
    p_put: float,
) -> None:
    cart = Cart("S1", items=[take(f"E{i}", s, q, p) for i, (s, q, p) in enumerate(before)])
    held = cart.held()
    lines_before = {ln.sku: ln.qty for ln in cart.lines(PRODUCTS, 0.5)[0]}
    cart.items.append(take("T", sku, qty, p_take))
    assert cart.held().get(sku, 0) == held.get(sku, 0) + qty
    cart.items.append(take("P", sku, -qty, p_put))
    assert cart.held() == held
    assert {ln.sku: ln.qty for ln in cart.lines(PRODUCTS, 0.5)[0]} == lines_before
