"""``kith approvals list/approve/reject`` and ``kith decisions show``.

The CLI has direct database access, so it acts as an explicit person:
``--as EMAIL`` names the user who approves or rejects (they need the approver
role, exactly as over HTTP). Listing and reading run as the workspace's system
principal.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, NoReturn

import typer

from kith.access.service import system_principal
from kith.clikit import acting_person as _person
from kith.clikit import open_container
from kith.clikit import workspace_id as _tenant_id
from kith.container import Container
from kith.core.errors import KithError
from kith.core.serialize import dumps
from kith.gateway.approvals import ApprovalService
from kith.gateway.decisions import DecisionReader
from kith.gateway.gateway import gateway_of
from kith.gateway.schemas import ApprovalOut

approvals_app = typer.Typer(help="Review approval requests.", no_args_is_help=True)
decisions_app = typer.Typer(help="Read decision records.", no_args_is_help=True)

Tenant = Annotated[str, typer.Option(help="Workspace slug.")]
AsUser = Annotated[str, typer.Option("--as", help="Email of the person deciding.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _container() -> Container:
    return open_container()


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def fail_kith(exc: KithError) -> NoReturn:
    fail(
        "\n".join(
            [exc.detail] + [f"  {'.'.join(map(str, e.path))}: {e.message}" for e in exc.errors]
        )
    )


def report(data: Any, as_json: bool, human: str) -> None:
    if as_json:
        sys.stdout.write(dumps(data).decode() + "\n")
    else:
        typer.echo(human)


@approvals_app.command("list")
def approvals_list(
    status: Annotated[
        str, typer.Option(help="pending, approved, rejected, expired, executed or all.")
    ] = "pending",
    tenant: Tenant = "default",
    as_json: JsonFlag = False,
) -> None:
    """List approval requests (pending by default); overdue ones are marked expired."""
    container = _container()
    with container.uow() as uow:
        principal = system_principal(_tenant_id(uow, tenant))
        service = ApprovalService(gateway_of(container), uow, principal)
        rows = service.list(None if status == "all" else status)
        items = [ApprovalOut.of(r).model_dump(mode="json") for r in rows]
        uow.commit()
    lines = [
        f"{a['id']}  {a['status']:<9} {a['tool']:<22} {a['requester_name']} "
        f"(needs {a['approver_role']}, expires {a['expires_at']})"
        for a in items
    ]
    report({"items": items}, as_json, "\n".join(lines) or "no approval requests")


def _decide(tenant: str, email: str, decide: Any) -> dict[str, Any]:
    container = _container()
    with container.uow() as uow:
        tenant_id = _tenant_id(uow, tenant)
        service = ApprovalService(gateway_of(container), uow, _person(uow, tenant_id, email))
        try:
            data: dict[str, Any] = decide(service)
        except KithError as exc:
            fail_kith(exc)
        uow.commit()
    return data


@approvals_app.command("approve")
def approvals_approve(
    approval_id: Annotated[str, typer.Argument(help="Approval request id.")],
    as_user: AsUser,
    reason: Annotated[str | None, typer.Option(help="Why (recorded).")] = None,
    tenant: Tenant = "default",
    as_json: JsonFlag = False,
) -> None:
    """Approve a request: the call runs once, re-authorised now."""

    def decide(service: ApprovalService) -> dict[str, Any]:
        result = service.approve(approval_id, reason)
        return {
            "approval_id": approval_id,
            "status": result.status,
            "decision_id": result.decision_id,
            "reason": result.reason,
            "output": result.output,
        }

    data = _decide(tenant, as_user, decide)
    report(data, as_json, f"approved; the call {data['status']} (decision {data['decision_id']})")


@approvals_app.command("reject")
def approvals_reject(
    approval_id: Annotated[str, typer.Argument(help="Approval request id.")],
    as_user: AsUser,
    reason: Annotated[str, typer.Option(help="Why (recorded, shown to the requester).")],
    tenant: Tenant = "default",
    as_json: JsonFlag = False,
) -> None:
    """Reject a request with a reason; it never runs."""

    def decide(service: ApprovalService) -> dict[str, Any]:
        return {"approval_id": approval_id, "decision_id": service.reject(approval_id, reason)}

    data = _decide(tenant, as_user, decide)
    report(data, as_json, f"rejected (decision {data['decision_id']})")


@decisions_app.command("show")
def decisions_show(
    decision_id: Annotated[str, typer.Argument(help="Decision id.")],
    tenant: Tenant = "default",
    as_json: JsonFlag = False,
) -> None:
    """Show a decision record (the decision passport)."""
    with _container().uow() as uow:
        reader = DecisionReader(uow, system_principal(_tenant_id(uow, tenant)))
        try:
            view = reader.view(reader.get(decision_id))
        except KithError as exc:
            fail_kith(exc)
    report(view, as_json, _human(view))


def _human(view: dict[str, Any]) -> str:
    rationale = view.get("rationale") or {}
    lines = [
        f"decision {view['id']}  {view['status']}  {view['at']}",
        f"actor:    {view['actor']['name']} ({view['actor']['kind']})",
        f"tool:     {view['tool']}  purpose: {view['purpose']}",
        f"reason:   {view['reason'] or '-'}",
        f"consent:  {view['consent']['allowed']}  {view['consent']['basis'] or ''}",
        f"risk:     {view['risk']['level'] or '-'}",
    ]
    if view.get("on_behalf_of"):
        lines.insert(2, f"for:      {view['on_behalf_of']['name']}")
    if rationale:
        lines.append(f"rationale: {rationale.get('summary')} ({rationale.get('engine')})")
        lines += [
            f"  {f['name']} = {f['value']}  ({f['contribution']:+})"
            for f in rationale.get("factors", [])
        ]
    if view.get("approval"):
        approval = view["approval"]
        lines.append(f"approval: {approval['id']} {approval['status']}")
    return "\n".join(lines)
