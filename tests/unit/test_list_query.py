"""Parsing of list filters, sort and cursors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kith.core.errors import ValidationFailed
from kith.crm.query import Filter, Sort, build_list_query, decode_cursor, encode_cursor
from kith.crm.specs import SPECS

DEALS = SPECS["deal"]


def _query(*filters: str, sort: str | None = None) -> object:
    return build_list_query(
        DEALS,
        filters=list(filters),
        sort=sort,
        cursor=None,
        limit=50,
        q=None,
        custom_fields={"region": "enum"},
    )


def test_filters_are_coerced_to_the_column_type() -> None:
    query = _query("amount:gte:10000.50", "expected_close:lt:2026-12-31", "status:in:open,won")
    assert query.filters == (  # type: ignore[attr-defined]
        Filter("amount", "gte", Decimal("10000.50")),
        Filter("expected_close", "lt", date(2026, 12, 31)),
        Filter("status", "in", ["open", "won"]),
    )


def test_custom_fields_are_filterable_by_declared_name_only() -> None:
    query = _query("custom.region:eq:华东")
    assert query.filters[0].custom_type == "enum"  # type: ignore[attr-defined]
    with pytest.raises(ValidationFailed) as error:
        _query("custom.nope:eq:1")
    assert error.value.errors[0].path == ["query", "filter", 0]


@pytest.mark.parametrize(
    "bad", ["amount", "amount:between:1", "amount:gte:lots", "secret:eq:1", "closed_at:lt:soon"]
)
def test_bad_filters_name_their_position(bad: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        _query("status:eq:open", bad)
    assert error.value.errors[0].path == ["query", "filter", 1]


def test_sort_and_cursor_round_trip() -> None:
    query = _query(sort="-amount")
    assert query.sort == Sort("amount", True)  # type: ignore[attr-defined]
    cursor = encode_cursor(Decimal("12.50"), "abc")
    assert decode_cursor(DEALS, Sort("amount", True), cursor) == (Decimal("12.50"), "abc")
    with pytest.raises(ValidationFailed):
        decode_cursor(DEALS, Sort("amount", True), "garbage!")
    with pytest.raises(ValidationFailed):
        _query(sort="custom")


def test_limit_is_bounded() -> None:
    with pytest.raises(ValidationFailed):
        build_list_query(
            DEALS, filters=[], sort=None, cursor=None, limit=0, q=None, custom_fields={}
        )


def test_full_text_query_on_an_unindexed_object_is_refused_not_silently_empty() -> None:
    with pytest.raises(ValidationFailed) as error:
        build_list_query(
            SPECS["pipeline"],
            filters=[],
            sort=None,
            cursor=None,
            limit=10,
            q="华东",
            custom_fields={},
        )
    assert error.value.errors[0].path == ["query", "q"]
