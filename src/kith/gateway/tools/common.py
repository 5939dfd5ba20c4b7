"""Helpers the built-in tools share."""

from __future__ import annotations

from typing import Any

from kith.access.models import User
from kith.core.errors import FieldError, NotFound, ValidationFailed
from kith.crm.refs import customer_refs
from kith.crm.specs import SPECS
from kith.events.types import DomainEvent, EventType
from kith.gateway.registry import ToolContext

# Why a call is made. Records tools serve every purpose; others name theirs.
PURPOSES = (
    "crm_ui",
    "api",
    "sales",
    "sales_outreach",
    "service",
    "marketing",
    "profiling",
    "analytics",
)


def invalid(message: str, *path: str | int) -> ValidationFailed:
    """An argument the schema accepted but the data refuses, at ``args.<path>``."""
    return ValidationFailed(message, [FieldError(["args", *path], message)])


def version_to_write(
    ctx: ToolContext, object_type: str, record_id: str, version: int | None
) -> int:
    """The version the caller saw, or — for tools that act on "the current state" — the
    current one; the ORM's version check still stops a concurrent writer."""
    if version is not None:
        return version
    current: int = ctx.records.get(object_type, record_id)["version"]
    return current


def require_user(ctx: ToolContext, user_id: str, *path: str | int) -> User:
    user = ctx.uow.session.get(User, user_id)
    if user is None or user.tenant_id != ctx.tenant_id or not user.is_active:
        raise invalid("no active user with this id in this workspace", *path)
    return user


def require_contact(ctx: ToolContext, contact_id: str, *path: str | int) -> dict[str, Any]:
    """The contact as the principal may see it; unknown or unreadable is an argument error."""
    try:
        return ctx.records.get("contact", contact_id)
    except NotFound as exc:
        raise invalid("no contact with this id", *path) from exc


def emit_about_record(
    ctx: ToolContext,
    event_type: EventType,
    object_type: str,
    record_id: str,
    summary: str,
    **payload: Any,
) -> None:
    """A domain event about a customer record (shown on its timeline, read by agents)."""
    record = ctx.uow.session.get(SPECS[object_type].model, record_id)
    account_id, contact_id = customer_refs(record) if record is not None else (None, None)
    ctx.uow.emit(
        DomainEvent(
            type=event_type,
            tenant_id=ctx.tenant_id,
            subject_type=object_type,
            subject_id=record_id,
            actor=ctx.principal.actor,
            payload={**payload, "decision_id": ctx.decision_id},
            account_id=account_id,
            contact_id=contact_id,
            summary=summary[:500],
            occurred_at=ctx.clock(),
        )
    )
