"""Money in integer minor units, formatted for the store's locale.

Amounts never touch floats: a price is an ``int`` of the currency's minor
unit (cents for USD, none for JPY), and only formatting turns it into text.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import format_currency, get_currency_precision


def minor_digits(currency: str) -> int:
    return int(get_currency_precision(currency))


def to_decimal(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-minor_digits(currency))


def from_decimal(amount: Decimal | str, currency: str) -> int:
    """Major units (``Decimal('1.99')``) to minor units, rounding half to even."""
    q = (
        Decimal(amount)
        .scaleb(minor_digits(currency))
        .quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    )
    return int(q)


def format_money(minor: int, currency: str, locale: str) -> str:
    """``format_money(1999, 'EUR', 'de_DE') == '19,99\xa0€'``."""
    return format_currency(to_decimal(minor, currency), currency, locale=locale)
