from __future__ import annotations

from decimal import Decimal

import pytest

from walkout.domain.catalogue import gtin_check_digit_ok
from walkout.domain.money import format_money, from_decimal, to_decimal
from walkout.domain.rfid import gtin_from_sgtin, sgtin_urn


def test_money_is_formatted_for_the_locale() -> None:
    assert format_money(1999, "USD", "en_US") == "$19.99"
    assert format_money(1999, "EUR", "de_DE") == "19,99\xa0€"
    assert format_money(500, "JPY", "ja_JP") == "￥500"


def test_minor_units_round_trip() -> None:
    assert to_decimal(1999, "USD") == Decimal("19.99")
    assert from_decimal("19.995", "USD") == 2000
    assert from_decimal("19.985", "USD") == 1998  # half to even
    assert from_decimal("500", "JPY") == 500


def test_gtin_check_digits() -> None:
    assert gtin_check_digit_ok("4006381333931")
    assert gtin_check_digit_ok("071142008582")  # the AiFi water bottle's UPC
    assert not gtin_check_digit_ok("4006381333932")
    assert not gtin_check_digit_ok("12ab")


@pytest.mark.parametrize("gtin", ["4006381333931", "071142008582", "96385074"])
def test_sgtin_round_trip(gtin: str) -> None:
    urn = sgtin_urn(gtin, 1234)
    g14, serial = gtin_from_sgtin(urn)
    assert g14 == gtin.zfill(14)
    assert serial == "1234"


def test_sgtin_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        gtin_from_sgtin("urn:epc:id:sgtin:12.34")
    with pytest.raises(ValueError):
        sgtin_urn("123", 1)
