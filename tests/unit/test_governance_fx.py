"""The exchange-rate table behind money limits: shipped, dated, checked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kith.gateway.fx import parse_table, rate_table
from kith.gateway.risk import describe_amount


def test_the_shipped_table_is_dated_and_converts_to_cny() -> None:
    table = rate_table()
    assert (table.base, table.as_of) == ("CNY", date(2025, 6, 30))
    assert table.version
    assert table.to_base(Decimal("500"), "CNY") == Decimal("500.00")
    assert table.to_base(Decimal("600"), "USD") == Decimal("4299.36")
    assert table.to_base(Decimal("99999"), "EUR") == Decimal("840231.60")
    assert table.to_base(Decimal("600"), "cnh") == Decimal("600.18")
    assert table.to_base(Decimal("1"), "XAU") is None  # unknown: no guess


@pytest.mark.parametrize(
    "rates",
    [
        {"CNY": "1.01", "USD": "7.1"},  # the base must be worth exactly 1
        {"CNY": "1", "USD": "-7"},
        {"CNY": "1", "USD": "abc"},
        {"CNY": "1", "DOLLAR": "7"},
    ],
)
def test_a_malformed_table_is_refused(rates: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"fx_rates\.json"):
        parse_table({"base": "CNY", "as_of": "2025-06-30", "version": "x", "rates": rates})


def test_the_reason_names_the_conversion_the_total_and_the_rates_date() -> None:
    amount = {
        "value": Decimal("80"),
        "currency": "USD",
        "base_currency": "CNY",
        "rates_as_of": "2025-06-30",
        "in_base": Decimal("573.25"),
        "contact_total_30d": Decimal("773.25"),
    }
    assert describe_amount(amount) == (
        "80 USD = 573.25 CNY; 773.25 CNY to this contact in 30 days with this one "
        "(rates of 2025-06-30)"
    )
    unknown = {**amount, "currency": "XAU", "in_base": None}
    assert describe_amount(unknown) == "no exchange rate for XAU (rates of 2025-06-30)"
    assert describe_amount(None) is None
