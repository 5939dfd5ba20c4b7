"""Every query of the scheduling context.

Tenant-facing reads are scoped by the repository's tenant; the runner's
cross-tenant queries (what is due, claiming) are module functions, because the
runner serves every workspace of the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kith.scheduling.models import Schedule, ScheduleRun


class ScheduleRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def schedules(self) -> Sequence[Schedule]:
        return self.session.scalars(
            select(Schedule)
            .where(Schedule.tenant_id == self.tenant_id)
            .order_by(Schedule.created_at, Schedule.id)
        ).all()

    def schedule(self, schedule_id: str) -> Schedule | None:
        return self.session.scalar(
            select(Schedule).where(Schedule.tenant_id == self.tenant_id, Schedule.id == schedule_id)
        )

    def runs(self, schedule_id: str | None = None, limit: int = 50) -> Sequence[ScheduleRun]:
        stmt = select(ScheduleRun).where(ScheduleRun.tenant_id == self.tenant_id)
        if schedule_id is not None:
            stmt = stmt.where(ScheduleRun.schedule_id == schedule_id)
        return self.session.scalars(
            stmt.order_by(ScheduleRun.started_at.desc(), ScheduleRun.id.desc()).limit(limit)
        ).all()


def due(session: Session, now: datetime, limit: int) -> Sequence[Schedule]:
    """Enabled schedules whose time has come, oldest first.

    On PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED``: a second
    runner claiming at the same moment skips them instead of waiting. SQLite
    renders no lock (it has one writer); the compare-and-set in ``claim`` is what
    makes a claim exclusive on both.
    """
    return session.scalars(
        select(Schedule)
        .where(Schedule.enabled.is_(True), Schedule.next_run_at <= now)
        .order_by(Schedule.next_run_at, Schedule.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def claim(session: Session, schedule: Schedule, seen_next: datetime, new_next: datetime) -> bool:
    """Move ``next_run_at`` on only if nobody moved it since we read it."""
    result = session.execute(
        update(Schedule)
        .where(
            Schedule.id == schedule.id,
            Schedule.next_run_at == seen_next,
            Schedule.enabled.is_(True),
        )
        .values(next_run_at=new_next, last_status="running")
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
