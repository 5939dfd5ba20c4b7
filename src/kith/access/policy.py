"""The one place where permissions are decided.

Every entry point (HTTP, CLI, import, later the gateway) reaches records
through the CRM service, and the service asks these functions. Nothing else
decides who may see or change what.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from sqlalchemy import ColumnElement, false, true

from kith.access.principal import Action, FieldAccess, Principal, Scope
from kith.core.errors import FieldError, PermissionDenied
from kith.db.base import RecordMixin

WRITE_ACTIONS = frozenset({"create", "update", "delete"})


def _api_scope_allows(principal: Principal, object_type: str, action: str) -> bool:
    needed = "read" if action == "read" else "write"
    return principal.has_api_scope(f"{plural_of(object_type)}:{needed}")


def plural_of(object_type: str) -> str:
    """The resource name API-key scopes use: ``contact`` -> ``contacts``."""
    if object_type.endswith("s"):
        return object_type
    if object_type.endswith("y"):
        return f"{object_type[:-1]}ies"
    return f"{object_type}s"


def scope_for(principal: Principal, object_type: str, action: Action) -> Scope | None:
    """The widest record scope the principal has for this action, or None."""
    if not _api_scope_allows(principal, object_type, action):
        return None
    return principal.grants.get((object_type, action))


def require(principal: Principal, object_type: str, action: Action) -> Scope:
    scope = scope_for(principal, object_type, action)
    if scope is None:
        raise PermissionDenied(f"{principal.kind} may not {action} {object_type} records")
    return scope


def _owners_in_scope(principal: Principal, scope: Scope) -> frozenset[str] | None:
    """None means every owner; otherwise the owner ids the scope reaches."""
    if scope == "all":
        return None
    own = frozenset({principal.user_id}) if principal.user_id else frozenset()
    if scope == "own":
        return own
    return own | principal.team_user_ids


def row_filter(
    principal: Principal, model: type[RecordMixin], object_type: str, action: Action
) -> ColumnElement[bool]:
    """SQL condition selecting the rows the principal may act on (tenant included)."""
    scope = scope_for(principal, object_type, action)
    tenant = model.tenant_id == principal.tenant_id
    if scope is None:
        return tenant & false()
    owners = _owners_in_scope(principal, scope)
    if owners is None:
        return tenant & true()
    if not owners:
        return tenant & false()
    return tenant & model.owner_id.in_(owners)


def may_act_on(
    principal: Principal, object_type: str, action: Action, owner_id: str | None
) -> bool:
    scope = scope_for(principal, object_type, action)
    if scope is None:
        return False
    owners = _owners_in_scope(principal, scope)
    return owners is None or (owner_id is not None and owner_id in owners)


def require_on_record(
    principal: Principal, object_type: str, action: Action, owner_id: str | None
) -> None:
    require(principal, object_type, action)
    if not may_act_on(principal, object_type, action, owner_id):
        raise PermissionDenied(
            f"{action} on this {object_type} is outside your record scope "
            f"({scope_for(principal, object_type, action)})"
        )


def field_access(principal: Principal, object_type: str) -> Mapping[str, FieldAccess]:
    return principal.field_rules.get(object_type, {})


def hidden_fields(principal: Principal, object_type: str) -> frozenset[str]:
    return frozenset(f for f, a in field_access(principal, object_type).items() if a == "hidden")


def strip_hidden(principal: Principal, object_type: str, data: dict[str, Any]) -> dict[str, Any]:
    hidden = hidden_fields(principal, object_type)
    if not hidden:
        return data
    custom = data.get("custom")
    out = {k: v for k, v in data.items() if k not in hidden}
    if isinstance(custom, dict):
        out["custom"] = {k: v for k, v in custom.items() if f"custom.{k}" not in hidden}
    return out


def require_writable(principal: Principal, object_type: str, fields: Iterable[str]) -> None:
    """Refuse writes to hidden or read-only fields, naming each offending field."""
    rules = field_access(principal, object_type)
    errors = [
        FieldError(
            ["body", name],
            f"field is {rules[name].replace('_', '-')} for your role",
            "permission_error",
        )
        for name in fields
        if name in rules
    ]
    if errors:
        raise PermissionDenied("Some fields may not be written by your role", errors)


KnowledgeAudience = Literal["staff", "customer"]


def may_read_knowledge_space(
    principal: Principal,
    visibility: str,
    team_member_ids: frozenset[str],
    audience: KnowledgeAudience = "staff",
) -> bool:
    """Whether answers for ``principal`` may draw on a knowledge space.

    ``public`` spaces are for customers and staff; ``internal`` ones for staff who
    hold ``knowledge:read``; ``team`` ones only for the members of the space's team
    (and admins). An answer meant for a customer (``audience="customer"``) uses
    public spaces only, whatever the rights of whoever relays it.
    """
    if scope_for(principal, "knowledge", "read") is None:
        return False
    if audience == "customer":
        return visibility == "public"
    if visibility in ("public", "internal"):
        return True
    if visibility == "team":
        return principal.is_admin or (
            principal.user_id is not None and principal.user_id in team_member_ids
        )
    return False
