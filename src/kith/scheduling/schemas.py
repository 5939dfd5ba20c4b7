"""The HTTP contracts of the scheduling context."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    job: str = Field(min_length=1, max_length=100, examples=["models.retrain"])
    every: str | None = Field(
        default=None, max_length=20, description="Period: 15m, 6h, 1d.", examples=["1d"]
    )
    daily_at: str | None = Field(
        default=None, max_length=5, description="Daily time, HH:MM UTC.", examples=["02:30"]
    )
    params: dict[str, Any] = Field(default_factory=dict, examples=[{"models": ["deal_win"]}])
    enabled: bool = True
    run_now: bool = Field(
        default=False, description="First run at the next tick instead of after one period."
    )


class SchedulePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool


class ScheduleOut(BaseModel):
    id: str
    job: str
    params: dict[str, Any]
    every: str | None
    daily_at: str | None
    cadence: str
    enabled: bool
    next_run_at: datetime
    last_run_at: datetime | None
    last_status: str | None
    created_at: datetime
    created_by: str | None


class ScheduleRunOut(BaseModel):
    id: str
    schedule_id: str
    job: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    result: dict[str, Any]
    error: str | None
    attempts: int
    seconds: float | None
    worker: str | None


class JobOut(BaseModel):
    name: str
    description: str
    default_params: dict[str, Any]
