"""Taxes on a receipt by the store's rules, in integer minor units.

Rounding (the same everywhere, so a refund is the exact difference of two bills):

- a line is ``qty * unit_price``, exact;
- lines are grouped by tax rate and each group's tax is rounded **once**, half
  up (commercial rounding, as tax authorities ask), to the currency's minor
  unit: rounding per line would drift by up to half a cent a line;
- tax added at the till (US sales tax): ``tax = round(net * rate)``, total is
  net plus tax; tax included in shelf prices (VAT): ``tax = round(gross * rate
  / (1 + rate))``, the total is the shelf prices' sum and the tax a part of it;
- each line shows its share of its group's tax, split by largest remainder so
  the shares add up exactly to the group's tax;
- a refund of some units is ``bill(before) - bill(after)``, never a line's
  share, so refunds and the charge always add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from walkout.domain.store import Tax


@dataclass(frozen=True)
class TaxableLine:
    sku: str
    qty: int
    unit_price: int
    rate: Decimal  # the store's rate for the product's category, frozen on the bill

    @classmethod
    def of(cls, sku: str, qty: int, unit_price: int, category: str, tax: Tax) -> TaxableLine:
        return cls(sku, qty, unit_price, tax.rate(category))


@dataclass(frozen=True)
class BilledLine:
    sku: str
    qty: int
    unit_price: int
    amount: int  # qty * unit_price, as the shelf shows it
    rate: Decimal
    tax: int  # this line's share of its rate group's tax


@dataclass(frozen=True)
class RateTotal:
    rate: Decimal
    base: int  # net (tax added) or gross (tax included) of the group
    tax: int


@dataclass(frozen=True)
class Bill:
    lines: tuple[BilledLine, ...]
    rates: tuple[RateTotal, ...]
    subtotal: int  # sum of line amounts
    tax: int
    total: int  # what is charged
    included: bool


def _round(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def bill(lines: Sequence[TaxableLine], included: bool) -> Bill:
    """The bill of these lines: taxes per rate group, rounded once per group;
    ``included``: shelf prices contain the tax (the store's ``tax.included``)."""
    amounts = [ln.qty * ln.unit_price for ln in lines]
    rates = [ln.rate for ln in lines]
    groups: dict[Decimal, list[int]] = {}
    for i, r in enumerate(rates):
        groups.setdefault(r, []).append(i)
    shares = [0] * len(lines)
    totals: list[RateTotal] = []
    for r in sorted(groups):
        idx = groups[r]
        base = sum(amounts[i] for i in idx)
        exact = [
            Decimal(amounts[i]) * r / (1 + r) if included else Decimal(amounts[i]) * r for i in idx
        ]
        group_tax = _round(sum(exact, Decimal(0)))
        totals.append(RateTotal(rate=r, base=base, tax=group_tax))
        floors = [int(e.to_integral_value(rounding=ROUND_FLOOR)) for e in exact]
        left = group_tax - sum(floors)
        order = sorted(range(len(idx)), key=lambda k: (-(exact[k] - floors[k]), k))
        for k in range(len(idx)):
            shares[idx[k]] = floors[k]
        for k in order[: max(0, left)]:
            shares[idx[k]] += 1
    subtotal = sum(amounts)
    tax_sum = sum(t.tax for t in totals)
    return Bill(
        lines=tuple(
            BilledLine(ln.sku, ln.qty, ln.unit_price, amounts[i], rates[i], shares[i])
            for i, ln in enumerate(lines)
        ),
        rates=tuple(totals),
        subtotal=subtotal,
        tax=tax_sum,
        total=subtotal if included else subtotal + tax_sum,
        included=included,
    )


def without(lines: Sequence[TaxableLine], removed: dict[int, int]) -> list[TaxableLine]:
    """The lines less ``removed`` units (line index -> units), dropping emptied lines."""
    out = []
    for i, ln in enumerate(lines):
        q = ln.qty - removed.get(i, 0)
        if q < 0:
            raise ValueError(f"line {i} has {ln.qty} units; cannot remove {removed[i]}")
        if q:
            out.append(TaxableLine(ln.sku, q, ln.unit_price, ln.rate))
    return out
