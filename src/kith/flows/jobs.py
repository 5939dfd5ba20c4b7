"""The flows job: fire the waits whose due time has come (a duration passed, an event
or an approval did not come in time). Waits are rows, so a wait of days costs nothing
while it waits, and a due time passed while Kith was down fires at the next tick."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from kith.access.service import system_principal
from kith.core.event_types import EventType
from kith.db.uow import UnitOfWork
from kith.flows.engine import FlowEngine
from kith.flows.models import Flow, FlowRun, FlowStep
from kith.gateway.approvals import cancel_approval
from kith.gateway.models import ApprovalRequest
from kith.gateway.notify import notify
from kith.gateway.principals import resolve_principal
from kith.scheduling.registry import JobContext, job

BATCH = 500
# A running run whose last step is older than this lost the event that should have moved
# it (a dead letter, a crash before the relay): the job nudges it, and tells its owner
# from the third nudge on — no run hangs silently.
STUCK_AFTER = timedelta(minutes=10)
NUDGES_BEFORE_ALERT = 3


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


def nudge_stuck(uow: UnitOfWork, tenant_id: str, now: datetime) -> int:
    """Emit ``flow.run_retried`` for running runs idle for ``STUCK_AFTER``; the consumer
    advances them. How many were nudged."""
    last = (
        select(FlowStep.run_id, func.max(FlowStep.finished_at).label("at"))
        .where(FlowStep.tenant_id == tenant_id)
        .group_by(FlowStep.run_id)
        .subquery()
    )
    runs = uow.session.scalars(
        select(FlowRun)
        .join(last, last.c.run_id == FlowRun.id)
        .where(
            FlowRun.tenant_id == tenant_id,
            FlowRun.status == "running",
            last.c.at <= now - STUCK_AFTER,
        )
        .limit(BATCH)
    ).all()
    engine = FlowEngine(None, lambda: now)
    for run in runs:
        flow = uow.session.get(Flow, run.flow_id)
        if flow is None:
            continue
        nudges = int(run.context.get("nudges") or 0) + 1
        run.context = {**run.context, "nudges": nudges}
        uow.emit(
            engine.flow_event(
                EventType.FLOW_RUN_RETRIED, run, flow, node=run.cursor, reason="stuck", nudge=nudges
            )
        )
        owner = resolve_principal(uow.session, tenant_id, "user", flow.owner_id)
        if nudges >= NUDGES_BEFORE_ALERT and owner is not None and owner.user_id:
            notify(
                uow,
                owner,
                owner.user_id,
                kind="flow_run_stuck",
                title=f"流程运行停滞 / Flow run stuck: {flow.name}"[:300],
                body=f"Run {run.id} has not moved since {now - STUCK_AFTER:%Y-%m-%d %H:%M} UTC "
                f"(node {run.cursor}); nudged {nudges} times.",
                subject_type="flow_run",
                subject_id=run.id,
            )
    return len(runs)


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
    "timeouts); runs a restart left behind are fired at the next tick, and running runs "
    "idle for 10 minutes are nudged (their owner told from the third time)",
)
def fire_due_job(ctx: JobContext) -> Mapping[str, Any]:
    fired = fire_due(ctx.uow, ctx.tenant_id, ctx.now)
    return {"fired": fired, "nudged": nudge_stuck(ctx.uow, ctx.tenant_id, ctx.now)}
