"""HTTP shapes of flows: versions, runs with their steps, simulation and run requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from kith.flows.models import Flow, FlowRun, FlowStep, FlowVersion


class FlowVersionOut(BaseModel):
    version: int
    status: str
    definition: dict[str, Any]
    created_at: datetime
    created_by: str | None
    published_at: datetime | None
    retired_at: datetime | None


class FlowOut(BaseModel):
    key: str
    name: str
    owner_id: str
    published: int | None
    versions: list[FlowVersionOut]


class FlowStepOut(BaseModel):
    seq: int
    node_id: str
    kind: str
    status: str
    attempt: int
    input: dict[str, Any] | None
    output: dict[str, Any] | None
    branch: dict[str, Any] | None = Field(
        description="The condition values that chose the next node"
    )
    next_node: str | None
    decision_id: str | None = Field(description="The gateway's decision record of a tool step")
    approval_id: str | None
    error: str | None
    started_at: datetime
    finished_at: datetime | None
    duration_ms: float | None


class FlowRunOut(BaseModel):
    id: str
    flow: str
    version: int
    status: str
    cursor: str | None
    trigger_event_id: str | None
    waiting: dict[str, Any] | None = Field(description="What the run waits for, since when, until")
    error: str | None
    started_by: str | None
    started_at: datetime
    finished_at: datetime | None
    steps_done: int


class FlowRunDetailOut(FlowRunOut):
    event: dict[str, Any]
    path: list[str]
    steps: list[FlowStepOut]


class FlowRunIn(BaseModel):
    payload: dict[str, Any] = Field(default_factory=dict, description="The event's payload")


class FlowCancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class FlowSimulateIn(BaseModel):
    definition: dict[str, Any] | None = Field(
        default=None, description="A definition to simulate; default: the flow's latest draft"
    )
    last: int = Field(default=100, ge=1, le=1000)


def version_out(row: FlowVersion) -> FlowVersionOut:
    return FlowVersionOut(
        version=row.version,
        status=row.status,
        definition=row.definition,
        created_at=row.created_at,
        created_by=row.created_by,
        published_at=row.published_at,
        retired_at=row.retired_at,
    )


def flow_out(flow: Flow, versions: list[FlowVersion]) -> FlowOut:
    published = [v.version for v in versions if v.status == "published"]
    return FlowOut(
        key=flow.key,
        name=flow.name,
        owner_id=flow.owner_id,
        published=published[-1] if published else None,
        versions=[version_out(v) for v in versions],
    )


def run_out(run: FlowRun, flow_key: str) -> FlowRunOut:
    return FlowRunOut(**_run_fields(run, flow_key))


def _run_fields(run: FlowRun, flow_key: str) -> dict[str, Any]:
    waiting = None
    if run.status == "waiting":
        waiting = {
            "kind": run.wait_kind,
            "reason": run.wait_reason,
            "event_type": run.wait_event,
            "approval_id": run.wait_key if run.wait_kind == "approval" else None,
            "since": run.waiting_since,
            "until": run.due_at,
        }
    return {
        "id": run.id,
        "flow": flow_key,
        "version": run.version,
        "status": run.status,
        "cursor": run.cursor,
        "trigger_event_id": run.trigger_event_id,
        "waiting": waiting,
        "error": run.error,
        "started_by": run.started_by,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "steps_done": run.steps_done,
    }


def run_detail_out(run: FlowRun, flow_key: str, steps: list[FlowStep]) -> FlowRunDetailOut:
    return FlowRunDetailOut(
        **_run_fields(run, flow_key),
        event=dict(run.context.get("event") or {}),
        path=[s.node_id for s in steps],
        steps=[
            FlowStepOut(
                seq=s.seq,
                node_id=s.node_id,
                kind=s.kind,
                status=s.status,
                attempt=s.attempt,
                input=s.input,
                output=s.output,
                branch=s.branch,
                next_node=s.next_node,
                decision_id=s.decision_id,
                approval_id=s.approval_id,
                error=s.error,
                started_at=s.started_at,
                finished_at=s.finished_at,
                duration_ms=s.duration_ms,
            )
            for s in steps
        ],
    )
