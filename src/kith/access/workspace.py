"""The first workspace: a tenant, its built-in roles and (if asked) the first admin
(``kith init``, ``kith demo``, the benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kith.access import service as access
from kith.access.models import Tenant, User
from kith.access.repository import AccessRepository
from kith.core.errors import ValidationFailed

DEFAULT_TENANT = "default"


@dataclass(frozen=True)
class InitResult:
    tenant: Tenant
    admin: User | None
    admin_created: bool


def init_workspace(
    session: Session,
    *,
    tenant_slug: str,
    tenant_name: str,
    admin_email: str | None,
    admin_password: str | None,
    demo: bool,
) -> InitResult:
    """Create the tenant, its built-in roles and (if asked) the first admin.

    Outside demo mode there is no default password: the admin's password must
    be given (flag or KITH_ADMIN_PASSWORD) and pass the strength check.
    """
    tenant = access.ensure_tenant(session, tenant_slug, tenant_name)
    if not admin_email:
        return InitResult(tenant, None, False)
    existing = AccessRepository(session).user_in_tenant(tenant.id, admin_email)
    if existing is not None:
        return InitResult(tenant, existing, False)
    if not admin_password:
        raise ValidationFailed(
            "An admin password is required outside demo mode "
            "(--admin-password or KITH_ADMIN_PASSWORD)"
        )
    admin = access.create_user(
        session,
        tenant.id,
        email=admin_email,
        name="Administrator",
        password=admin_password,
        roles=["admin"],
        title="系统管理员",
        enforce_strength=not demo,
    )
    return InitResult(tenant, admin, True)
