"""``kith schedule ...``: add, list and remove schedules, run what is due, see runs.

Changing schedules from the command line is an administrative action of the
workspace (it acts as the system, and is audited as such). ``kith.cli``
imports this module while it is being imported itself, so its output helpers
are imported inside the commands.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer

from kith.clikit import JsonFlag, TenantOpt, open_container
from kith.clikit import fail as _fail
from kith.clikit import fail_kith as _fail_kith
from kith.clikit import report as _report
from kith.core.errors import KithError

schedule_app = typer.Typer(
    help="Run jobs on a schedule (model retraining, drift checks, ...).", no_args_is_help=True
)


def _service(uow: Any, tenant: str) -> Any:
    from kith.access.repository import AccessRepository
    from kith.events.types import Actor
    from kith.scheduling.service import ScheduleService

    workspace = AccessRepository(uow.session).tenant_by_slug(tenant)
    if workspace is None:
        _fail(f"--tenant: no workspace {tenant!r}; run 'kith init' first")
    return ScheduleService(uow, workspace.id, Actor("system", None, "kith schedule"))


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


@schedule_app.command("jobs")
def jobs(as_json: JsonFlag = False) -> None:
    """The jobs a schedule can run."""
    from kith.scheduling.service import jobs_out

    rows = jobs_out()
    _report(rows, as_json, "\n".join(f"{r['name']:<20} {r['description']}" for r in rows))


@schedule_app.command("list")
def list_schedules(tenant: TenantOpt = "default", as_json: JsonFlag = False) -> None:
    """Every schedule of the workspace with its next run and last outcome."""
    from kith.scheduling.service import schedule_out

    with open_container(migrated=True).uow() as uow:
        rows = [schedule_out(x) for x in _service(uow, tenant).repo.schedules()]
    lines = [
        f"{r['id']}  {r['job']:<18} {r['cadence']:<22} "
        f"{'on ' if r['enabled'] else 'off'} next {_when(r['next_run_at'])}  "
        f"last {r['last_status'] or '-'}"
        for r in rows
    ]
    _report(rows, as_json, "\n".join(lines) or "no schedules")


@schedule_app.command("add")
def add(
    job: Annotated[str, typer.Argument(help="Job name (see 'kith schedule jobs').")],
    every: Annotated[
        str | None, typer.Option("--every", help="Period: 15m, 6h, 1d (UTC clock).")
    ] = None,
    daily_at: Annotated[
        str | None, typer.Option("--daily-at", help="Run every day at HH:MM UTC.")
    ] = None,
    params: Annotated[
        str | None,
        typer.Option("--params", help='Job parameters, a JSON object: {"models":["churn"]}.'),
    ] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Add it paused.")] = False,
    run_now: Annotated[
        bool, typer.Option("--run-now", help="First run at the next tick, not after one period.")
    ] = False,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Add a schedule (exactly one of --every / --daily-at)."""
    from kith.scheduling.service import schedule_out

    parsed: dict[str, Any] = {}
    if params is not None:
        try:
            parsed = json.loads(params)
        except json.JSONDecodeError as exc:
            _fail(f"--params: not valid JSON ({exc.msg})")
        if not isinstance(parsed, dict):
            _fail("--params: must be a JSON object")
    with open_container(migrated=True).uow() as uow:
        try:
            schedule = _service(uow, tenant).add(
                job,
                every=every,
                daily_at=daily_at,
                params=parsed,
                enabled=not disabled,
                run_now=run_now,
                path=[],
            )
        except KithError as exc:
            _fail_kith(_cli_paths(exc))
        out = schedule_out(schedule)
        uow.commit()
    _report(
        out,
        as_json,
        f"added {out['id']}: {out['job']} {out['cadence']}, next {_when(out['next_run_at'])}",
    )


def _cli_paths(exc: KithError) -> KithError:
    """Name the options the way they are typed."""
    names = {"every": "--every", "daily_at": "--daily-at", "job": "JOB"}
    for error in exc.errors:
        error.path = [names.get(str(p), p) for p in error.path]
    return exc


@schedule_app.command("remove")
def remove(
    schedule_id: Annotated[str, typer.Argument(help="Schedule id (see 'kith schedule list').")],
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Remove a schedule (its past runs stay)."""
    with open_container(migrated=True).uow() as uow:
        try:
            _service(uow, tenant).remove(schedule_id)
        except KithError as exc:
            _fail_kith(exc)
        uow.commit()
    _report({"id": schedule_id, "removed": True}, as_json, f"removed {schedule_id}")


@schedule_app.command("run-due")
def run_due_command(as_json: JsonFlag = False) -> None:
    """Run every schedule that is due now, in every workspace, and report each run.

    Safe next to running servers and workers: a schedule is claimed by one runner only.
    Exits 1 if a job failed (for cron and CI), 2 on bad input.
    """
    from kith.scheduling.service import run_due

    results = run_due(open_container(migrated=True), worker="cli")
    lines = [
        f"{r['job']:<18} {r['status']:<6} "
        + (r["error"] or json.dumps(r["result"], ensure_ascii=False)[:200])
        for r in results
    ]
    _report(results, as_json, "\n".join(lines) or "nothing due")
    if any(r["status"] == "failed" for r in results):
        raise typer.Exit(1)


@schedule_app.command("runs")
def runs(
    schedule_id: Annotated[
        str | None, typer.Argument(help="Only this schedule's runs (default: all).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="How many.")] = 20,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """The most recent runs, newest first."""
    from kith.scheduling.service import run_out

    with open_container(migrated=True).uow() as uow:
        service = _service(uow, tenant)
        if schedule_id is not None:
            try:
                service.get(schedule_id)
            except KithError as exc:
                _fail_kith(exc)
        rows = [run_out(r) for r in service.repo.runs(schedule_id, limit)]
    lines = [
        f"{_when(r['started_at'])}  {r['job']:<18} {r['status']:<7} attempts={r['attempts']} "
        f"{r['seconds'] if r['seconds'] is not None else '-'}s"
        + (f"  {r['error']}" if r["error"] else "")
        for r in rows
    ]
    _report(rows, as_json, "\n".join(lines) or "no runs yet")
