"""``kith dispatch ...``: field engineers, work orders, recommendations, assignment,
status changes and the greedy day plan from the command line. Acts as the system for the
workspace ("kith dispatch"); changes to work orders go through the gateway like every
other entry point. ``kith.cli`` imports this module lazily; services are imported inside
the commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

import typer

from kith.clikit import JsonFlag, TenantOpt, fail, fail_kith, open_container, report
from kith.core.errors import KithError

dispatch_app = typer.Typer(
    help="Field service dispatch: engineers, work orders, recommendations, assignment.",
    no_args_is_help=True,
)
ACTOR = "kith dispatch"


def _run(tenant: str, action: Callable[[Any, Any, Any], Any]) -> Any:
    """``action(uow, principal, container)`` in one unit of work, committed."""
    from kith.access.repository import AccessRepository
    from kith.access.service import system_principal

    container = open_container(migrated=True)
    try:
        with container.uow() as uow:
            workspace = AccessRepository(uow.session).tenant_by_slug(tenant)
            if workspace is None:
                fail(f"--tenant: no workspace {tenant!r}; run 'kith init' first")
            result = action(uow, system_principal(workspace.id, ACTOR), container)
            uow.commit()
            return result
    except KithError as exc:
        fail_kith(exc)


def _tool(tenant: str, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    from kith.gateway.gateway import gateway_of

    def call(uow: Any, principal: Any, container: Any) -> Any:
        return gateway_of(container).execute(uow, principal, tool, args, purpose="service")

    result = _run(tenant, call)
    try:
        result.raise_for_outcome()
    except KithError as exc:
        fail_kith(exc)
    return {**(result.output or {}), "decision_id": result.decision_id}


@dispatch_app.command("engineers")
def engineers(tenant: TenantOpt = "default", as_json: JsonFlag = False) -> None:
    """List field engineers with their skills and home base."""
    from kith.fieldservice.schemas import EngineerOut
    from kith.fieldservice.service import FieldService

    rows = _run(
        tenant,
        lambda uow, p, c: [
            EngineerOut.model_validate(e).model_dump(mode="json")
            for e in FieldService(uow, p, c.clock).engineers()
        ],
    )
    lines = [
        f"{e['id']}  {e['name']:<8} {','.join(e['skills'])}  {','.join(e['regions'])}" for e in rows
    ]
    report(rows, as_json, "\n".join(lines) or "no engineers")


@dispatch_app.command("orders")
def orders(
    status: Annotated[list[str], typer.Option("--status", help="Repeatable.")] = [],  # noqa: B006
    limit: Annotated[int, typer.Option(min=1, max=500)] = 100,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """List work orders by time window."""
    from kith.fieldservice.rules import STATUSES
    from kith.fieldservice.schemas import WorkOrderOut
    from kith.fieldservice.service import FieldService

    unknown = sorted(set(status) - set(STATUSES))
    if unknown:
        fail(f"--status: unknown {', '.join(unknown)}; one of {', '.join(STATUSES)}")
    rows = _run(
        tenant,
        lambda uow, p, c: [
            WorkOrderOut.model_validate(o).model_dump(mode="json")
            for o in FieldService(uow, p, c.clock).work_orders(status, None, None, limit)
        ],
    )
    lines = [
        f"{o['id']}  {o['number']}  {o['status']:<9} {o['kind']:<12} {o['asset_serial']}  "
        f"{o['window_start']}"
        for o in rows
    ]
    report(rows, as_json, "\n".join(lines) or "no work orders")


@dispatch_app.command("show")
def show(
    work_order_id: Annotated[str, typer.Argument(help="Work order id")],
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """A work order with its history, the asset's repair history and the latest ranking."""
    from kith.fieldservice.service import FieldService

    detail = _run(
        tenant,
        lambda uow, p, c: (
            FieldService(uow, p, c.clock).detail(work_order_id).model_dump(mode="json")
        ),
    )
    lines = [f"{detail['number']}  {detail['status']}  {detail['title']}"]
    lines += [f"  {h['at']}  {h['from_status']} → {h['to_status']}" for h in detail["history"]]
    lines += [f"  asset: {o['number']} {o['kind']} {o['status']}" for o in detail["asset_history"]]
    report(detail, as_json, "\n".join(lines))


@dispatch_app.command("recommend")
def recommend(
    work_order_id: Annotated[str, typer.Argument(help="Work order id")],
    limit: Annotated[int, typer.Option(min=1, max=50)] = 10,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Rank the eligible engineers (tool dispatch.recommend), each explained."""
    out = _tool(tenant, "dispatch.recommend", {"work_order_id": work_order_id, "limit": limit})
    lines = [
        f"{r['rank']:>2}. {r['name']:<8} score {r['score']:.3f}  {r['distance_km']} km "
        f"{r['travel_min']} min  " + " ".join(f"{k}={v:.2f}" for k, v in r["factors"].items())
        for r in out["ranked"]
    ]
    excluded = ", ".join(f"{k}: {v}" for k, v in out["excluded_counts"].items())
    report(out, as_json, "\n".join([*lines, f"excluded — {excluded or 'none'}"]))


@dispatch_app.command("assign")
def assign(
    work_order_id: Annotated[str, typer.Argument(help="Work order id")],
    engineer_id: Annotated[str, typer.Argument(help="Engineer id")],
    reason: Annotated[
        str | None, typer.Option(help="Required to override the recommendation")
    ] = None,
    start: Annotated[str | None, typer.Option(help="ISO time; default the arrival")] = None,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Assign and schedule (tool workorders.assign)."""
    args: dict[str, Any] = {"work_order_id": work_order_id, "engineer_id": engineer_id}
    if reason:
        args["reason"] = reason
    if start:
        args["scheduled_start"] = start
    out = _tool(tenant, "workorders.assign", args)
    a = out["assignment"]
    human = f"assigned to {a['engineer_name']} at {a['scheduled_start']}" + (
        f" (override: {a['reason']})" if a["override"] else ""
    )
    report(out, as_json, human)


@dispatch_app.command("transition")
def transition(
    work_order_id: Annotated[str, typer.Argument(help="Work order id")],
    status: Annotated[str, typer.Argument(help="en_route, on_site, done, failed, ...")],
    reason: Annotated[str | None, typer.Option()] = None,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Move a work order along its status flow (tool workorders.transition)."""
    from kith.fieldservice.rules import STATUSES

    if status not in STATUSES:
        fail(f"STATUS: one of {', '.join(STATUSES)}")
    args: dict[str, Any] = {"work_order_id": work_order_id, "status": status}
    if reason:
        args["reason"] = reason
    out = _tool(tenant, "workorders.transition", args)
    report(out, as_json, f"{out['work_order']['number']}: {out['work_order']['status']}")


@dispatch_app.command("plan")
def plan(
    day: Annotated[str, typer.Option(help="Local day, e.g. 2026-12-09")],
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """A greedy plan for a day's proposed work orders (read only)."""
    from kith.fieldservice.dispatch import plan_for_day

    try:
        when = date.fromisoformat(day)
    except ValueError:
        fail(f"--day must be a date like 2026-12-09, not {day!r}")
    out = _run(tenant, lambda uow, p, c: plan_for_day(uow, p, when, c.clock()))
    report(out, as_json, f"{out['planned']} of {out['orders']} orders planned ({out['method']})")
