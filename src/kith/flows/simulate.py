"""Simulation: what a draft would have done with the last N real events of its trigger's
type, in dry run. Conditions and branches are evaluated for real; each tool step asks
``Gateway.preview`` (allowed, needs approval, refused — and why) instead of running;
an approval node counts one approval and goes on as if it were given; a wait goes on as
if the time had passed or the event had come. Nothing is written: no run, no step, no
decision record, no event.

A tool's output is unknown in a dry run: an expression that reads ``steps.<id>.output``
fails there, and the run's path stops at that node with the reason (``unknown``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kith.access.principal import Principal
from kith.core.clock import as_utc
from kith.core.expressions import ExpressionError
from kith.db.uow import UnitOfWork
from kith.flows.context import compiled, evaluate_args, event_values, run_values
from kith.flows.definition import (
    ApprovalNode,
    BranchNode,
    ConditionNode,
    EndNode,
    FlowDefinition,
    ToolNode,
    WaitNode,
)
from kith.flows.graph import choose_next
from kith.flows.repository import FlowRepository
from kith.gateway.gateway import Gateway

MAX_EVENTS = 1000
MAX_NODES_PER_RUN = 200
SAMPLES = 20


@dataclass
class SimulationReport:
    events: int = 0
    runs: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    branches: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    tools: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    approvals: int = 0
    waits: int = 0
    stopped: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "runs": self.runs,
            "outcomes": dict(self.outcomes),
            "branches": {node: dict(c) for node, c in sorted(self.branches.items())},
            "tools": {tool: dict(c) for tool, c in sorted(self.tools.items())},
            "tool_calls": sum(sum(c.values()) for c in self.tools.values()),
            "approvals": self.approvals,
            "waits": self.waits,
            "stopped": self.stopped,
            "samples": self.samples,
        }


def simulate(
    uow: UnitOfWork,
    gateway: Gateway,
    owner: Principal,
    definition: FlowDefinition,
    last: int,
) -> SimulationReport:
    """The dry run of ``definition`` over the tenant's last ``last`` events of its
    trigger's type (as ``owner`` would run it)."""
    report = SimulationReport()
    trigger = definition.trigger
    if trigger.event_type is None:
        return report
    repo = FlowRepository(uow.session, owner.tenant_id)
    entries = repo.recent_events(trigger.event_type, min(max(last, 1), MAX_EVENTS))
    flow_vars = {"key": definition.key, "version": 0, "run_id": "", "owner_id": owner.id}
    for entry in reversed(entries):
        report.events += 1
        event = event_values(
            event_id=entry.event_id,
            type_=entry.event_type,
            subject_type=entry.subject_type,
            subject_id=entry.subject_id,
            actor_kind=entry.actor_kind,
            occurred_at=as_utc(entry.occurred_at).isoformat(),
            payload=entry.payload or {},
        )
        context: dict[str, Any] = {"event": event, "steps": {}}
        if trigger.filter:
            try:
                if not compiled(trigger.filter).test(run_values(context, flow_vars)):
                    continue
            except ExpressionError:
                continue
        report.runs += 1
        path = _walk(uow, gateway, owner, definition, context, flow_vars, report)
        if len(report.samples) < SAMPLES:
            report.samples.append(
                {"event_id": entry.event_id, "subject_id": entry.subject_id, "path": path}
            )
    return report


def _walk(
    uow: UnitOfWork,
    gateway: Gateway,
    owner: Principal,
    definition: FlowDefinition,
    context: dict[str, Any],
    flow_vars: Mapping[str, Any],
    report: SimulationReport,
) -> list[dict[str, Any]]:
    path: list[dict[str, Any]] = []
    cursor: str | None = definition.trigger.next
    for _ in range(MAX_NODES_PER_RUN):
        if cursor is None:
            break
        node = definition.node(cursor)
        values = run_values(context, flow_vars)
        step: dict[str, Any] = {"node": node.id, "kind": node.kind}
        path.append(step)
        try:
            if isinstance(node, ConditionNode | BranchNode):
                target, branch = choose_next(node, values)
                step["branch"] = branch
                report.branches[node.id][target] += 1
                cursor = target
            elif isinstance(node, ToolNode):
                args = evaluate_args(node.args, values)
                preview = gateway.preview(uow, owner, node.tool, args, purpose=node.purpose)
                step.update(
                    tool=node.tool, args=args, preview=preview.status, reasons=list(preview.reasons)
                )
                report.tools[node.tool][preview.status] += 1
                if preview.status == "needs_approval":
                    report.approvals += 1
                context["steps"] = {
                    **context["steps"],
                    node.id: {"status": "simulated", "output": {}},
                }
                if preview.status == "refused":
                    if node.on_error is None:
                        report.outcomes["fails"] += 1
                        step["stop"] = "refused: the run would fail here"
                        report.stopped += 1
                        break
                    cursor = node.on_error
                else:
                    cursor = node.next
            elif isinstance(node, ApprovalNode):
                report.approvals += 1
                step["assumed"] = "approved"
                cursor = node.on_approved
            elif isinstance(node, WaitNode):
                report.waits += 1
                step["assumed"] = "the time passed" if node.duration else "the event came"
                cursor = node.next
            elif isinstance(node, EndNode):
                report.outcomes[node.outcome] += 1
                cursor = None
            else:
                cursor = None
        except ExpressionError as exc:
            step["stop"] = f"unknown in a dry run: {exc.message}"
            report.outcomes["unknown"] += 1
            report.stopped += 1
            break
    return path
