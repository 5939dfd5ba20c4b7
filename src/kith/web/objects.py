"""How each CRM object is presented in the web UI, derived from the object specs.

The specs (``kith.crm.specs``) say what an object *is*; this module adds only
what the UI needs on top: list columns, quick filters, form field order,
related lists, and the display kind of every field. The browser receives the
result as JSON in the page (``ui_objects``), so the JavaScript never hard-codes
object knowledge.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, Literal, get_args, get_origin

from kith.crm.specs import META_FIELDS, SPECS, ObjectSpec
from kith.intelligence.endpoints import SCORED_OBJECTS

# Objects in the left navigation, in order. Pipelines are reachable from deals.
NAV: tuple[str, ...] = (
    "account",
    "contact",
    "lead",
    "deal",
    "ticket",
    "activity",
    "interaction",
    "product",
    "order",
)

# Fields holding a user id, a team id, or an actor kind.
USER_FIELDS = frozenset({"owner_id", "assignee_id", "created_by_id", "updated_by_id"})
TEAM_FIELDS = frozenset({"team_id"})
ACTOR_KIND_FIELDS = frozenset({"created_by_kind", "updated_by_kind"})
# References the specs do not declare (server-set links).
EXTRA_REFERENCES: dict[str, dict[str, str]] = {
    "lead": {
        "converted_account_id": "account",
        "converted_contact_id": "contact",
        "converted_deal_id": "deal",
    },
    "deal": {"stage_id": "stage"},
}
# Money amounts and the field naming their currency (None: CNY).
MONEY_FIELDS: dict[str, dict[str, str | None]] = {
    "account": {"annual_revenue": None},
    "deal": {"amount": "currency"},
    "product": {"price": "currency"},
    "order": {"total": "currency"},
}
LONG_TEXT = frozenset({"description", "body", "text", "address"})
PERCENT_FIELDS = frozenset({"probability"})
# Server-only status values that are not part of an input schema.
EXTRA_ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("deal", "status"): ("open", "won", "lost"),
    ("lead", "status"): ("new", "working", "qualified", "disqualified", "converted"),
}

Kind = Literal[
    "text",
    "longtext",
    "email",
    "phone",
    "url",
    "int",
    "decimal",
    "money",
    "percent",
    "date",
    "datetime",
    "bool",
    "enum",
    "ref",
    "user",
    "team",
    "actor_kind",
    "json",
    "id",
]


@dataclass(frozen=True)
class Related:
    """A related list on a record page: records of ``object`` whose ``field`` is this id."""

    object: str
    field: str


@dataclass(frozen=True)
class ObjectView:
    name: str
    columns: tuple[str, ...]
    quick_filters: tuple[str, ...] = ()
    form_fields: tuple[str, ...] = ()
    related: tuple[Related, ...] = ()
    default_sort: str | None = None
    form_defaults: dict[str, str] = field(default_factory=dict)


VIEWS: dict[str, ObjectView] = {
    view.name: view
    for view in (
        ObjectView(
            "account",
            columns=("name", "industry", "tier", "city", "phone", "owner_id", "updated_at"),
            quick_filters=("tier",),
            form_fields=("name", "short_name", "industry", "tier", "phone", "email", "city"),
            related=(
                Related("contact", "account_id"),
                Related("deal", "account_id"),
                Related("ticket", "account_id"),
                Related("activity", "account_id"),
                Related("order", "account_id"),
            ),
        ),
        ObjectView(
            "contact",
            columns=("name", "title", "account_id", "mobile", "email", "owner_id", "updated_at"),
            quick_filters=("language",),
            form_fields=("name", "account_id", "title", "mobile", "phone", "email", "wechat_id"),
            related=(
                Related("deal", "contact_id"),
                Related("ticket", "contact_id"),
                Related("activity", "contact_id"),
                Related("interaction", "contact_id"),
                Related("order", "contact_id"),
            ),
        ),
        ObjectView(
            "lead",
            columns=("name", "company", "status", "source", "phone", "owner_id", "created_at"),
            quick_filters=("status",),
            form_fields=("name", "company", "title", "phone", "email", "source", "status"),
            related=(Related("activity", "lead_id"),),
        ),
        ObjectView(
            "pipeline",
            columns=("name", "is_default", "created_at"),
            form_fields=("name", "is_default"),
            related=(Related("deal", "pipeline_id"),),
        ),
        ObjectView(
            "deal",
            columns=(
                "name",
                "account_id",
                "amount",
                "stage_id",
                "status",
                "expected_close",
                "owner_id",
            ),
            quick_filters=("status",),
            form_fields=(
                "name",
                "account_id",
                "contact_id",
                "amount",
                "currency",
                "pipeline_id",
                "stage_id",
                "expected_close",
            ),
            related=(Related("activity", "deal_id"), Related("interaction", "deal_id")),
            default_sort="-updated_at",
        ),
        ObjectView(
            "ticket",
            columns=(
                "number",
                "subject",
                "status",
                "priority",
                "account_id",
                "resolution_due_at",
                "assignee_id",
            ),
            quick_filters=("status", "priority"),
            form_fields=(
                "subject",
                "account_id",
                "contact_id",
                "priority",
                "severity",
                "channel",
                "assignee_id",
                "description",
            ),
            related=(Related("activity", "ticket_id"), Related("interaction", "ticket_id")),
        ),
        ObjectView(
            "activity",
            columns=("subject", "kind", "status", "due_at", "assignee_id", "account_id"),
            quick_filters=("kind", "status"),
            form_fields=(
                "kind",
                "subject",
                "due_at",
                "assignee_id",
                "account_id",
                "contact_id",
                "deal_id",
                "body",
            ),
            form_defaults={"kind": "task", "assignee_id": "@me"},
        ),
        ObjectView(
            "interaction",
            columns=("occurred_at", "channel", "direction", "subject", "contact_id", "account_id"),
            quick_filters=("channel", "direction"),
            form_fields=(
                "channel",
                "direction",
                "occurred_at",
                "contact_id",
                "account_id",
                "subject",
                "text",
            ),
            default_sort="-occurred_at",
        ),
        ObjectView(
            "product",
            columns=("sku", "name", "category", "price", "active"),
            quick_filters=("active",),
            form_fields=("sku", "name", "category", "price", "currency", "active"),
            related=(Related("ticket", "product_id"),),
        ),
        ObjectView(
            "order",
            columns=("number", "account_id", "contact_id", "status", "total", "ordered_at"),
            quick_filters=("status",),
            form_fields=("number", "account_id", "contact_id", "status", "ordered_at", "currency"),
            related=(Related("ticket", "order_id"),),
            default_sort="-ordered_at",
        ),
    )
}


def _strip_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def enum_values(spec: ObjectSpec, name: str) -> tuple[str, ...]:
    """The allowed values of a field whose input type is a ``Literal``, else ()."""
    if (spec.name, name) in EXTRA_ENUMS:
        return EXTRA_ENUMS[(spec.name, name)]
    declared = spec.input_schema.model_fields.get(name)
    if declared is None:
        return ()
    annotation = _strip_optional(declared.annotation)
    if get_origin(annotation) is Literal:
        return tuple(str(v) for v in get_args(annotation))
    return ()


def python_type(spec: ObjectSpec, name: str) -> type[Any]:
    """The column's Python type, looking through type decorators (e.g. UTC datetimes)."""
    column_type = spec.columns[name].columns[0].type
    for candidate in (column_type, getattr(column_type, "impl", None)):
        try:
            return candidate.python_type  # type: ignore[no-any-return, union-attr]
        except (NotImplementedError, AttributeError):
            continue
    return str


