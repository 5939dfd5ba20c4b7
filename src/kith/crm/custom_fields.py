"""Validation of custom-field values against the field registry."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from kith.core.errors import FieldError, ValidationFailed
from kith.crm.models import FieldDefinition

MAX_TEXT = 2000


def _check(definition: FieldDefinition, value: Any) -> tuple[Any, str | None]:
    """The stored form of ``value``, or an error message."""
    kind = definition.type
    if kind == "text":
        if not isinstance(value, str):
            return None, "expected text"
        return (value, None) if len(value) <= MAX_TEXT else (None, f"longer than {MAX_TEXT}")
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, "expected a number"
        return value, None
    if kind == "bool":
        return (value, None) if isinstance(value, bool) else (None, "expected true or false")
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).isoformat(), None
        except ValueError:
            return None, "expected a date (YYYY-MM-DD)"
    if kind == "enum":
        if value not in definition.options:
            return None, f"expected one of: {', '.join(map(str, definition.options))}"
        return value, None
    return None, f"unsupported field type {kind}"


def validate(
    definitions: Mapping[str, FieldDefinition], values: Mapping[str, Any], *, creating: bool
) -> dict[str, Any]:
    """Return the cleaned values; ``None`` removes a value. Raises with every bad field."""
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for name, value in values.items():
        definition = definitions.get(name)
        if definition is None:
            errors.append(FieldError(["body", "custom", name], "no such custom field"))
            continue
        if value is None:
            continue
        stored, problem = _check(definition, value)
        if problem:
            errors.append(FieldError(["body", "custom", name], problem))
        else:
            clean[name] = stored
    for name, definition in definitions.items():
        if definition.required and name not in clean and (creating or name in values):
            errors.append(FieldError(["body", "custom", name], "required", "missing"))
    if errors:
        raise ValidationFailed("Invalid custom field values", errors)
    return clean
