"""``kith demo`` — load the deterministic, bilingual demo dataset into a workspace."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from kith.core.errors import KithError
from kith.core.settings import Settings, get_settings

if TYPE_CHECKING:
    from kith.container import Container
    from kith.demo.loader import DemoResult, Progress

DEMO_PASSWORD = "kith-demo-2026"  # noqa: S105 - documented default, demo and test mode only
MAX_SCALE = 10.0
TENANT_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def demo(
    password: Annotated[
        str | None,
        typer.Option(
            help="Password of every demo user; required unless KITH_MODE is demo or test "
            f"(then it defaults to {DEMO_PASSWORD})."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 42,
    tenant: Annotated[str, typer.Option(help="Workspace slug.")] = "default",
    scale: Annotated[
        float, typer.Option(help="Multiply every count, e.g. 0.05 for a small dataset.")
    ] = 1.0,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The demo's 'now': 09:00 Asia/Shanghai on this date (YYYY-MM-DD); "
            "default: the latest 09:00 that has passed.",
        ),
    ] = None,
    models: Annotated[
        bool,
        typer.Option(
            "--models/--no-models",
            help="After a fresh load, train the built-in models and add the recommended "
            "schedules (retraining, drift, segment refresh, audit retention).",
        ),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Load the deterministic, bilingual demo dataset (skipped if already loaded)."""
    from kith.demo.loader import DemoLoadError, describe

    settings = get_settings()
    secret = _password(password, settings)
    anchor = _anchor(as_of)
    if not 0 < scale <= MAX_SCALE:
        _fail(f"--scale must be above 0 and at most {MAX_SCALE:g}")
    if not TENANT_SLUG.match(tenant):
        _fail("--tenant must be 1-64 lower-case letters, digits, '-' or '_'")
    container = _ready_container(settings)
    try:
        with progress_bar() as on_progress:
            result = _load(container, tenant, secret, seed, scale, anchor, settings, on_progress)
    except KithError as exc:
        _fail(describe(exc))
    except DemoLoadError as exc:
        hint = "\nthe workspace now holds part of the demo; load into a fresh --tenant"
        _fail(f"{exc}{hint if exc.partial else ''}", 1)
    insights = _insights(container, tenant) if models and result.status == "loaded" else None
    _report(result, as_json, insights)


def _insights(container: Container, tenant: str) -> dict[str, Any]:
    from kith.demo.insights import prepare_insights

    if sys.stderr.isatty():
        typer.echo("training the built-in models on the demo data…", err=True)
    try:
        return prepare_insights(container, tenant)
    except KithError as exc:
        _fail(f"the demo is loaded, but preparing its models failed: {exc}", 1)


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _password(given: str | None, settings: Settings) -> str:
    """The demo users' password; outside demo mode it must be given and be strong."""
    from kith.access.service import check_password_strength
    from kith.demo.loader import describe

    if settings.is_demo:
        return given or DEMO_PASSWORD
    if not given:
        _fail("--password is required outside demo mode (or set KITH_MODE=demo)")
    try:
        check_password_strength(given)
    except KithError as exc:
        _fail(describe(exc))
    return given


def _anchor(as_of: str | None) -> datetime:
    """09:00 in Shanghai on the given day, as UTC: the demo's 'now'.

    By default the most recent 09:00 that has passed (today's, or yesterday's
    before nine), so no record is ever dated in the future.
    """
    from kith.demo.plan import CHINA

    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            _fail(f"--as-of must be a date like 2026-11-20, not {as_of!r}")
        return datetime.combine(day, time(9), CHINA).astimezone(UTC)
    now = datetime.now(CHINA)
    anchor = datetime.combine(now.date(), time(9), CHINA)
    if anchor > now:
        anchor -= timedelta(days=1)
    return anchor.astimezone(UTC)


def _ready_container(settings: Settings) -> Container:
    """The database, migrated, so ``kith demo`` also works without ``kith init`` first."""
    from kith.clikit import open_container

    return open_container(migrated=True)


def _load(
    container: Container,
    tenant: str,
    password: str,
    seed: int,
    scale: float,
    anchor: datetime,
    settings: Settings,
    on_progress: Progress | None,
) -> DemoResult:
    from kith.access.workspace import init_workspace
    from kith.demo.loader import TENANT_NAME, load_demo

    with container.uow() as uow:
        init_workspace(
            uow.session,
            tenant_slug=tenant,
            tenant_name=TENANT_NAME,
            admin_email=None,
            admin_password=None,
            demo=settings.is_demo,
        )
        uow.commit()
    return load_demo(
        container,
        tenant_slug=tenant,
        password=password,
        seed=seed,
        scale=scale,
        anchor=anchor,
        enforce_strength=not settings.is_demo,
        on_progress=on_progress,
    )


@contextmanager
def progress_bar() -> Iterator[Progress | None]:
    """A rich progress bar on stderr when it is a terminal; no callback otherwise."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    columns = (TextColumn("[bold]kith demo[/bold]"), BarColumn(), MofNCompleteColumn())
    with RichProgress(*columns, TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("loading", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def _report(result: DemoResult, as_json: bool, insights: dict[str, Any] | None = None) -> None:
    from kith.core.serialize import dumps

    data: dict[str, Any] = {
        "status": result.status,
        "tenant": result.tenant,
        "seed": result.seed,
        "scale": result.scale,
        "as_of": result.anchor,
        "seconds": round(result.seconds, 1),
        "counts": result.counts,
        **(insights or {}),
    }
    if as_json:
        sys.stdout.write(dumps(data).decode() + "\n")
        return
    if result.status == "already_loaded":
        typer.echo(f"the demo data is already loaded in workspace {result.tenant!r}; nothing done")
        return
    counts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in result.counts.items())
    typer.echo(f"loaded the demo into workspace {result.tenant!r} in {result.seconds:.1f} s")
    typer.echo(counts)
    if insights:
        trained = [m["kind"] for m in insights["models"] if m["status"] == "trained"]
        typer.echo(f"trained models: {', '.join(trained) or 'none'}")
        typer.echo(f"schedules: {', '.join(s['job'] for s in insights['schedules'])}")
    typer.echo("sign in as e.g. wang.qiang@kith.demo (大客户经理) with the demo password")
