"""HTTP: the workspace's schedules, their runs and the jobs a schedule can name.

Changing schedules needs the ``schedule`` permission (admins); analysts may read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from kith.access import policy
from kith.api.deps import CurrentPrincipal, UoW, requires_scope
from kith.api.responses import KithJSON
from kith.scheduling import schemas as s
from kith.scheduling.service import ScheduleService, jobs_out, run_out, schedule_out

router = APIRouter(prefix="/api/v1", default_response_class=KithJSON, tags=["Schedules"])
Id = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


def _service(uow: UoW, principal: CurrentPrincipal) -> ScheduleService:
    return ScheduleService(uow, principal.tenant_id, principal.actor)


@router.get(
    "/schedules",
    response_model=list[s.ScheduleOut],
    dependencies=[requires_scope("schedules:read")],
)
def list_schedules(uow: UoW, principal: CurrentPrincipal) -> list[s.ScheduleOut]:
    """Every schedule of the workspace with its next run and last outcome."""
    policy.require(principal, "schedule", "read")
    return [s.ScheduleOut(**schedule_out(x)) for x in _service(uow, principal).repo.schedules()]


@router.get(
    "/schedules/jobs",
    response_model=list[s.JobOut],
    dependencies=[requires_scope("schedules:read")],
)
def list_jobs(principal: CurrentPrincipal) -> list[s.JobOut]:
    """The jobs a schedule can run, with their default parameters."""
    policy.require(principal, "schedule", "read")
    return [s.JobOut(**j) for j in jobs_out()]


@router.post(
    "/schedules",
    status_code=201,
    response_model=s.ScheduleOut,
    dependencies=[requires_scope("schedules:write")],
)
def add_schedule(body: s.ScheduleIn, uow: UoW, principal: CurrentPrincipal) -> s.ScheduleOut:
    """Run a job every period (``every``: 15m, 6h, 1d) or daily at a UTC time (``daily_at``)."""
    policy.require(principal, "schedule", "create")
    schedule = _service(uow, principal).add(
        body.job,
        every=body.every,
        daily_at=body.daily_at,
        params=body.params,
        enabled=body.enabled,
        run_now=body.run_now,
        path=["body"],
    )
    out = s.ScheduleOut(**schedule_out(schedule))
    uow.commit()
    return out


@router.get(
    "/schedules/{schedule_id}",
    response_model=s.ScheduleOut,
    dependencies=[requires_scope("schedules:read")],
)
def get_schedule(schedule_id: Id, uow: UoW, principal: CurrentPrincipal) -> s.ScheduleOut:
    policy.require(principal, "schedule", "read")
    return s.ScheduleOut(**schedule_out(_service(uow, principal).get(schedule_id)))


@router.patch(
    "/schedules/{schedule_id}",
    response_model=s.ScheduleOut,
    dependencies=[requires_scope("schedules:write")],
)
def patch_schedule(
    schedule_id: Id, body: s.SchedulePatch, uow: UoW, principal: CurrentPrincipal
) -> s.ScheduleOut:
    """Pause or resume a schedule (resuming skips the runs missed meanwhile)."""
    policy.require(principal, "schedule", "update")
    schedule = _service(uow, principal).set_enabled(schedule_id, body.enabled)
    out = s.ScheduleOut(**schedule_out(schedule))
    uow.commit()
    return out


@router.delete(
    "/schedules/{schedule_id}", status_code=204, dependencies=[requires_scope("schedules:write")]
)
def remove_schedule(schedule_id: Id, uow: UoW, principal: CurrentPrincipal) -> Response:
    policy.require(principal, "schedule", "delete")
    _service(uow, principal).remove(schedule_id)
    uow.commit()
    return Response(status_code=204)


@router.get(
    "/schedules/{schedule_id}/runs",
    response_model=list[s.ScheduleRunOut],
    dependencies=[requires_scope("schedules:read")],
)
def schedule_runs(
    schedule_id: Id,
    uow: UoW,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[s.ScheduleRunOut]:
    """The most recent runs of a schedule, newest first, with their result or error."""
    policy.require(principal, "schedule", "read")
    service = _service(uow, principal)
    service.get(schedule_id)
    return [s.ScheduleRunOut(**run_out(r)) for r in service.repo.runs(schedule_id, limit)]
