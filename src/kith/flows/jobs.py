"""The flows job: fire the waits whose due time has come (a duration passed, an event
or an approval did not come in time). Waits are rows, so a wait of days costs nothing
while it waits, and a due time passed while Kith was down fires at the next tick."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from kith.access.service import system_principal
from kith.db.uow import UnitOfWork
from kith.flows.engine import FlowEngine
from kith.flows.models import FlowRun
from kith.gateway.approvals import cancel_approval
from kith.gateway.models import ApprovalRequest
from kith.scheduling.registry import JobContext, job

BATCH = 500


def fire_due(
    uow: UnitOfWork, tenant_id: str, now: datetime, clock: Callable[[], datetime] | None = None
) -> int:
    """Resume the tenant's waiting runs due at ``now``; how many."""
    engine = FlowEngine(None, clock or (lambda: now))
    runs = uow.session.scalars(
        select(FlowRun)
        .where(FlowRun.tenant_id == tenant_id, FlowRun.status == "waiting", FlowRun.due_at <= now)
        .order_by(FlowRun.due_at, FlowRun.id)
        .limit(BATCH)
    ).all()
    fired = 0
    for run in runs:
        kind = run.wait_kind
        if kind == "approval" and run.wait_key:
            _withdraw(uow, tenant_id, run.wait_key, now)
        outcome = "done" if kind == "duration" else "timeout"
        fired += int(engine.resume(uow, run, outcome, {"fired_at": now.isoformat()}))
    return fired


def _withdraw(uow: UnitOfWork, tenant_id: str, approval_id: str, now: datetime) -> None:
    """A timed-out approval can no longer be given: cancel the pending request."""
    request = uow.session.get(ApprovalRequest, approval_id)
    if request is None or request.tenant_id != tenant_id or request.status != "pending":
        return
    cancel_approval(
        uow,
        system_principal(tenant_id, "flows"),
        request,
        why="the flow stopped waiting for this approval (timeout)",
        consent_reason="not a consent matter: the flow's approval timed out",
        consent_basis="flow:timeout",
        now=now,
    )


@job(
    "flows.fire_due",
    "Fire the waits of flow runs whose due time has come (durations, event and approval "
    "timeouts); runs a restart left behind are fired at the next tick",
)
def fire_due_job(ctx: JobContext) -> Mapping[str, Any]:
    return {"fired": fire_due(ctx.uow, ctx.tenant_id, ctx.now)}
