"""Who an import or export acts as: a user, so roles, scopes and field rules apply."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kith.access.models import Role, User, UserRole
from kith.access.principal import Principal
from kith.access.repository import AccessRepository
from kith.access.service import principal_for_user
from kith.crm.specs import SPECS, SPECS_BY_PLURAL, ObjectSpec
from kith.transfer.errors import UnusableInput


def object_spec(name: str) -> ObjectSpec:
    """The spec named by an object type or its plural (``contact`` or ``contacts``)."""
    spec = SPECS.get(name) or SPECS_BY_PLURAL.get(name)
    if spec is None:
        known = ", ".join(s.plural for s in SPECS.values())
        raise UnusableInput(f"unknown object {name!r}; expected one of: {known}")
    return spec


def acting_principal(session: Session, tenant_slug: str, email: str | None) -> Principal:
    """The principal of ``email`` in the workspace, or of its first admin by default."""
    tenant = AccessRepository(session).tenant_by_slug(tenant_slug)
    if tenant is None:
        raise UnusableInput(f"no workspace {tenant_slug!r}; run 'kith init' first")
    if email:
        user = AccessRepository(session).user_in_tenant(tenant.id, email.strip())
        if user is None:
            raise UnusableInput(f"no user {email} in workspace {tenant_slug!r}")
    else:
        user = _first_admin(session, tenant.id)
        if user is None:
            raise UnusableInput(f"workspace {tenant_slug!r} has no active admin; pass --as EMAIL")
    if not user.is_active:
        raise UnusableInput(f"user {user.email} is disabled")
    return principal_for_user(session, user)


def _first_admin(session: Session, tenant_id: str) -> User | None:
    stmt = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .join(Role, Role.id == UserRole.role_id)
        .where(User.tenant_id == tenant_id, Role.name == "admin", User.is_active.is_(True))
        .order_by(User.created_at, User.id)
    )
    return session.scalars(stmt.limit(1)).first()
