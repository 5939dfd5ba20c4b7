"""The ``kith`` command line (typer).

Every command that reports something accepts ``--json``. Bad input exits
with code 2 and a message on stderr; nothing is half-written.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from kith import __version__
from kith.clikit import JsonFlag, fail, fail_kith, report, use_container_factory
from kith.core.errors import KithError
from kith.core.settings import get_settings

app = typer.Typer(
    help="Kith — the agent-native CRM.", no_args_is_help=True, pretty_exceptions_enable=False
)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
app.add_typer(user_app, name="user")

# Re-exported: context command modules and tests import these from kith.cli.
__all__ = ["JsonFlag", "app", "fail", "fail_kith", "main", "report"]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kith {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Kith — the agent-native CRM."""


def _container() -> Any:
    from kith.bootstrap import build_container

    return build_container(get_settings())


use_container_factory(_container)


@app.command()
def init(
    admin_email: Annotated[str | None, typer.Option(help="Email of the first admin.")] = None,
    admin_password: Annotated[
        str | None, typer.Option(help="Password of the first admin (or KITH_ADMIN_PASSWORD).")
    ] = None,
    tenant: Annotated[str, typer.Option(help="Workspace slug.")] = "default",
    tenant_name: Annotated[str, typer.Option(help="Workspace name.")] = "Kith",
    as_json: JsonFlag = False,
) -> None:
    """Create the database, run migrations and create the first admin.

    Without KITH_SECRET_KEY it also writes a random per-install secret to
    $KITH_HOME/secret.key (mode 0600), which demo mode signs preference links with.
    """
    from kith.access.workspace import init_workspace
    from kith.bootstrap import migrate
    from kith.core.settings import ensure_install_secret

    settings = get_settings()
    secret_file = None
    if not settings.secret_key:
        ensure_install_secret(settings.home)
        secret_file = str(settings.install_secret_path)
    container = _container()
    migrate(container)
    with container.uow() as uow:
        try:
            result = init_workspace(
                uow.session,
                tenant_slug=tenant,
                tenant_name=tenant_name,
                admin_email=admin_email or settings.admin_email,
                admin_password=admin_password or settings.admin_password,
                demo=settings.is_demo,
            )
        except KithError as exc:
            fail_kith(exc)
        uow.commit()
    data = {
        "database": container.engine.url.render_as_string(hide_password=True),
        "tenant": result.tenant.slug,
        "admin": result.admin.email if result.admin else None,
        "admin_created": result.admin_created,
        "secret_key_file": secret_file,
    }
    report(
        data,
        as_json,
        f"database ready: {data['database']}\nworkspace: {data['tenant']}"
        + (f"\nadmin: {data['admin']}" if data["admin"] else ""),
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply migrations on start.")
    ] = True,
) -> None:
    """Serve the API and the web UI."""
    import uvicorn

    from kith.app import create_app
    from kith.bootstrap import migrate, refresh_planner_statistics

    settings = get_settings()
    if settings.mode == "production" and not settings.secret_key:
        fail("KITH_SECRET_KEY must be set in production mode (or set KITH_MODE=demo)")
    container = _container()
    if migrate_first:
        migrate(container)
    refresh_planner_statistics(container)
    uvicorn.run(create_app(container), host=host, port=port, log_level="info")


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="Email address.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    role: Annotated[list[str], typer.Option(help="Role (repeatable).")],
    password: Annotated[
        str | None,
        typer.Option(help="Password; read from KITH_NEW_USER_PASSWORD or prompted if omitted."),
    ] = None,
    title: Annotated[str | None, typer.Option(help="Job title, e.g. 供应链总监.")] = None,
    tenant: Annotated[str, typer.Option(help="Workspace slug.")] = "default",
    as_json: JsonFlag = False,
) -> None:
    """Add a user with one or more roles."""
    import os

    from kith.access import service as access
    from kith.access.repository import AccessRepository

    secret = password or os.environ.get("KITH_NEW_USER_PASSWORD")
    if secret is None:
        if not sys.stdin.isatty():
            fail("give --password or KITH_NEW_USER_PASSWORD (no terminal to prompt on)")
        secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    container = _container()
    with container.uow() as uow:
        workspace = AccessRepository(uow.session).tenant_by_slug(tenant)
        if workspace is None:
            fail(f"no workspace {tenant!r}; run 'kith init' first")
        try:
            user = access.create_user(
                uow.session,
                workspace.id,
                email=email,
                name=name,
                password=secret,
                roles=role,
                title=title,
            )
        except KithError as exc:
            fail_kith(exc)
        uow.commit()
    report(
        {"id": user.id, "email": user.email, "roles": role},
        as_json,
        f"added {user.email} ({', '.join(role)})",
    )


