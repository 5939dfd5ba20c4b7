"""The composition root: the one place that builds the container and wires Kith.

``build_container`` is what the server (``kith.app``), the CLI (``kith.cli``), the
benchmarks and the tests call. Nothing else constructs a ``Container``; lower layers
receive it. Also here: start-up helpers (migrations, the first workspace).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kith.access import service as access
from kith.access.models import Tenant, User
from kith.access.repository import AccessRepository
from kith.container import Container
from kith.core.clock import utcnow
from kith.core.errors import ValidationFailed
from kith.core.settings import Settings, get_settings
from kith.db.engine import engine_from_settings, make_session_factory
from kith.db.migrate import upgrade

DEFAULT_TENANT = "default"


def build_container(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Container:
    """The container for ``settings`` (default: the environment's).

    The seams for tests: pass an ``engine`` (e.g. one already migrated) and a
    ``clock`` (a pinned "now")."""
    settings = settings or get_settings()
    engine = engine if engine is not None else engine_from_settings(settings)
    return Container(settings, engine, make_session_factory(engine), clock=clock)


@dataclass(frozen=True)
class InitResult:
    tenant: Tenant
    admin: User | None
    admin_created: bool


def migrate(container: Container) -> None:
    upgrade(container.engine)


def refresh_planner_statistics(container: Container) -> None:
    """SQLite keeps no statistics unless asked; without them full-text and filtered
    lists scan the tenant (docs/benchmarks.md, finding 3). PostgreSQL autovacuums."""
    if container.engine.dialect.name == "sqlite":
        with container.engine.begin() as connection:
            connection.exec_driver_sql("PRAGMA optimize=0x10002")


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
