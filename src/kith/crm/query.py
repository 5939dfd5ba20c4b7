"""Parsing list queries (filters, sort, cursor) from their text form.

Filters are ``field:op:value`` (``amount:gte:10000``, ``status:in:open,pending``,
``custom.segment:eq:vip``); sort is a field name, ``-`` for descending.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from kith.core.errors import FieldError, ValidationFailed
from kith.crm.specs import ObjectSpec

OPS = frozenset({"eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "isnull"})
MAX_LIMIT = 200


@dataclass(frozen=True)
class Filter:
    field: str
    op: str
    value: Any
    custom_type: str | None = None  # set for custom.* fields


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool


@dataclass(frozen=True)
class ListQuery:
    filters: tuple[Filter, ...] = ()
    sort: Sort = Sort("id", True)
    cursor: tuple[Any, str] | None = None
    limit: int = 50
    q: str | None = None


def _coerce(raw: str, py_type: type[Any]) -> Any:
    if py_type is bool:
        if raw.lower() in ("true", "1", "yes"):
            return True
        if raw.lower() in ("false", "0", "no"):
            return False
        raise ValueError("expected true or false")
    if py_type is int:
        return int(raw)
    if py_type is Decimal:
        try:
            return Decimal(raw)
        except InvalidOperation as exc:
            raise ValueError("expected a number") from exc
    if py_type is datetime:
        parsed = datetime.fromisoformat(raw)
        # A filter without a zone means UTC, the zone every timestamp is stored in.
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if py_type is date:
        return date.fromisoformat(raw)
    return raw


CUSTOM_PY_TYPES: dict[str, type[Any]] = {
    "text": str,
    "enum": str,
    "number": Decimal,
    "date": date,
    "bool": bool,
}


def parse_filter(spec: ObjectSpec, text: str, index: int, custom_fields: dict[str, str]) -> Filter:
    loc: list[str | int] = ["query", "filter", index]
    parts = text.split(":", 2)
    if len(parts) < 2:
        raise ValidationFailed(
            "Filters look like field:op:value", [FieldError(loc, "expected field:op:value")]
        )
    name, op = parts[0], parts[1]
    raw = parts[2] if len(parts) == 3 else ""
    if op not in OPS:
        raise ValidationFailed(
            f"Unknown filter operator {op!r}",
            [FieldError(loc, f"op must be one of {', '.join(sorted(OPS))}")],
        )
    custom_type: str | None = None
    if name.startswith("custom."):
        custom_type = custom_fields.get(name.removeprefix("custom."))
        if custom_type is None:
            raise ValidationFailed(
                f"No custom field {name!r} on {spec.name}", [FieldError(loc, "unknown field")]
            )
        py_type = CUSTOM_PY_TYPES[custom_type]
    elif name in spec.filterable:
        py_type = spec.python_type(name)
    else:
        raise ValidationFailed(
            f"{spec.name} cannot be filtered by {name!r}", [FieldError(loc, "unknown field")]
        )
    try:
        value: Any
        if op == "isnull":
            value = _coerce(raw or "true", bool)
        elif op == "in":
            value = [_coerce(v, py_type) for v in raw.split(",") if v != ""]
        elif op == "contains":
            value = raw
        else:
            value = _coerce(raw, py_type)
    except ValueError as exc:
        raise ValidationFailed(
            f"Bad value for filter {name!r}", [FieldError(loc, str(exc))]
        ) from exc
    return Filter(name, op, value, custom_type)


def parse_sort(spec: ObjectSpec, text: str | None) -> Sort:
    if not text:
        return Sort("id", True)
    name = text.removeprefix("-")
    if name not in spec.sortable:
        raise ValidationFailed(
            f"{spec.name} cannot be sorted by {name!r}",
            [FieldError(["query", "sort"], "unknown or unsortable field")],
        )
    return Sort(name, text.startswith("-"))


def encode_cursor(sort_value: Any, record_id: str) -> str:
    value = sort_value.isoformat() if isinstance(sort_value, date | datetime) else sort_value
    if isinstance(value, Decimal):
        value = str(value)
    raw = json.dumps([value, record_id], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(spec: ObjectSpec, sort: Sort, cursor: str) -> tuple[Any, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, record_id = json.loads(base64.urlsafe_b64decode(padded))
        if value is not None and sort.field != "id":
            value = _coerce(str(value), spec.python_type(sort.field))
        return value, str(record_id)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ValidationFailed(
            "Invalid cursor", [FieldError(["query", "cursor"], "not a cursor from this list")]
        ) from exc


def build_list_query(
    spec: ObjectSpec,
    *,
    filters: list[str],
    sort: str | None,
    cursor: str | None,
    limit: int,
    q: str | None,
    custom_fields: dict[str, str],
) -> ListQuery:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            "limit out of range",
            [FieldError(["query", "limit"], f"must be between 1 and {MAX_LIMIT}")],
        )
    parsed_sort = parse_sort(spec, sort)
    if q and q.strip() and not spec.search_fields:
        raise ValidationFailed(
            f"{spec.plural} are not full-text searchable",
            [FieldError(["query", "q"], "use filter=field:contains:text instead")],
        )
    return ListQuery(
        filters=tuple(parse_filter(spec, f, i, custom_fields) for i, f in enumerate(filters)),
        sort=parsed_sort,
        cursor=decode_cursor(spec, parsed_sort, cursor) if cursor else None,
        limit=limit,
        q=q.strip() if q and q.strip() else None,
    )
