"""What a subscription receives: which events match it, and the body it is sent, shaped
by the subscription owner's rights.

An event reaches a subscription when its type is subscribed (or ``*``), the owner may
read it and the optional CEL filter is true. Record events (``contact.updated`` …) need
the owner's read grant on the object and, for ``own``/``team`` scopes, the record inside
that scope; the owner's hidden fields are removed from ``data.changes`` and
``data.record`` and sensitive fields are masked again (the producers already mask them),
so nothing the owner could not read in Kith leaves through a webhook. Other events
(approvals, segments, models …) carry no record fields and need the owner's right to
manage webhooks, which only administrators have by default.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from kith.access import policy
from kith.access.principal import Principal
from kith.core.errors import FieldError, ValidationFailed
from kith.core.event_types import EventType
from kith.core.expressions import CompiledExpression, ExpressionError, compile_expression
from kith.crm.masking import MASK
from kith.crm.specs import SPECS
from kith.db.uow import UnitOfWork
from kith.events.envelope import Envelope

ALL_TYPES = "*"
FILTER_VARIABLES = ("event",)
TEST_EVENT_TYPE = "webhook.test"


def check_event_types(values: Iterable[str], path: str = "event_types") -> list[str]:
    """The subscribed types, de-duplicated; each must be registered (or ``*``)."""
    known = {t.value for t in EventType}
    out: list[str] = []
    errors = []
    for index, value in enumerate(values):
        if value != ALL_TYPES and value not in known:
            errors.append(
                FieldError(["body", path, index], f"unknown event type {value!r}", "value_error")
            )
        elif value not in out:
            out.append(value)
    if errors:
        raise ValidationFailed("unknown event type(s)", errors)
    if not out:
        raise ValidationFailed(
            "no event types", [FieldError(["body", path], "give at least one event type or '*'")]
        )
    return out


def compile_filter(
    source: str, path: tuple[str | int, ...] = ("body", "filter")
) -> CompiledExpression:
    return compile_expression(source, FILTER_VARIABLES, path=path)


def event_body(envelope: Envelope, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": envelope.event_id,
        "type": envelope.type,
        "occurred_at": _iso(envelope.occurred_at),
        "tenant_id": envelope.tenant_id,
        "subject": {"type": envelope.subject_type, "id": envelope.subject_id},
        "actor": {"kind": envelope.actor_kind, "id": envelope.actor_id},
        "data": data,
    }


def test_body(event_id: str, tenant_id: str, subscription_id: str, now: datetime) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": TEST_EVENT_TYPE,
        "occurred_at": _iso(now),
        "tenant_id": tenant_id,
        "subject": {"type": "webhook", "id": subscription_id},
        "actor": {"kind": "system", "id": None},
        "data": {"message": "Kith test delivery / Kith 测试投递"},
    }


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def subscribes(event_types: Iterable[str], event_type: str) -> bool:
    types = list(event_types)
    return ALL_TYPES in types or event_type in types


def visible_data(uow: UnitOfWork, owner: Principal, envelope: Envelope) -> dict[str, Any] | None:
    """The event's payload as ``owner`` may see it, or None when the owner may not see
    the event at all."""
    spec = SPECS.get(envelope.subject_type)
    if spec is None:
        if policy.scope_for(owner, "webhook", "read") is None:
            return None
        return dict(envelope.payload)
    if policy.scope_for(owner, spec.name, "read") is None:
        return None
    if policy.scope_for(owner, spec.name, "read") != "all":
        row = uow.session.get(spec.model, envelope.subject_id)
        owner_id = row.owner_id if row is not None and row.tenant_id == envelope.tenant_id else None
        if not policy.may_act_on(owner, spec.name, "read", owner_id):
            return None
    data = dict(envelope.payload)
    changes = data.get("changes")
    if isinstance(changes, dict):
        changes = {
            k: ([MASK, MASK] if k in spec.sensitive_fields else v) for k, v in changes.items()
        }
        data["changes"] = policy.strip_hidden(owner, spec.name, changes)
    record = data.get("record")
    if isinstance(record, dict):
        record = {k: v for k, v in record.items() if k not in spec.sensitive_fields}
        data["record"] = policy.strip_hidden(owner, spec.name, record)
    return data


def passes(expression: CompiledExpression | None, body: dict[str, Any]) -> bool:
    """The filter's verdict on the shaped body (the owner's view): a filter that fails at
    run time (a missing key, a wrong type) does not match."""
    if expression is None:
        return True
    try:
        return expression.test({"event": body})
    except ExpressionError:
        return False