@user_app.command("reset-2fa")
def user_reset_2fa(
    email: Annotated[str, typer.Argument(help="Email address of the user.")],
    tenant: Annotated[str, typer.Option(help="Workspace slug.")] = "default",
    as_json: JsonFlag = False,
) -> None:
    """Turn a user's two-factor sign-in off (lost device); audited. The user enrols
    again, at their next sign-in if a role of theirs requires it."""
    from kith.access import signin
    from kith.access.repository import AccessRepository
    from kith.events.types import Actor

    container = _container()
    with container.uow() as uow:
        repo = AccessRepository(uow.session)
        workspace = repo.tenant_by_slug(tenant)
        if workspace is None:
            fail(f"no workspace {tenant!r}")
        user = repo.user_in_tenant(workspace.id, email.strip())
        if user is None:
            fail(f"no user {email} in workspace {tenant!r}")
        was_enabled = signin.reset(uow.session, user, Actor("system", None, "kith user reset-2fa"))
        uow.commit()
    report(
        {"email": user.email, "two_factor_was_enabled": was_enabled},
        as_json,
        f"two-factor sign-in of {user.email} reset"
        + ("" if was_enabled else " (it was not enabled)"),
    )


@user_app.command("unlock")
def user_unlock(
    email: Annotated[str, typer.Argument(help="Email address (as typed at sign-in).")],
    as_json: JsonFlag = False,
) -> None:
    """Lift the sign-in lockout of an email and forget its failed attempts."""
    from kith.access import throttle

    container = _container()
    with container.uow() as uow:
        was_locked = throttle.unlock(uow.session, email)
        uow.commit()
    report(
        {"email": email.strip().lower(), "had_lock": was_locked},
        as_json,
        f"{email.strip().lower()} unlocked",
    )


def _register_context_commands() -> None:
    """Commands owned by other packages, registered here so ``kith --help`` lists them."""
    from kith.agents.command import agents_app
    from kith.audit.command import audit_app
    from kith.bench.command import bench_app
    from kith.demo.command import demo
    from kith.events.command import events_app
    from kith.gateway.command import approvals_app, decisions_app
    from kith.intelligence.command import model_app
    from kith.intelligence.forecast.command import forecast_app
    from kith.intelligence.segments.command import segments_app
    from kith.language.command import ask_command, bench_language, plan_command
    from kith.ops.command import backup_command, restore_command
    from kith.privacy.command import consent_app, dsar_app, privacy_app
    from kith.realtime.command import decide_command, rules_app
    from kith.runtime import worker
    from kith.scheduling.command import schedule_app
    from kith.transfer.command import export_command, import_command
    from kith.transfer.event_command import send as send_event

    app.command("demo")(demo)
    app.command("import")(import_command)
    app.command("export")(export_command)
    app.command("worker")(worker)
    events_app.command("send")(send_event)
    app.add_typer(events_app, name="events")
    app.add_typer(approvals_app, name="approvals")
    app.add_typer(decisions_app, name="decisions")
    app.add_typer(agents_app, name="agents")
    app.command("plan")(plan_command)
    app.command("ask")(ask_command)
    bench_app.command("language")(bench_language)
    app.add_typer(model_app, name="model")
    app.add_typer(forecast_app, name="forecast")
    app.add_typer(segments_app, name="segments")
    app.command("decide")(decide_command)
    app.add_typer(rules_app, name="rules")
    app.add_typer(audit_app, name="audit")
    app.add_typer(dsar_app, name="dsar")
    app.add_typer(consent_app, name="consent")
    app.add_typer(privacy_app, name="privacy")
    app.add_typer(bench_app, name="bench")
    app.add_typer(schedule_app, name="schedule")
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)


_register_context_commands()


def main() -> None:
    try:
        app()
    except KithError as exc:  # pragma: no cover - safety net for commands
        fail_kith(exc)
