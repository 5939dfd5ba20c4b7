"""Exchange rates for approval limits: a versioned table shipped as package data.

``fx_rates.json`` gives, for each currency, how many units of the base currency
one unit is worth on the table's ``as_of`` date. Risk rules compare amounts in
the base currency; a currency the table does not list has no value here, and the
risk policy sends such amounts to a person rather than guess.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any

RATES_FILE = "fx_rates.json"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class RateTable:
    base: str
    as_of: date
    version: str
    rates: Mapping[str, Decimal]

    def to_base(self, amount: Decimal, currency: str) -> Decimal | None:
        """``amount`` in the base currency, to the cent; None for an unlisted currency."""
        rate = self.rates.get(currency.upper())
        return None if rate is None else (amount * rate).quantize(CENT)


def parse_table(data: Mapping[str, Any]) -> RateTable:
    """A checked table: a base rate of exactly 1 and positive decimal rates."""
    base = str(data["base"]).upper()
    try:
        rates = {str(code).upper(): Decimal(str(rate)) for code, rate in data["rates"].items()}
    except InvalidOperation as exc:
        raise ValueError(f"{RATES_FILE}: a rate is not a decimal number") from exc
    if rates.get(base) != Decimal(1):
        raise ValueError(f"{RATES_FILE}: the base currency {base} must have rate 1")
    bad = sorted(code for code, rate in rates.items() if rate <= 0 or len(code) != 3)
    if bad:
        raise ValueError(f"{RATES_FILE}: invalid entries {bad}")
    return RateTable(base, date.fromisoformat(str(data["as_of"])), str(data["version"]), rates)


@lru_cache(maxsize=1)
def rate_table() -> RateTable:
    """The shipped table (read once per process)."""
    raw = resources.files("kith.gateway").joinpath(RATES_FILE).read_text(encoding="utf-8")
    return parse_table(json.loads(raw))
