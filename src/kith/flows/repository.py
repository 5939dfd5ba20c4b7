"""Queries of the flows context, always tenant-filtered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kith.flows.models import Flow, FlowRun, FlowStep, FlowVersion
from kith.timeline.models import TimelineEntry


class FlowRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def flows(self) -> Sequence[Flow]:
        return self.session.scalars(
            select(Flow).where(Flow.tenant_id == self.tenant_id).order_by(Flow.key)
        ).all()

    def flow(self, key: str) -> Flow | None:
        return self.session.scalars(
            select(Flow).where(Flow.tenant_id == self.tenant_id, Flow.key == key)
        ).first()

    def versions(self, flow_id: str) -> Sequence[FlowVersion]:
        return self.session.scalars(
            select(FlowVersion)
            .where(FlowVersion.tenant_id == self.tenant_id, FlowVersion.flow_id == flow_id)
            .order_by(FlowVersion.version)
        ).all()

    def published_for(self, event_type: str) -> Sequence[tuple[Flow, FlowVersion]]:
        rows = self.session.execute(
            select(Flow, FlowVersion)
            .join(FlowVersion, FlowVersion.flow_id == Flow.id)
            .where(
                FlowVersion.tenant_id == self.tenant_id,
                FlowVersion.status == "published",
                FlowVersion.trigger_event == event_type,
            )
        ).all()
        return [(f, v) for f, v in rows]

    def run(self, run_id: str) -> FlowRun | None:
        run = self.session.get(FlowRun, run_id)
        return run if run is not None and run.tenant_id == self.tenant_id else None

    def runs(self, flow_id: str, status: str | None, limit: int) -> Sequence[FlowRun]:
        stmt = select(FlowRun).where(
            FlowRun.tenant_id == self.tenant_id, FlowRun.flow_id == flow_id
        )
        if status:
            stmt = stmt.where(FlowRun.status == status)
        return self.session.scalars(
            stmt.order_by(FlowRun.started_at.desc(), FlowRun.id).limit(limit)
        ).all()

    def steps(self, run_id: str) -> Sequence[FlowStep]:
        return self.session.scalars(
            select(FlowStep)
            .where(FlowStep.tenant_id == self.tenant_id, FlowStep.run_id == run_id)
            .order_by(FlowStep.seq)
        ).all()

    def waiting_for_event(self, event_type: str) -> Sequence[FlowRun]:
        return self.session.scalars(
            select(FlowRun).where(
                FlowRun.tenant_id == self.tenant_id,
                FlowRun.status == "waiting",
                FlowRun.wait_event == event_type,
            )
        ).all()

    def waiting_for_key(self, key: str) -> Sequence[FlowRun]:
        return self.session.scalars(
            select(FlowRun).where(
                FlowRun.tenant_id == self.tenant_id,
                FlowRun.status == "waiting",
                FlowRun.wait_key == key,
            )
        ).all()

    def recent_events(self, event_type: str, limit: int) -> Sequence[TimelineEntry]:
        """The last ``limit`` events of a type (the timeline keeps every committed event)."""
        return self.session.scalars(
            select(TimelineEntry)
            .where(
                TimelineEntry.tenant_id == self.tenant_id, TimelineEntry.event_type == event_type
            )
            .order_by(TimelineEntry.occurred_at.desc(), TimelineEntry.id)
            .limit(limit)
        ).all()


def due_runs(session: Session, now: datetime, limit: int) -> Sequence[FlowRun]:
    """Waiting runs whose due time has come, every tenant (the job fires them per tenant)."""
    return session.scalars(
        select(FlowRun)
        .where(FlowRun.status == "waiting", FlowRun.due_at <= now)
        .order_by(FlowRun.due_at, FlowRun.id)
        .limit(limit)
    ).all()
