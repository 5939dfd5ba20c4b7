"""Tables of flows: the flow, its versions (draft → published → retired), its runs (each
pinned to the version it started on) and the steps of each run (one row per node
executed, with its input, output, timing, condition values and decision record)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin


class Flow(IdMixin, TenantMixin, Base):
    """A named automation; its behaviour is in its versions. ``owner_id`` is the user
    whose rights every tool step runs with."""

    __tablename__ = "flows"
    __table_args__ = (Index("uq_flows_key", "tenant_id", "key", unique=True),)

    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[str] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlowVersion(IdMixin, TenantMixin, Base):
    """One version of a flow's definition. A published version is never edited; at most
    one version of a flow is published (publishing retires the previous one)."""

    __tablename__ = "flow_versions"
    __table_args__ = (
        Index("uq_flow_versions_flow_version", "flow_id", "version", unique=True),
        Index("ix_flow_versions_trigger", "tenant_id", "status", "trigger_event"),
    )

    flow_id: Mapped[str] = mapped_column(ID)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft|published|retired
    definition: Mapped[dict[str, Any]]
    # the event type the trigger listens to (None: manual start), for the consumer's lookup
    trigger_event: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class FlowRun(IdMixin, TenantMixin, Base):
    """One execution of one flow version. ``cursor`` is the node to execute next;
    a waiting run says what it waits for (an event type and match, an approval id) and
    until when (``due_at``, fired by the ``flows.fire_due`` job)."""

    __tablename__ = "flow_runs"
    __table_args__ = (
        Index("ix_flow_runs_flow", "tenant_id", "flow_id", "started_at"),
        Index("ix_flow_runs_due", "status", "due_at"),
        Index("ix_flow_runs_wait_event", "tenant_id", "status", "wait_event"),
        Index("ix_flow_runs_wait_key", "tenant_id", "wait_key"),
        Index("uq_flow_runs_start", "version_id", "start_key", unique=True),
    )

    flow_id: Mapped[str] = mapped_column(ID)
    version_id: Mapped[str] = mapped_column(ID)
    version: Mapped[int] = mapped_column(Integer)
    # running | waiting | completed | failed | cancelled
    status: Mapped[str] = mapped_column(String(12), default="running")
    cursor: Mapped[str | None] = mapped_column(String(64))
    # one run per (version, triggering event): a redelivered event starts nothing new
    start_key: Mapped[str] = mapped_column(String(80))
    trigger_event_id: Mapped[str | None] = mapped_column(String(32))
    context: Mapped[dict[str, Any]]  # {"event": ..., "steps": {node: {...}}}
    wait_kind: Mapped[str | None] = mapped_column(String(16))  # duration|event|approval
    wait_event: Mapped[str | None] = mapped_column(String(64))
    wait_key: Mapped[str | None] = mapped_column(String(64))  # approval id
    wait_reason: Mapped[str | None] = mapped_column(String(500))
    waiting_since: Mapped[datetime | None] = mapped_column(default=None)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    steps_done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    # optimistic lock: two transactions moving one run (an approval and its timeout)
    # cannot both commit; the loser is retried and finds the run moved on
    revision: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012


class FlowStep(IdMixin, TenantMixin, Base):
    """One node executed by a run: what it got, what it gave, how long it took, the
    values that chose a branch and, for a tool step, the gateway's decision record."""

    __tablename__ = "flow_steps"
    __table_args__ = (Index("uq_flow_steps_run_seq", "run_id", "seq", unique=True),)

    run_id: Mapped[str] = mapped_column(ID)
    seq: Mapped[int] = mapped_column(Integer)
    node_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    # completed | failed | waiting | refused
    status: Mapped[str] = mapped_column(String(12))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    input: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    output: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    branch: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    next_node: Mapped[str | None] = mapped_column(String(64))
    decision_id: Mapped[str | None] = mapped_column(ID)
    approval_id: Mapped[str | None] = mapped_column(ID)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    duration_ms: Mapped[float | None] = mapped_column(default=None)
