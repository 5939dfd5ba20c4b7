"""Risk-rule conditions: a JSON-logic subset walked as data, never eval-ed."""

from __future__ import annotations

import pytest

from kith.gateway.conditions import ConditionError, evaluate

OVER_500_CNY = {
    "and": [
        {"==": [{"var": ["args.currency", "CNY"]}, "CNY"]},
        {">": [{"var": "args.value"}, 500]},
    ]
}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"value": "600.00", "currency": "CNY"}, True),
        ({"value": "600.00"}, True),  # currency defaults to CNY
        ({"value": 500}, False),
        ({"value": "800", "currency": "USD"}, False),
        ({}, False),  # a missing value never satisfies an order
    ],
)
def test_amounts_compare_as_decimals(args: dict[str, object], expected: bool) -> None:
    assert evaluate(OVER_500_CNY, {"args": args}) is expected


def test_boolean_facts_and_membership() -> None:
    first_contact = {"and": [{"var": "external_effect"}, {"var": "new_recipient"}]}
    assert evaluate(first_contact, {"external_effect": True, "new_recipient": True})
    assert not evaluate(first_contact, {"external_effect": True, "new_recipient": False})
    assert evaluate({"in": [{"var": "purpose"}, ["marketing", "sales"]]}, {"purpose": "sales"})
    assert evaluate({"!": {"var": "x"}}, {})


@pytest.mark.parametrize(
    "condition",
    [
        {"__import__": ["os"]},
        {">": [1]},
        {"==": [1, 1], "!=": [1, 2]},
        {"var": 3},
    ],
)
def test_anything_else_is_refused_not_run(condition: dict[str, object]) -> None:
    with pytest.raises(ConditionError):
        evaluate(condition, {})