def references(spec: ObjectSpec) -> dict[str, str]:
    return {**spec.references, **EXTRA_REFERENCES.get(spec.name, {})}


def field_kind(spec: ObjectSpec, name: str) -> Kind:
    """How the UI displays (and edits) one field of an object."""
    if name == "id":
        return "id"
    if name in USER_FIELDS:
        return "user"
    if name in TEAM_FIELDS:
        return "team"
    if name in ACTOR_KIND_FIELDS:
        return "actor_kind"
    if name in references(spec):
        return "ref"
    if name in MONEY_FIELDS.get(spec.name, {}):
        return "money"
    if enum_values(spec, name):
        return "enum"
    py = python_type(spec, name)
    if py is dict or name == "custom":
        return "json"
    if py is bool:
        return "bool"
    if py is int:
        return "percent" if name in PERCENT_FIELDS else "int"
    if py is Decimal:
        return "decimal"
    if py is datetime:
        return "datetime"
    if py is date:
        return "date"
    if name == "email":
        return "email"
    if name in ("phone", "mobile"):
        return "phone"
    if name == "website":
        return "url"
    if name in LONG_TEXT:
        return "longtext"
    return "text"


def _field_info(spec: ObjectSpec, name: str) -> dict[str, Any]:
    info: dict[str, Any] = {"kind": field_kind(spec, name)}
    target = references(spec).get(name)
    if target:
        info["target"] = target
    options = enum_values(spec, name)
    if options:
        info["options"] = list(options)
    if name in MONEY_FIELDS.get(spec.name, {}):
        info["currency_field"] = MONEY_FIELDS[spec.name][name]
    if name in spec.sortable and info["kind"] not in ("ref", "user", "team", "json"):
        info["sortable"] = True
    return info


def _quick_filter(spec: ObjectSpec, name: str) -> dict[str, Any]:
    options = (
        ["true", "false"] if python_type(spec, name) is bool else list(enum_values(spec, name))
    )
    return {"field": name, "options": options}


@cache
def ui_objects(locale: str) -> dict[str, dict[str, Any]]:
    """Everything the browser needs to know about each object, labelled for ``locale``."""
    out: dict[str, dict[str, Any]] = {}
    for name, spec in SPECS.items():
        view = VIEWS[name]
        out[name] = {
            "name": name,
            "plural": spec.plural,
            "label": spec.label_zh if locale == "zh-CN" else spec.label_en,
            "title_field": spec.title_field,
            "searchable": bool(spec.search_fields),
            "fields": {f: _field_info(spec, f) for f in spec.columns},
            "meta_fields": sorted(META_FIELDS),
            "server_fields": sorted(spec.server_fields),
            "columns": list(view.columns),
            "quick_filters": [_quick_filter(spec, f) for f in view.quick_filters],
            "form_fields": list(view.form_fields),
            "form_defaults": dict(view.form_defaults),
            "related": [{"object": r.object, "field": r.field} for r in view.related],
            "default_sort": view.default_sort,
            # GET /{plural}/{id}/scores exists only for these: the page asks for nothing else
            "scored": spec.plural in SCORED_OBJECTS,
        }
    return out
