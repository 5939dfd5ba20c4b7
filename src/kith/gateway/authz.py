"""Who may make a call: the effective principal and the tool-level checks.

An agent acting for a person gets the *intersection* of both: per (object,
action) the narrower scope, and every field restriction either of them has. The
gateway then checks the call's purpose and the objects and fields the tool
touches; record scope and field rules are enforced again, per record, by the
service layer the tool calls.

The gateway's own object types (message, notification, coupon, refund,
campaign) are not in the built-in role grants yet; ``GATEWAY_GRANTS`` supplies
them per built-in role until ``access/roles.py`` carries them as rows.
"""

from __future__ import annotations

from dataclasses import replace

from pydantic import BaseModel

from kith.access import policy
from kith.access.principal import SCOPE_RANK, FieldAccess, Principal, Scope
from kith.core.errors import FieldError, KithError, PermissionDenied
from kith.crm.specs import SPECS
from kith.gateway.registry import ToolSpec

GATEWAY_OBJECTS = ("message", "notification", "coupon", "refund", "campaign")
# Who an agent may act for: a person, or a person's API key (their rights, narrowed
# further by the key's scopes). Agents and the system never bound anyone.
DELEGATING_KINDS = ("user", "api_key")
WRITE_ACTIONS = ("create", "update", "delete")

_Grants = dict[tuple[str, str], Scope]


def _creates(*objects: str) -> _Grants:
    return {(o, "create"): "all" for o in objects}


_EVERYTHING: _Grants = {
    (o, a): "all" for o in GATEWAY_OBJECTS for a in ("read", "create", "update", "delete")
}
GATEWAY_GRANTS: dict[str, _Grants] = {
    "admin": _EVERYTHING,
    "system": _EVERYTHING,
    "manager": {
        **_creates("message", "notification", "coupon", "refund", "campaign"),
        ("message", "read"): "all",
    },
    "sales": {**_creates("message", "notification", "coupon"), ("message", "read"): "own"},
    "service": {
        **_creates("message", "notification", "coupon", "refund"),
        ("message", "read"): "own",
    },
    "marketing": {
        **_creates("message", "notification", "coupon", "campaign"),
        ("message", "read"): "own",
    },
    "analyst": _creates("notification"),
}


class Refusal(Exception):
    """The gateway said no before the tool ran; ``error`` is what an API caller sees,
    ``zh`` the reason as a Chinese-speaking person reads it (the planner shows it)."""

    def __init__(self, error: KithError, zh: str = "你没有执行这一操作的权限") -> None:
        super().__init__(error.detail)
        self.error = error
        self.zh = zh


def refuse(
    reason: str, errors: list[FieldError] | None = None, zh: str = "你没有执行这一操作的权限"
) -> Refusal:
    return Refusal(PermissionDenied(reason, errors), zh)


def with_gateway_grants(principal: Principal) -> Principal:
    """The principal plus the gateway-object grants of its roles (widest scope wins)."""
    grants = dict(principal.grants)
    for role in principal.roles:
        for key, scope in GATEWAY_GRANTS.get(role, {}).items():
            if key not in grants or SCOPE_RANK[scope] > SCOPE_RANK[grants[key]]:
                grants[key] = scope
    return replace(principal, grants=grants)


def effective_principal(actor: Principal, on_behalf_of: Principal | None) -> Principal:
    """Who the call acts as: the actor, narrowed to the delegating person's rights."""
    actor = with_gateway_grants(actor)
    if on_behalf_of is None:
        return actor
    if on_behalf_of.kind not in DELEGATING_KINDS:
        raise refuse("on_behalf_of must be a person (a user or their API key)")
    if on_behalf_of.tenant_id != actor.tenant_id:
        raise refuse("on_behalf_of belongs to another workspace")
    return intersect(actor, with_gateway_grants(on_behalf_of))


def intersect(actor: Principal, person: Principal) -> Principal:
    """The actor's identity with rights both hold. Record scopes ("own", "team") then
    refer to the person: an agent working for a rep reaches that rep's records."""
    grants: dict[tuple[str, str], Scope] = {}
    for key, scope in actor.grants.items():
        other = person.grants.get(key)
        if other is not None:
            grants[key] = scope if SCOPE_RANK[scope] <= SCOPE_RANK[other] else other
    return replace(
        actor,
        user_id=person.user_id,
        roles=actor.roles & person.roles,
        grants=grants,
        field_rules=_union_of_restrictions(actor, person),
        team_user_ids=person.team_user_ids,
        api_scopes=_narrower_api_scopes(actor.api_scopes, person.api_scopes),
    )


def _union_of_restrictions(a: Principal, b: Principal) -> dict[str, dict[str, FieldAccess]]:
    out: dict[str, dict[str, FieldAccess]] = {}
    for rules in (a.field_rules, b.field_rules):
        for object_type, fields in rules.items():
            merged = out.setdefault(object_type, {})
            for name, access in fields.items():
                merged[name] = "hidden" if "hidden" in (access, merged.get(name)) else access
    return out


def _narrower_api_scopes(
    a: frozenset[str] | None, b: frozenset[str] | None
) -> frozenset[str] | None:
    if a is None or b is None:
        return b if a is None else a
    return a & b


def authorise(
    spec: ToolSpec,
    principal: Principal,
    purpose: str,
    args: BaseModel,
    on_behalf_of: Principal | None = None,
) -> None:
    """Tool-level checks: the purpose is one the tool serves, and the principal has the
    grants the tool needs on every object (and field) it touches. ``on_behalf_of`` only
    names, in a refusal, whose rights bounded the principal."""
    if purpose not in spec.purposes:
        raise refuse(
            f"{spec.name} serves {', '.join(spec.purposes)}; not purpose {purpose!r}",
            [FieldError(["purpose"], "purpose not served by this tool", "purpose")],
            zh="这一操作不能用于该用途",
        )
    for object_type, field_name in spec.touched_objects(args):
        _require_touch(spec, principal, object_type, field_name, on_behalf_of)


def _require_touch(
    spec: ToolSpec,
    principal: Principal,
    object_type: str,
    field_name: str | None,
    on_behalf_of: Principal | None,
) -> None:
    actions = ("read",) if spec.read_only else WRITE_ACTIONS
    if not any(policy.scope_for(principal, object_type, a) for a in actions):  # type: ignore[arg-type]
        verb = "read" if spec.read_only else "change"
        raise refuse(
            f"{principal.kind} {principal.name} may not {verb} {object_type} records"
            + bounded_by(on_behalf_of),
            zh=f"没有{'查看' if spec.read_only else '修改'}{object_label_zh(object_type)}的权限",
        )
    if field_name and not spec.read_only:
        access = policy.field_access(principal, object_type).get(field_name)
        if access is not None:
            raise refuse(
                f"{object_type}.{field_name} is {access.replace('_', '-')} for {principal.name}"
                + bounded_by(on_behalf_of),
                zh=f"{object_label_zh(object_type)}的这个字段对你"
                f"{_ACCESS_ZH.get(access, '不可修改')}",
            )


_ACCESS_ZH = {"hidden": "不可见", "read_only": "只读"}


def object_label_zh(object_type: str) -> str:
    """The object's Chinese name (``联系人``) for a refusal a person reads."""
    spec = SPECS.get(object_type)
    return spec.label_zh if spec is not None and spec.label_zh else "记录"


def bounded_by(person: Principal | None) -> str:
    """The clause a refusal adds when the rights were narrowed to a requester's."""
    if person is None:
        return ""
    return (
        f" (bounded by the rights of {person.name}, {person.kind} {person.id}, "
        "whose request caused this call)"
    )
