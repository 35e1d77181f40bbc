"""Taxes by the store's rules in minor units: per-rate rounding, VAT included or
added, line shares that add up, and refunds as the exact difference of two bills."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from walkout.domain.store import Tax
from walkout.domain.tax import TaxableLine, bill, without

US = Tax(default=Decimal("0.0725"), categories={"snacks": Decimal(0)})
DE = Tax(default=Decimal("0.19"), categories={"food": Decimal("0.07")}, included=True)


def _l(sku: str, qty: int, price: int, cat: str, tax: Tax) -> TaxableLine:
    return TaxableLine.of(sku, qty, price, cat, tax)


def test_sales_tax_is_added_and_rounded_once_per_rate() -> None:
    # three 0.99 items at 7.25 %: per line 0.0718 -> 0.07 each (0.21); once: 0.215325 -> 0.22
    b = bill(
        [_l(f"A{i}", 1, 99, "general", US) for i in range(3)] + [_l("C", 2, 150, "snacks", US)],
        US.included,
    )
    assert b.subtotal == 3 * 99 + 300
    assert [(r.rate, r.base, r.tax) for r in b.rates] == [
        (Decimal(0), 300, 0),
        (Decimal("0.0725"), 297, 22),
    ]
    assert b.tax == 22 and b.total == 297 + 300 + 22
    assert sum(ln.tax for ln in b.lines) == b.tax  # the shares add up exactly


def test_vat_included_is_a_part_of_the_shelf_price() -> None:
    b = bill([_l("W", 1, 1190, "general", DE), _l("B", 3, 107, "food", DE)], DE.included)
    assert b.total == b.subtotal == 1190 + 321
    assert {str(r.rate): r.tax for r in b.rates} == {"0.19": 190, "0.07": 21}  # 321*7/107 = 21


def test_half_a_cent_rounds_up() -> None:
    # 10 cents at 5 %: 0.5 cent -> 1 cent (commercial rounding, not banker's)
    b = bill([_l("X", 1, 10, "general", Tax(default=Decimal("0.05")))], False)
    assert b.tax == 1


def test_removing_units_gives_the_difference() -> None:
    lines = [_l("A", 3, 99, "general", US), _l("C", 1, 150, "snacks", US)]
    after = without(lines, {0: 1})
    assert [ln.qty for ln in after] == [2, 1]
    # tax 297 * 0.0725 = 21.53 -> 22 before, 198 * 0.0725 = 14.36 -> 14 after
    assert bill(lines, False).total - bill(after, False).total == 99 + 22 - 14
    assert [ln.sku for ln in without(lines, {1: 1})] == ["A"]


@given(
    st.lists(
        st.tuples(
            st.integers(1, 5), st.integers(0, 5000), st.sampled_from(["general", "snacks", "food"])
        ),
        min_size=1,
        max_size=8,
    ),
    st.booleans(),
)
def test_refunding_every_unit_one_by_one_returns_exactly_the_charge(
    rows: list[tuple[int, int, str]], vat: bool
) -> None:
    tax = DE if vat else US
    lines = [_l(f"P{i}", q, p, c, tax) for i, (q, p, c) in enumerate(rows)]
    total = bill(lines, tax.included).total
    removed: dict[int, int] = {}
    back = 0
    prev = total
    for i, (q, _, _) in enumerate(rows):
        for _ in range(q):
            removed[i] = removed.get(i, 0) + 1
            now = bill(without(lines, removed), tax.included).total
            assert now <= prev  # a refund is never negative
            back += prev - now
            prev = now
    assert back == total and prev == 0
    b = bill(lines, tax.included)
    assert sum(ln.tax for ln in b.lines) == b.tax
