"""What every bounded context's CLI module shares: the ``--json`` and ``--tenant``
options, failing with exit code 2 and a message, reporting as text or JSON, and the
container (migrated for commands that may be the first to touch the database).

The container comes from the factory the entry point (``kith.cli``) installs with
``use_container_factory`` — ``kith.bootstrap.build_container``, imported only when a
command opens a container, so ``kith --help`` does not load every context. A context's
command module therefore never imports the composition root (which imports it).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from kith.core.errors import KithError

if TYPE_CHECKING:
    from kith.access.principal import Principal
    from kith.container import Container
    from kith.db.uow import UnitOfWork

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
TenantOpt = Annotated[str, typer.Option("--tenant", help="Workspace slug.")]


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def fail_kith(exc: KithError) -> NoReturn:
    """A domain error as the CLI shows it: the detail, then each field path and message."""
    lines = [exc.detail] + [f"  {'.'.join(map(str, e.path))}: {e.message}" for e in exc.errors]
    fail("\n".join(lines))


def report(data: Any, as_json: bool, human: str) -> None:
    from kith.core.serialize import dumps

    if as_json:
        sys.stdout.write(dumps(data).decode() + "\n")
    else:
        typer.echo(human)


_factories: list[Callable[[], Container]] = []


def use_container_factory(factory: Callable[[], Container]) -> None:
    """Set how commands build their container (``kith.cli`` does, at import)."""
    _factories[:] = [factory]


def open_container(migrated: bool = False) -> Container:
    if not _factories:
        raise RuntimeError("no container factory: run commands through kith.cli")
    built = _factories[0]()
    if migrated:
        from kith.db.migrate import upgrade

        upgrade(built.engine)
    return built


def workspace_id(uow: UnitOfWork, slug: str) -> str:
    """The id of the workspace ``slug``, or exit 2 with a message."""
    from kith.access.repository import AccessRepository

    tenant = AccessRepository(uow.session).tenant_by_slug(slug)
    if tenant is None:
        fail(f"no workspace {slug!r}; run 'kith init' first")
    return tenant.id


def person_or_system(uow: UnitOfWork, slug: str, email: str | None, system_name: str) -> Principal:
    """``--as EMAIL`` in the workspace ``slug`` (exit 2 if unknown or inactive), or Kith
    itself named ``system_name`` when no person is given."""
    from kith.access.service import system_principal

    tenant_id = workspace_id(uow, slug)
    if email:
        return acting_person(uow, tenant_id, email)
    return system_principal(tenant_id, system_name)


def acting_person(uow: UnitOfWork, tenant_id: str, email: str) -> Principal:
    """The principal of the active user ``email`` in the workspace, or exit 2."""
    from kith.access.repository import AccessRepository
    from kith.access.service import principal_for_user

    user = AccessRepository(uow.session).user_in_tenant(tenant_id, email.lower())
    if user is None or not user.is_active:
        fail(f"no active user {email!r} in this workspace")
    return principal_for_user(uow.session, user)
