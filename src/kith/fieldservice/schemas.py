"""Pydantic schemas of field service: what the API, the CLI and the gateway tools accept
and return."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from kith.fieldservice.ranking import check_weights
from kith.fieldservice.rules import Kind, Status

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^\S+$")
]
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]
HHMM = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Priority = Annotated[str, StringConstraints(pattern=r"^(low|normal|high|urgent)$")]
MAX_LIST = 50


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Certification(Strict):
    skill: Code
    expires_on: date


class BusyBlock(Strict):
    start: AwareDatetime
    end: AwareDatetime
    note: Annotated[str, StringConstraints(max_length=200)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> BusyBlock:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


def _zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


class EngineerIn(Strict):
    """A field engineer: a Kith user (``user_id``) or partner staff (``provider_id``)."""

    name: Name
    user_id: Ref | None = None
    provider_id: Ref | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    skills: Annotated[list[Code], Field(max_length=MAX_LIST)] = Field(default_factory=list)
    certifications: Annotated[list[Certification], Field(max_length=MAX_LIST)] = Field(
        default_factory=list
    )
    regions: Annotated[list[Name], Field(max_length=MAX_LIST)] = Field(default_factory=list)
    home_lat: Lat
    home_lon: Lon
    timezone: Annotated[str, StringConstraints(max_length=64)] = "Asia/Shanghai"
    work_start: HHMM = "08:30"
    work_end: HHMM = "17:30"
    work_days: Annotated[list[Annotated[int, Field(ge=1, le=7)]], Field(max_length=7)] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5]
    )
    calendar: Annotated[list[BusyBlock], Field(max_length=200)] = Field(default_factory=list)

    _tz = field_validator("timezone")(_zone)

    @model_validator(mode="after")
    def _consistent(self) -> EngineerIn:
        if self.work_end <= self.work_start:
            raise ValueError("work_end must be after work_start")
        uncertified = {c.skill for c in self.certifications} - set(self.skills)
        if uncertified:
            raise ValueError(f"certifications name skills not in skills: {sorted(uncertified)}")
        return self


class EngineerPatch(Strict):
    """Fields to change; absent fields stay."""

    name: Name | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    skills: Annotated[list[Code], Field(max_length=MAX_LIST)] | None = None
    certifications: Annotated[list[Certification], Field(max_length=MAX_LIST)] | None = None
    regions: Annotated[list[Name], Field(max_length=MAX_LIST)] | None = None
    home_lat: Lat | None = None
    home_lon: Lon | None = None
    work_start: HHMM | None = None
    work_end: HHMM | None = None
    work_days: Annotated[list[Annotated[int, Field(ge=1, le=7)]], Field(max_length=7)] | None = None
    calendar: Annotated[list[BusyBlock], Field(max_length=200)] | None = None
    active: bool | None = None


class LocationIn(Strict):
    lat: Lat
    lon: Lon
    at: AwareDatetime | None = Field(default=None, description="When measured (default: now)")


class EngineerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    user_id: str | None
    provider_id: str | None
    phone: str | None
    skills: list[str]
    certifications: list[dict[str, Any]]
    regions: list[str]
    home_lat: float
    home_lon: float
    live_lat: float | None
    live_lon: float | None
    live_at: datetime | None
    timezone: str
    work_start: str
    work_end: str
    work_days: list[int]
    calendar: list[dict[str, Any]]
    active: bool
    version: int


class EngineerPage(BaseModel):
    items: list[EngineerOut]


class ProviderIn(Strict):
    name: Name
    city: Name | None = None
    lat: Lat
    lon: Lon
    bays: Annotated[int, Field(ge=1, le=500, description="Bays: the capacity of each slot")] = 1
    slot_minutes: Annotated[int, Field(ge=15, le=720)] = 60
    opens: HHMM = "08:00"
    closes: HHMM = "18:00"

    @model_validator(mode="after")
    def _hours(self) -> ProviderIn:
        if self.closes <= self.opens:
            raise ValueError("closes must be after opens")
        return self


class ProviderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    city: str | None
    lat: float
    lon: float
    bays: int
    slot_minutes: int
    opens: str
    closes: str


class ProviderPage(BaseModel):
    items: list[ProviderOut]


SERIAL = re.compile(r"^[A-Za-z0-9._/-]{1,64}$")


class WorkOrderIn(Strict):
    """A work order at an address for a customer's asset (vehicle VIN or device serial)."""

    kind: Kind
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    contact_id: Ref | None = None
    account_id: Ref | None = None
    asset_kind: Annotated[str, StringConstraints(pattern=r"^(vin|serial)$")] = "serial"
    asset_serial: Annotated[str, StringConstraints(strip_whitespace=True, pattern=SERIAL.pattern)]
    asset_model: Name | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    region: Name | None = None
    lat: Lat
    lon: Lon
    required_skills: Annotated[list[Code], Field(max_length=20)] = Field(default_factory=list)
    window_start: AwareDatetime
    window_end: AwareDatetime
    duration_min: Annotated[int, Field(ge=5, le=24 * 60)] = 60
    priority: Priority = "normal"
    preferred_engineer_ids: Annotated[list[Ref], Field(max_length=20)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _window(self) -> WorkOrderIn:
        if self.window_end <= self.window_start:
            raise ValueError("window_end must be after window_start")
        if (self.window_end - self.window_start).days > 14:
            raise ValueError("the time window may not exceed 14 days")
        if self.asset_kind == "vin" and len(self.asset_serial) != 17:
            raise ValueError("a VIN has 17 characters")
        return self


class TransitionIn(Strict):
    status: Status
    reason: Reason | None = None


class AssignIn(Strict):
    """Assign an engineer. Choosing anyone but the top-ranked engineer of the order's
    latest recommendation is an override and needs a ``reason``."""

    engineer_id: Ref
    scheduled_start: AwareDatetime | None = Field(
        default=None, description="Default: the recommended arrival"
    )
    reason: Reason | None = None


class RecommendIn(Strict):
    weights: dict[str, Annotated[float, Field(ge=0, le=1)]] | None = Field(
        default=None, description="travel, skill, load, window, preference; sum 1"
    )
    limit: Annotated[int, Field(ge=1, le=50)] = 10

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        return None if value is None else check_weights(value)


class ReserveBayIn(Strict):
    day: date
    start: Annotated[
        HHMM | None,
        Field(description="First slot's start (local, on the provider's grid); none: all day"),
    ] = None
    slots: Annotated[int, Field(ge=1, le=48, description="Consecutive slots to hold")] = 1
    work_order_id: Ref | None = None
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


class ReservationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    provider_id: str
    day: date
    start: str | None = None
    end: str | None = None
    work_order_id: str | None
    note: str | None
    bays_left: int = 0


class SlotOut(BaseModel):
    start: str
    end: str
    reserved: int
    free: int


class SlotsOut(BaseModel):
    provider_id: str
    day: date
    bays: int
    slot_minutes: int
    slots: list[SlotOut]


class TransitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: str | None
    to_status: str
    at: datetime
    actor_kind: str
    actor_name: str | None
    reason: str | None
    engineer_id: str | None


class WorkOrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    number: str
    kind: str
    status: str
    title: str
    contact_id: str | None
    account_id: str | None
    asset_kind: str
    asset_serial: str
    asset_model: str | None
    address: str
    region: str | None
    lat: float
    lon: float
    required_skills: list[str]
    window_start: datetime
    window_end: datetime
    duration_min: int
    priority: str
    preferred_engineer_ids: list[str]
    engineer_id: str | None
    scheduled_start: datetime | None
    provider_id: str | None
    source: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime


class WorkOrderDetail(WorkOrderOut):
    history: list[TransitionOut] = Field(default_factory=list)
    asset_history: list[WorkOrderOut] = Field(default_factory=list)
    customer: dict[str, Any] | None = None
    engineer: dict[str, Any] | None = None
    recommendation: dict[str, Any] | None = None


class WorkOrderPage(BaseModel):
    items: list[WorkOrderOut]
