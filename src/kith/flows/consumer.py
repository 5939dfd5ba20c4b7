"""The flows consumer (registered by ``kith.bootstrap.wire``): every committed event may
start runs of published flows whose trigger it matches, end waits for it, end
approval waits, or advance a run (its own ``flow.*`` events). Each event is applied in
the consumer framework's unit of work, committed with the consumed mark: exactly once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kith.core.clock import as_utc
from kith.core.event_types import EventType
from kith.core.expressions import ExpressionError
from kith.db.uow import UnitOfWork
from kith.events.envelope import Envelope
from kith.flows.context import compiled, event_values, run_values
from kith.flows.engine import FlowEngine
from kith.flows.models import Flow
from kith.flows.repository import FlowRepository
from kith.gateway.gateway import gateway_of

if TYPE_CHECKING:
    from kith.container import Container

CONSUMER_NAME = "flows"
ADVANCING = frozenset(
    {EventType.FLOW_RUN_STARTED, EventType.FLOW_STEP_COMPLETED, EventType.FLOW_RUN_RETRIED}
)
APPROVALS = frozenset(
    {EventType.APPROVAL_APPROVED, EventType.APPROVAL_REJECTED, EventType.APPROVAL_CANCELLED}
)


# What the consumer never acts on: a flow cannot be triggered by, or wait for, another
# flow's events (validation refuses ``flow.*`` there), so these are not even delivered.
IGNORED = frozenset(
    {
        EventType.FLOW_SAVED,
        EventType.FLOW_PUBLISHED,
        EventType.FLOW_RETIRED,
        EventType.FLOW_RUN_WAITING,
        EventType.FLOW_RUN_CANCELLED,
        EventType.FLOW_RUN_FAILED,
        EventType.FLOW_RUN_COMPLETED,
    }
)
SUBSCRIBED = frozenset(t.value for t in EventType if t not in IGNORED)


def envelope_event(envelope: Envelope) -> dict[str, Any]:
    return event_values(
        event_id=envelope.event_id,
        type_=envelope.type,
        subject_type=envelope.subject_type,
        subject_id=envelope.subject_id,
        actor_kind=envelope.actor_kind,
        occurred_at=as_utc(envelope.occurred_at).isoformat(),
        payload=envelope.payload,
    )


def handle_event(uow: UnitOfWork, engine: FlowEngine, envelope: Envelope) -> int:
    """Apply one event; how many runs it started, moved or resumed."""
    repo = FlowRepository(uow.session, envelope.tenant_id)
    if envelope.type in ADVANCING:
        run = repo.run(envelope.subject_id)
        seq = envelope.payload.get("seq")
        if run is not None and run.status == "running" and seq == run.steps_done:
            return int(engine.advance(uow, run))
        return 0
    touched = 0
    if envelope.type in APPROVALS:
        done = envelope.type == EventType.APPROVAL_APPROVED and envelope.payload.get(
            "result_status"
        ) in ("executed", "duplicate")
        outcome = "done" if done else "rejected"
        for run in repo.waiting_for_key(envelope.subject_id):
            output = {"approval": envelope.type, "by": envelope.actor_id}
            if envelope.payload.get("reason"):
                output["reason"] = envelope.payload["reason"]
            touched += int(engine.resume(uow, run, outcome, output))
    event = envelope_event(envelope)
    for run in repo.waiting_for_event(envelope.type):
        if _matches(run.context, run.flow_id, uow, event):
            touched += int(engine.resume(uow, run, "done", {"event": event}))
    for flow, version in repo.published_for(envelope.type):
        run = engine.start(
            uow, flow, version, event, start_key=envelope.event_id, started_by=envelope.type
        )
        if run is not None:
            engine.advance(uow, run)
            touched += 1
    return touched


def _matches(
    context: Mapping[str, Any], flow_id: str, uow: UnitOfWork, incoming: Mapping[str, Any]
) -> bool:
    """A waiting run's ``until_event.match`` over the arriving event."""
    match = (context.get("wait") or {}).get("match")
    if not match:
        return True
    flow = uow.session.get(Flow, flow_id)
    values = {
        **run_values(context, {"key": flow.key if flow else "", "owner_id": ""}),
        "incoming": dict(incoming),
    }
    try:
        return compiled(match, "incoming").test(values)
    except ExpressionError:
        return False


class FlowsConsumer:
    name = CONSUMER_NAME
    event_types: frozenset[str] | None = SUBSCRIBED  # any record or gateway event

    def __init__(self, engine: FlowEngine) -> None:
        self.engine = engine

    def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
        handle_event(uow, self.engine, envelope)


def flows_consumer(container: Container) -> FlowsConsumer:
    return FlowsConsumer(FlowEngine(gateway_of(container), container.clock))
