"""``kith forecast show``: the revenue forecast per team, owner, product or pipeline.

By default it acts as the system (every deal of the workspace); ``--user EMAIL``
shows exactly what that user would see (their row scope). It reads only, so it
does not migrate or create anything: a missing workspace or user is an error.
``kith.cli`` imports this module while it is being imported itself, so its
output helpers are imported inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from kith.clikit import fail as _fail
from kith.core.errors import KithError
from kith.core.settings import get_settings

forecast_app = typer.Typer(
    help="Revenue forecast by team, owner, product or pipeline.", no_args_is_help=True
)

PERIODS = ("month", "week")


@forecast_app.command("show")
def show(
    by: Annotated[
        str, typer.Option("--by", help="total, team, owner, product or pipeline.")
    ] = "total",
    period: Annotated[str, typer.Option("--period", help="month or week.")] = "month",
    horizon: Annotated[
        int | None, typer.Option("--horizon", help="Periods ahead, 1-24 (default 6 / 8).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many groups (1-50).")] = 20,
    user: Annotated[
        str | None, typer.Option("--user", help="See only what this user (email) may read.")
    ] = None,
    tenant: Annotated[str, typer.Option("--tenant", help="Workspace slug.")] = "default",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Forecast won-deal revenue per group, each series with the method its backtest chose."""
    from kith.intelligence.forecast.groups import DIMENSIONS

    if by not in DIMENSIONS:
        _fail(f"--by must be one of {', '.join(DIMENSIONS)}, not {by!r}")
    if period not in PERIODS:
        _fail(f"--period must be month or week, not {period!r}")
    if horizon is not None and not 1 <= horizon <= 24:
        _fail(f"--horizon must be between 1 and 24, not {horizon}")
    if not 1 <= limit <= 50:
        _fail(f"--limit must be between 1 and 50, not {limit}")
    from sqlalchemy.exc import OperationalError, ProgrammingError

    try:
        out = _forecast(tenant, user, by, period, horizon, limit)
    except KithError as exc:
        from kith.clikit import fail_kith

        fail_kith(exc)
    except (OperationalError, ProgrammingError):
        # Reading only: an uninitialised home is the user's to set up, not ours to migrate.
        _fail("no Kith database here (KITH_HOME); run `kith init` or `kith demo` first")
    from kith.clikit import report

    report(out, as_json, _human(out))


def _forecast(
    tenant: str, email: str | None, by: str, period: str, horizon: int | None, limit: int
) -> dict[str, Any]:
    from kith.access.repository import AccessRepository
    from kith.access.service import principal_for_user, system_principal
    from kith.clikit import open_container
    from kith.intelligence.forecast.groups import MEASURE, group_forecasts

    settings = get_settings()
    url = settings.effective_database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        _fail("no Kith database here (KITH_HOME); run `kith init` or `kith demo` first")
    container = open_container()
    with container.uow() as uow:
        repo = AccessRepository(uow.session)
        workspace = repo.tenant_by_slug(tenant)
        if workspace is None:
            _fail(f"--tenant: no workspace {tenant!r}")
        if email is None:
            principal = system_principal(workspace.id, "kith forecast")
        else:
            found = repo.user_in_tenant(workspace.id, email)
            if found is None:
                _fail(f"--user: no user {email!r} in workspace {tenant!r}")
            principal = principal_for_user(uow.session, found)
        from kith.access import policy

        policy.require(principal, "deal", "read")
        groups, omitted = group_forecasts(
            uow.session, principal, period, by, horizon, container.now(), limit
        )
    return {
        "period": period,
        "by": by,
        "measure": MEASURE,
        "groups": [g.model_dump(mode="json") for g in groups],
        "omitted_groups": omitted,
    }


def _human(out: dict[str, Any]) -> str:
    lines = [f"{out['measure']} per {out['period']}, by {out['by']}"]
    for g in out["groups"]:
        future = [p for p in g["series"] if p["forecast"] is not None]
        nxt = (
            f"next {future[0]['forecast']:,.0f} [{future[0]['lower']:,.0f}, "
            f"{future[0]['upper']:,.0f}]"
            if future
            else "no forecast"
        )
        if g["model"] is None:
            verdict = f"({g['reason']})"
        elif g["method"] == "seasonal_naive":
            verdict = f"(the baseline itself won the backtest) MASE {g['model']['mase']}"
        else:
            better = "beats" if g["model"]["better_than_baseline"] else "does NOT beat"
            verdict = (
                f"MASE {g['model']['mase']} {better} seasonal-naive MASE {g['baseline']['mase']}"
            )
        pipe = g["pipeline"]
        pipeline = (
            f"pipeline {sum(p['expected'] for p in pipe['points']):,.0f} "
            f"from {pipe['open_deals']} open deals"
            + ("" if pipe["backtested"] else " (not backtested)")
        )
        lines.append(f"- {g['name']}: {g['method']} {verdict}; {nxt}; {pipeline}")
    if out["omitted_groups"]:
        lines.append(f"({out['omitted_groups']} more groups not shown; raise --limit)")
    return "\n".join(lines)
