"""Custom field values are checked against their declared type."""

from __future__ import annotations

import pytest

from kith.core.errors import ValidationFailed
from kith.crm.custom_fields import validate
from kith.crm.models import FieldDefinition

DEFS = {
    "segment": FieldDefinition(name="segment", type="enum", options=["vip", "std"], required=True),
    "nps": FieldDefinition(name="nps", type="number", options=[], required=False),
    "since": FieldDefinition(name="since", type="date", options=[], required=False),
    "vip": FieldDefinition(name="vip", type="bool", options=[], required=False),
    "note": FieldDefinition(name="note", type="text", options=[], required=False),
}


def test_valid_values_are_stored_in_canonical_form() -> None:
    values = {"segment": "vip", "nps": 9.5, "since": "2025-01-02", "vip": True, "note": "好"}
    assert validate(DEFS, values, creating=True) == values


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("segment", "gold"),
        ("nps", "nine"),
        ("nps", True),
        ("since", "02/01/2025"),
        ("vip", "yes"),
        ("note", 5),
        ("unknown", 1),
    ],
)
def test_invalid_values_are_reported_with_their_path(name: str, value: object) -> None:
    with pytest.raises(ValidationFailed) as error:
        validate(DEFS, {"segment": "vip", name: value}, creating=True)
    assert error.value.errors[0].path == ["body", "custom", name]


def test_required_fields_on_create_only() -> None:
    with pytest.raises(ValidationFailed):
        validate(DEFS, {"nps": 1}, creating=True)
    assert validate(DEFS, {"nps": 1}, creating=False) == {"nps": 1}
