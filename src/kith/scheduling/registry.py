"""The jobs a schedule can name.

A bounded context registers a job with ``@job("segments.refresh", ...)`` at import
time; the scheduler (``kith.scheduling.service``) looks jobs up by name when a
schedule falls due, runs each in its own unit of work and records the result.
Jobs are tenant-scoped: the context tells them whose data to touch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kith.access.principal import Principal
from kith.db.uow import UnitOfWork


@dataclass(frozen=True)
class JobContext:
    """What a job run gets: the unit of work it must use (the scheduler commits),
    the principal it acts as, the schedule's parameters and the run's clock."""

    uow: UnitOfWork
    principal: Principal
    tenant_id: str
    params: Mapping[str, Any]
    now: datetime


JobFn = Callable[[JobContext], Mapping[str, Any]]
# Checks a schedule's parameters when it is added, so a bad one is refused at once
# (ValidationFailed with paths under ``params``) instead of failing every run.
ParamsCheck = Callable[[Mapping[str, Any]], None]


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    run: JobFn
    default_params: Mapping[str, Any] = field(default_factory=dict)
    check_params: ParamsCheck | None = None


_JOBS: dict[str, Job] = {}


def job(
    name: str,
    description: str,
    default_params: Mapping[str, Any] | None = None,
    check_params: ParamsCheck | None = None,
) -> Callable[[JobFn], JobFn]:
    """Register ``fn`` as the job ``name``; registering a name twice is a bug."""

    def register(fn: JobFn) -> JobFn:
        if name in _JOBS and _JOBS[name].run is not fn:
            raise ValueError(f"job {name!r} is already registered")
        _JOBS[name] = Job(name, description, fn, dict(default_params or {}), check_params)
        return fn

    return register


def get(name: str) -> Job | None:
    return _JOBS.get(name)


def names() -> list[str]:
    return sorted(_JOBS)
