"""Administration use cases: roles and their permissions, teams, views of users."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kith.access import schemas as s
from kith.access.models import FieldRule, Role, RolePermission, Team, User
from kith.access.principal import Principal
from kith.access.repository import AccessRepository
from kith.access.roles import ADMIN_OBJECTS, RECORD_OBJECTS
from kith.access.service import add_team
from kith.core.errors import Conflict, FieldError, ValidationFailed

KNOWN_OBJECTS = frozenset(RECORD_OBJECTS + ADMIN_OBJECTS)


def user_out(repo: AccessRepository, user: User) -> s.UserOut:
    return s.UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        title=user.title,
        locale=user.locale,
        timezone=user.timezone,
        is_active=user.is_active,
        roles=sorted(r.name for r in repo.roles_of(user.id)),
    )


def me_out(repo: AccessRepository, user: User, principal: Principal) -> s.MeOut:
    grants: dict[str, dict[str, str]] = {}
    for (obj, action), scope in principal.grants.items():
        grants.setdefault(obj, {})[action] = scope
    hidden = {
        o: sorted(f for f, a in r.items() if a == "hidden")
        for o, r in principal.field_rules.items()
    }
    read_only = {
        o: sorted(f for f, a in r.items() if a == "read_only")
        for o, r in principal.field_rules.items()
    }
    return s.MeOut(
        **user_out(repo, user).model_dump(),
        tenant_id=principal.tenant_id,
        principal_kind=principal.kind,
        grants=grants,
        hidden_fields={o: f for o, f in hidden.items() if f},
        read_only_fields={o: f for o, f in read_only.items() if f},
    )


def role_out(repo: AccessRepository, role: Role) -> s.RoleOut:
    return s.RoleOut(
        id=role.id,
        name=role.name,
        description=role.description,
        builtin=role.builtin,
        requires_2fa=role.requires_2fa,
        permissions=[
            s.PermissionIn(
                object_type=p.object_type,
                action=p.action,
                scope=p.scope,
            )
            for p in repo.role_permissions(role.id)
        ],
        field_rules=[
            s.FieldRuleIn(
                object_type=r.object_type,
                field=r.field,
                access=r.access,
            )
            for r in repo.role_field_rules(role.id)
        ],
    )


def check_objects(body: s.RoleIn) -> None:
    errors = [
        FieldError(["body", "permissions", i, "object_type"], "unknown object type")
        for i, p in enumerate(body.permissions)
        if p.object_type not in KNOWN_OBJECTS
    ] + [
        FieldError(["body", "field_rules", i, "object_type"], "unknown object type")
        for i, r in enumerate(body.field_rules)
        if r.object_type not in KNOWN_OBJECTS
    ]
    if errors:
        raise ValidationFailed("Unknown object types", errors)


def create_role(session: Session, tenant_id: str, body: s.RoleIn) -> Role:
    repo = AccessRepository(session)
    if repo.role_by_name(tenant_id, body.name) is not None:
        raise Conflict("role exists", [FieldError(["body", "name"], "already exists")])
    check_objects(body)
    role = Role(
        tenant_id=tenant_id,
        name=body.name,
        description=body.description,
        requires_2fa=bool(body.requires_2fa),
    )
    session.add(role)
    session.flush()
    apply_permissions(session, role, body.permissions, body.field_rules)
    return role


def apply_permissions(
    session: Session,
    role: Role,
    permissions: list[s.PermissionIn],
    field_rules: list[s.FieldRuleIn],
) -> None:
    """Set or remove (scope/access None) each listed permission and field rule."""
    for p in permissions:
        row = session.get(RolePermission, (role.id, p.object_type, p.action))
        if p.scope is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(
                RolePermission(
                    tenant_id=role.tenant_id,
                    role_id=role.id,
                    object_type=p.object_type,
                    action=p.action,
                    scope=p.scope,
                )
            )
        else:
            row.scope = p.scope
    for r in field_rules:
        rule = session.get(FieldRule, (role.id, r.object_type, r.field))
        if r.access is None:
            if rule is not None:
                session.delete(rule)
        elif rule is None:
            session.add(
                FieldRule(
                    tenant_id=role.tenant_id,
                    role_id=role.id,
                    object_type=r.object_type,
                    field=r.field,
                    access=r.access,
                )
            )
        else:
            rule.access = r.access
    session.flush()


def update_user(session: Session, principal: Principal, user: User, body: s.UserPatch) -> None:
    """Change profile, activation and roles; an admin cannot lock themselves out."""
    repo = AccessRepository(session)
    if user.id == principal.user_id and (
        body.is_active is False
        or (body.roles is not None and "admin" not in body.roles and principal.is_admin)
    ):
        raise ValidationFailed(
            "You cannot deactivate yourself or drop your own admin role",
            [FieldError(["body", "roles" if body.roles else "is_active"], "would lock you out")],
        )
    for name in ("name", "title", "is_active", "locale"):
        value = getattr(body, name)
        if value is not None:
            setattr(user, name, value)
    if body.roles is not None:
        roles = []
        for i, role_name in enumerate(body.roles):
            role = repo.role_by_name(user.tenant_id, role_name)
            if role is None:
                raise ValidationFailed(
                    f"unknown role {role_name}", [FieldError(["body", "roles", i], "no such role")]
                )
            roles.append(role)
        repo.replace_user_roles(user, roles)
    session.flush()


def create_team(session: Session, tenant_id: str, body: s.TeamIn) -> Team:
    repo = AccessRepository(session)
    manager = repo.user(tenant_id, body.manager_id) if body.manager_id else None
    if body.manager_id and manager is None:
        raise ValidationFailed(
            "unknown manager", [FieldError(["body", "manager_id"], "no such user")]
        )
    members = []
    for i, uid in enumerate(body.member_ids):
        user = repo.user(tenant_id, uid)
        if user is None:
            raise ValidationFailed(
                "unknown member", [FieldError(["body", "member_ids", i], "no such user")]
            )
        members.append(user)
    return add_team(session, tenant_id, body.name, manager, members)
