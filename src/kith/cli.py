"""The ``kith`` command line (typer).

Every command that reports something accepts ``--json``. Bad input exits
with code 2 and a message on stderr; nothing is half-written.

Start-up is cheap: a context's command module (and whatever it imports) is
imported only when one of its commands runs. ``kith --help`` lists every command
from the static table ``LAZY_COMMANDS`` (name, help, loader); a unit test checks
that the table says what the loaded commands say.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from kith import __version__
from kith.clikit import JsonFlag, fail, fail_kith, report, use_container_factory
from kith.core.errors import KithError

if TYPE_CHECKING:
    from typer import _click as click

# Re-exported: context command modules and tests import these from kith.cli.
__all__ = ["LAZY_COMMANDS", "JsonFlag", "app", "fail", "fail_kith", "main", "report"]


def _command(module: str, attr: str) -> Callable[[], Any]:
    """A loader of the plain command function ``module.attr``."""

    def load() -> Any:
        import importlib

        return getattr(importlib.import_module(module), attr)

    return load


def _events() -> Any:
    from kith.events.command import events_app
    from kith.transfer.event_command import send as send_event

    if all(c.name != "send" for c in events_app.registered_commands):
        events_app.command("send")(send_event)
    return events_app


# name -> (first paragraph of its help, loader returning a command function or a
# typer sub-app), in the order ``kith --help`` lists them after init and serve.
LAZY_COMMANDS: dict[str, tuple[str, Callable[[], Any]]] = {
    "demo": (
        "Load the deterministic, bilingual demo dataset (skipped if already loaded).",
        _command("kith.demo.command", "demo"),
    ),
    "import": (
        "Import records from CSV or JSON Lines; re-running a file updates instead of duplicating.",
        _command("kith.transfer.command", "import_command"),
    ),
    "export": (
        "Export the records the acting user may read, without the fields their role hides.",
        _command("kith.transfer.command", "export_command"),
    ),
    "worker": (
        "Run the relay and the consumers against the configured bus (scale-out mode).",
        _command("kith.runtime", "worker"),
    ),
    "plan": (
        "Print the plan for TEXT without executing it.",
        _command("kith.language.command", "plan_command"),
    ),
    "ask": (
        "Plan TEXT, show the preview and execute it on confirmation.",
        _command("kith.language.command", "ask_command"),
    ),
    "backup": (
        "Back up the database to FILE (SQLite: online backup API; PostgreSQL: pg_dump -Fc);\n"
        "consistent while the server runs.",
        _command("kith.ops.command", "backup_command"),
    ),
    "restore": (
        "Restore FILE into the configured database, migrate it if it is older, and verify\n"
        "the audit chain (exit 1 if it does not verify).",
        _command("kith.ops.command", "restore_command"),
    ),
    "reindex": (
        "Rebuild the full-text search index (every searchable type, or those named), in\n"
        "every workspace or the one given; searches keep working while it runs.",
        _command("kith.crm.command", "reindex_command"),
    ),
    "events": ("Inspect, send and replay events.", _events),
    "approvals": (
        "Review approval requests.",
        _command("kith.gateway.command", "approvals_app"),
    ),
    "decisions": ("Read decision records.", _command("kith.gateway.command", "decisions_app")),
    "agents": ("List, pause and resume agents.", _command("kith.agents.command", "agents_app")),
    "model": (
        "Train, evaluate, version and use predictive models.",
        _command("kith.intelligence.command", "model_app"),
    ),
    "forecast": (
        "Revenue forecast by team, owner, product or pipeline.",
        _command("kith.intelligence.forecast.command", "forecast_app"),
    ),
    "segments": (
        "Saved segments: refreshable filters agents and campaigns use.",
        _command("kith.intelligence.segments.command", "segments_app"),
    ),
    "audit": (
        "Check and export the tamper-evident audit log.",
        _command("kith.audit.command", "audit_app"),
    ),
    "dsar": (
        "Data subject requests: export, erasure, restriction, rectification.",
        _command("kith.privacy.command", "dsar_app"),
    ),
    "consent": (
        "Read and record a person's consents.",
        _command("kith.privacy.command", "consent_app"),
    ),
    "privacy": ("Field encryption keys.", _command("kith.privacy.command", "privacy_app")),
    "identity": (
        "Identity resolution (one person across channels).",
        _command("kith.identity.command", "identity_app"),
    ),
    "webhooks": (
        "Outbound webhooks: subscriptions, deliveries, test sends.",
        _command("kith.platform.command", "webhooks_app"),
    ),
    "mcp": (
        "Serve MCP over stdio as the API key in KITH_API_KEY (exit 2 without a valid key).",
        _command("kith.platform.mcp_command", "mcp"),
    ),
    "decide": (
        "Decide now: outcome, score, reasons, actions, version, variant, latency.",
        _command("kith.realtime.command", "decide_command"),
    ),
    "flow": (
        "Flows: automations as data — list, show, validate, publish, run, runs, simulate.",
        _command("kith.flows.command", "flow_app"),
    ),
    "rules": (
        "Real-time decision rule sets: list, show, draft, test, publish, rollback, experiment.",
        _command("kith.realtime.command", "rules_app"),
    ),
    "dispatch": (
        "Field service dispatch: engineers, work orders, recommendations, assignment.",
        _command("kith.fieldservice.command", "dispatch_app"),
    ),
    "kb": (
        "Knowledge spaces, documents and answers.",
        _command("kith.knowledge.command", "kb_app"),
    ),
    "practices": (
        "Micro-practice units: list, show, apply, review.",
        _command("kith.playbooks.command", "practices_app"),
    ),
    "anchors": (
        "Value anchors: list, show, compute.",
        _command("kith.playbooks.command", "anchors_app"),
    ),
    "concepts": (
        "Business concepts (customer health): versions, publish, preview, recompute.",
        _command("kith.concepts.command", "concepts_app"),
    ),
    "health": (
        "A customer's health with each indicator's contribution.",
        _command("kith.concepts.command", "health_app"),
    ),
    "bench": ("Benchmarks (JSON figures).", _command("kith.bench.command", "bench_app")),
    "schedule": (
        "Run jobs on a schedule (model retraining, drift checks, ...).",
        _command("kith.scheduling.command", "schedule_app"),
    ),
}

# Loaded commands, once per process (every ``typer.main.get_command(app)`` builds a
# new group; the command modules are imported once).
_LOADED: dict[str, click.Command] = {}


def load_command(name: str) -> click.Command:
    """The click command ``kith NAME`` runs, importing its module now."""
    loaded = _LOADED.get(name)
    if loaded is None:
        target = LAZY_COMMANDS[name][1]()
        if isinstance(target, typer.Typer):
            loaded = typer.main.get_group(target)
        else:
            single = typer.Typer(add_completion=False)
            single.command(name)(target)
            loaded = typer.main.get_command(single)
        loaded.name = name
        _LOADED[name] = loaded
    return loaded


class _Listed(typer.core.TyperCommand):
    """What ``kith --help`` shows for a command whose module is not imported yet."""


class LazyGroup(TyperGroup):
    """The root group: lists every command, imports a command's module only to run it."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._listing = False
        eager = dict(self.commands)
        ordered: dict[str, click.Command] = {}
        for name in ("init", "serve"):
            if name in eager:
                ordered[name] = eager.pop(name)
        for name, (help_text, _loader) in LAZY_COMMANDS.items():
            if name == "events" and "user" in eager:
                ordered["user"] = eager.pop("user")
            ordered[name] = _LOADED.get(name) or _Listed(name=name, help=help_text)
        ordered.update(eager)
        self.commands = ordered

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = self.commands.get(cmd_name)
        if isinstance(cmd, _Listed) and not self._listing:
            cmd = self.commands[cmd_name] = load_command(cmd_name)
        return cmd

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    cls=LazyGroup,
    help="Kith — the agent-native CRM.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
app.add_typer(user_app, name="user")


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
    from kith.core.settings import get_settings

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
    from kith.core.settings import ensure_install_secret, get_settings

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
    from kith.core.settings import get_settings

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


def main() -> None:
    try:
        app()
    except KithError as exc:  # pragma: no cover - safety net for commands
        fail_kith(exc)
