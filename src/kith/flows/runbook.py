"""What a run writes down: one step row per node executed (input, output, timing,
branch values, decision record) and its ``flow.*`` domain events."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from time import perf_counter
from typing import Any

from kith.core.domain import Actor, DomainEvent
from kith.core.event_types import EventType
from kith.db.uow import UnitOfWork
from kith.flows.definition import Node
from kith.flows.models import Flow, FlowRun, FlowStep


def attempt_of(run: FlowRun, node_id: str) -> int:
    return int((run.context.get("attempts") or {}).get(node_id, 1))


class RunBook:
    clock: Callable[[], datetime]

    def _record(
        self,
        uow: UnitOfWork,
        run: FlowRun,
        node: Node,
        status: str,
        started: float,
        *,
        input_: Mapping[str, Any] | None = None,
        output: Mapping[str, Any] | None = None,
        branch: Mapping[str, Any] | None = None,
        decision_id: str | None = None,
        approval_id: str | None = None,
        target: str | None = None,
        error: str | None = None,
    ) -> FlowStep:
        now = self.clock()
        step = FlowStep(
            tenant_id=run.tenant_id,
            run_id=run.id,
            seq=run.steps_done + 1,
            node_id=node.id,
            kind=node.kind,
            status=status,
            attempt=attempt_of(run, node.id),
            input=dict(input_) if input_ is not None else None,
            output=dict(output) if output is not None else None,
            branch=dict(branch) if branch is not None else None,
            next_node=target,
            decision_id=decision_id,
            approval_id=approval_id,
            error=error,
            started_at=now,
            finished_at=None if status == "waiting" else now,
            duration_ms=None
            if status == "waiting"
            else round((perf_counter() - started) * 1000, 3),
        )
        uow.session.add(step)
        return step

    @staticmethod
    def _remember(
        run: FlowRun, node_id: str, status: str, output: Mapping[str, Any] | None
    ) -> None:
        steps = dict(run.context.get("steps") or {})
        steps[node_id] = {"status": status, "output": dict(output or {})}
        run.context = {**run.context, "steps": steps}

    def _step_event(self, run: FlowRun, flow: Flow, step: FlowStep) -> DomainEvent:
        return self.flow_event(
            EventType.FLOW_STEP_COMPLETED,
            run,
            flow,
            seq=step.seq,
            node=step.node_id,
            kind=step.kind,
            status=step.status,
            next=step.next_node,
            decision_id=step.decision_id,
        )

    def flow_event(self, type_: EventType, run: FlowRun, flow: Flow, **payload: Any) -> DomainEvent:
        payload.setdefault("seq", run.steps_done)
        return DomainEvent(
            type=type_,
            tenant_id=run.tenant_id,
            subject_type="flow_run",
            subject_id=run.id,
            actor=Actor("system", None, f"flow {flow.key}"),
            payload={"flow": flow.key, "version": run.version, "status": run.status, **payload},
            summary=f"{type_.value}: {flow.name}"[:500],
            occurred_at=self.clock(),
        )
