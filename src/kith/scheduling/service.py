"""Use cases of the scheduling context: manage schedules, and run what is due.

``ScheduleService`` adds, lists, enables and removes a tenant's schedules (each
change audited). ``run_due`` is the runner: it claims the due schedules of every
tenant, runs each job in its own unit of work as the system principal of the
schedule's tenant, and records the run. One job's failure is recorded and never
stops the others.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import OperationalError

from kith.access.service import system_principal
from kith.container import Container
from kith.core.clock import utcnow
from kith.core.errors import FieldError, KithError, NotFound, ValidationFailed
from kith.core.serialize import dumps
from kith.db.uow import UnitOfWork
from kith.events.types import Actor
from kith.scheduling import registry
from kith.scheduling import repository as repo_mod
from kith.scheduling.models import Schedule, ScheduleRun
from kith.scheduling.repository import ScheduleRepository
from kith.scheduling.timing import Cadence, cadence_of, first_run, format_every, next_run

log = logging.getLogger("kith.scheduling")
MAX_ATTEMPTS = 2  # a job that hit a database hiccup gets one more try; domain errors do not
CLAIM_BATCH = 50
MAX_ERROR_CHARS = 4000


def cadence(schedule: Schedule) -> Cadence:
    return Cadence(schedule.every_minutes, schedule.daily_at)


def schedule_out(schedule: Schedule) -> dict[str, Any]:
    return {
        "id": schedule.id,
        "job": schedule.job,
        "params": schedule.params,
        "every": format_every(schedule.every_minutes) if schedule.every_minutes else None,
        "daily_at": schedule.daily_at,
        "cadence": cadence(schedule).describe(),
        "enabled": schedule.enabled,
        "next_run_at": schedule.next_run_at,
        "last_run_at": schedule.last_run_at,
        "last_status": schedule.last_status,
        "created_at": schedule.created_at,
        "created_by": schedule.created_by,
    }


def run_out(run: ScheduleRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "schedule_id": run.schedule_id,
        "job": run.job,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "status": run.status,
        "result": run.result,
        "error": run.error,
        "attempts": run.attempts,
        "seconds": run.seconds,
        "worker": run.worker,
    }


def job_names() -> list[str]:
    return registry.names()


def jobs_out() -> list[dict[str, Any]]:
    out = []
    for name in registry.names():
        job = registry.get(name)
        if job is not None:
            out.append(
                {
                    "name": job.name,
                    "description": job.description,
                    "default_params": dict(job.default_params),
                }
            )
    return out


class ScheduleService:
    def __init__(
        self,
        uow: UnitOfWork,
        tenant_id: str,
        actor: Actor,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.uow = uow
        self.tenant_id = tenant_id
        self.actor = actor
        self.clock = clock
        self.repo = ScheduleRepository(uow.session, tenant_id)

    def add(
        self,
        job: str,
        *,
        every: str | None = None,
        daily_at: str | None = None,
        params: Mapping[str, Any] | None = None,
        enabled: bool = True,
        run_now: bool = False,
        path: list[str | int] | None = None,
    ) -> Schedule:
        base = list(path or [])
        if job not in job_names():
            known = ", ".join(job_names()) or "none"
            raise ValidationFailed(
                f"unknown job {job!r}; known jobs: {known}",
                [FieldError([*base, "job"], "unknown job")],
            )
        spec = cadence_of(every, daily_at, base)
        _check_params(job, params or {}, base)
        now = self.clock()
        schedule = Schedule(
            tenant_id=self.tenant_id,
            job=job,
            params=dict(params or {}),
            every_minutes=spec.every_minutes,
            daily_at=spec.daily_at,
            enabled=enabled,
            next_run_at=now if run_now else first_run(spec, now),
            created_at=now,
            created_by=self.actor.name or self.actor.kind,
        )
        self.uow.session.add(schedule)
        self.uow.session.flush()
        self._audit("schedule.created", schedule, cadence=spec.describe(), params=schedule.params)
        return schedule

    def get(self, schedule_id: str) -> Schedule:
        schedule = self.repo.schedule(schedule_id)
        if schedule is None:
            raise NotFound(f"no schedule {schedule_id!r}")
        return schedule

    def set_enabled(self, schedule_id: str, enabled: bool) -> Schedule:
        schedule = self.get(schedule_id)
        if schedule.enabled != enabled:
            schedule.enabled = enabled
            if enabled:
                # Re-enabling does not replay the occurrences missed while it was off.
                schedule.next_run_at = next_run(
                    cadence(schedule), schedule.next_run_at, self.clock()
                )
            self.uow.session.flush()
            self._audit("schedule.enabled" if enabled else "schedule.disabled", schedule)
        return schedule

    def remove(self, schedule_id: str) -> None:
        schedule = self.get(schedule_id)
        self._audit("schedule.removed", schedule, cadence=cadence(schedule).describe())
        self.uow.session.delete(schedule)
        self.uow.session.flush()

    def _audit(self, action: str, schedule: Schedule, **detail: Any) -> None:
        self.uow.audit(
            self.tenant_id, self.actor, action, "schedule", schedule.id, job=schedule.job, **detail
        )


# -- the runner -------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    schedule_id: str
    tenant_id: str
    job: str
    params: dict[str, Any]
    run_id: str


def run_due(
    container: Container,
    now: datetime | None = None,
    worker: str | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> list[dict[str, Any]]:
    """Claim and run every schedule due at ``now``; returns one summary per run."""
    at = now or clock()
    results: list[dict[str, Any]] = []
    while True:
        claimed = _claim(container, at, worker)
        for item in claimed:
            results.append(_run_one(container, item, at, clock))
        if len(claimed) < CLAIM_BATCH:
            return results


def _claim(container: Container, now: datetime, worker: str | None) -> list[Claimed]:
    """One short transaction: advance each due schedule and open its run row."""
    out: list[Claimed] = []
    try:
        with container.uow() as uow:
            for schedule in repo_mod.due(uow.session, now, CLAIM_BATCH):
                upcoming = next_run(cadence(schedule), schedule.next_run_at, now)
                if not repo_mod.claim(uow.session, schedule, schedule.next_run_at, upcoming):
                    continue  # another runner took this occurrence
                run = ScheduleRun(
                    tenant_id=schedule.tenant_id,
                    schedule_id=schedule.id,
                    job=schedule.job,
                    started_at=now,
                    status="running",
                    attempts=0,
                    worker=worker,
                )
                uow.session.add(run)
                uow.session.flush()
                out.append(
                    Claimed(
                        schedule.id, schedule.tenant_id, schedule.job, dict(schedule.params), run.id
                    )
                )
            uow.commit()
    except OperationalError:
        # SQLite: a concurrent runner holds the write lock past the busy timeout.
        # Nothing was claimed; the next tick looks again.
        log.warning("could not claim due schedules; will retry on the next tick", exc_info=True)
        return []
    return out


def _run_one(
    container: Container, item: Claimed, now: datetime, clock: Callable[[], datetime]
) -> dict[str, Any]:
    job = registry.get(item.job)
    started = time.perf_counter()
    attempts = 0
    result: dict[str, Any] = {}
    error: str | None = None
    while attempts < MAX_ATTEMPTS:
        attempts += 1
        if job is None:
            error = f"job {item.job!r} is not registered in this process"
            break
        try:
            result = _execute(container, job, item, now)
            error = None
            break
        except KithError as exc:
            error = exc.detail
            break
        except Exception as exc:
            log.exception("scheduled job %s (schedule %s) failed", item.job, item.schedule_id)
            error = "".join(traceback.format_exception_only(exc)).strip() or type(exc).__name__
            if not isinstance(exc, OperationalError):
                break
    status = "failed" if error is not None else "ok"
    seconds = round(time.perf_counter() - started, 3)
    _finish(container, item, status, result, error, attempts, seconds, clock())
    return {
        "schedule_id": item.schedule_id,
        "run_id": item.run_id,
        "job": item.job,
        "tenant_id": item.tenant_id,
        "status": status,
        "attempts": attempts,
        "seconds": seconds,
        "result": result,
        "error": error,
    }


def _execute(
    container: Container, job: registry.Job, item: Claimed, now: datetime
) -> dict[str, Any]:
    params = {**job.default_params, **item.params}
    with container.uow() as uow:
        principal = system_principal(item.tenant_id, f"schedule {item.job}")
        context = registry.JobContext(uow, principal, item.tenant_id, params, now)
        result = dict(job.run(context))
        uow.commit()
    return _jsonable(result)


def _finish(
    container: Container,
    item: Claimed,
    status: str,
    result: dict[str, Any],
    error: str | None,
    attempts: int,
    seconds: float,
    finished: datetime,
) -> None:
    with container.uow() as uow:
        run = uow.session.get(ScheduleRun, item.run_id)
        if run is not None:
            run.status = status
            run.result = result
            run.error = error[:MAX_ERROR_CHARS] if error else None
            run.attempts = attempts
            run.seconds = seconds
            run.finished_at = finished
        schedule = uow.session.get(Schedule, item.schedule_id)
        if schedule is not None:
            schedule.last_run_at = run.started_at if run is not None else finished
            schedule.last_status = status
        uow.commit()


def _jsonable(value: dict[str, Any]) -> dict[str, Any]:
    """Job results go into a JSON column: datetimes and decimals become plain values."""
    plain: dict[str, Any] = json.loads(dumps(value))
    return plain


def _check_params(job: str, params: Mapping[str, Any], base: list[str | int]) -> None:
    """The job's own parameter check on what a run would get (defaults overlaid)."""
    found = registry.get(job)
    if found is None or found.check_params is None:
        return
    try:
        found.check_params({**found.default_params, **params})
    except ValidationFailed as exc:
        errors = [FieldError([*base, *e.path], e.message) for e in exc.errors]
        raise ValidationFailed(exc.detail, errors) from exc
